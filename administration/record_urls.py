"""URLs of the dose records, back-fill and exports (added to the portals' lists in urls.py)."""

from django.urls import path

from administration.views import exports, records
from administration.views import records_backfill as backfill

provider = [
    path("records/", records.RecordsView.as_view(), name="administration.records"),
    path("records/today/", records.TodayView.as_view(), name="administration.today"),
    path("records/walk-in/", records.WalkInView.as_view(), name="administration.walk_in"),
    path("records/walk-in/record/", records.WalkInRecordView.as_view(), name="administration.walk_in.record"),
    path("records/<int:record_pk>/", records.RecordDetailView.as_view(), name="administration.record"),
    path(
        "records/<int:record_pk>/correct/",
        records.RecordCorrectView.as_view(),
        name="administration.record.correct",
    ),
    path(
        "records/<int:record_pk>/void/", records.RecordVoidView.as_view(), name="administration.record.void"
    ),
    path(
        "records/<int:record_pk>/adverse-events/",
        records.AdverseEventCreateView.as_view(),
        name="administration.record.adverse_event",
    ),
    path("records/backfill/", backfill.BackfillView.as_view(), name="administration.backfill"),
    path(
        "records/backfill/upload/",
        backfill.BackfillUploadView.as_view(),
        name="administration.backfill.upload",
    ),
    path(
        "records/backfill/paper-forms.csv",
        backfill.BackfillTemplateView.as_view(),
        name="administration.backfill.template",
    ),
    path("offline/", exports.OfflineFormsView.as_view(), name="administration.offline"),
    path("offline/<int:export_pk>/", exports.OfflineJobView.as_view(), name="administration.offline.job"),
    path(
        "offline/<int:export_pk>/download/",
        exports.OfflineDownloadView.as_view(),
        name="administration.offline.download",
    ),
]

state = [
    path("exports/", exports.StateExportsView.as_view(), name="administration.exports"),
    path("exports/<int:export_pk>/", exports.StateExportJobView.as_view(), name="administration.export"),
    path(
        "exports/<int:export_pk>/download/",
        exports.StateExportDownloadView.as_view(),
        name="administration.export.download",
    ),
]
