"""URLs of the administration app, one list per portal (composed in cvms/urls.py), and the public
ones (no portal, no login)."""

from django.urls import path

from administration.views import recipient, state
from administration.views.provider import backfill, clinics, offline, recording, records, visits
from administration.views.public import JwksView
from cvms.roles import Portal

portals: dict = {
    Portal.PROVIDER: [
        # Clinics, their bookings and the day's arrivals.
        path("clinics/", clinics.ClinicsView.as_view(), name="administration.clinics"),
        path("clinics/new/", clinics.ClinicCreateView.as_view(), name="administration.clinic.create"),
        path("clinics/<int:clinic_pk>/", clinics.ClinicDetailView.as_view(), name="administration.clinic"),
        path(
            "clinics/<int:clinic_pk>/print/",
            clinics.ClinicPrintView.as_view(),
            name="administration.clinic.print",
        ),
        path(
            "clinics/<int:clinic_pk>/cancel/",
            clinics.ClinicCancelView.as_view(),
            name="administration.clinic.cancel",
        ),
        path(
            "clinics/<int:clinic_pk>/check-in/",
            clinics.CheckInView.as_view(),
            name="administration.clinic.check_in",
        ),
        path(
            "clinics/<int:clinic_pk>/appointments/<int:appointment_pk>/no-show/",
            clinics.NoShowView.as_view(),
            name="administration.appointment.no_show",
        ),
        # Recording doses: from an appointment, today's clinics, walk-ins.
        path(
            "clinics/<int:clinic_pk>/appointments/<int:appointment_pk>/record/",
            recording.RecordDoseView.as_view(),
            name="administration.dose.record",
        ),
        # Dose records.
        path("records/", records.RecordsView.as_view(), name="administration.records"),
        path("records/today/", recording.TodayView.as_view(), name="administration.today"),
        path("records/walk-in/", recording.WalkInView.as_view(), name="administration.walk_in"),
        path(
            "records/walk-in/record/",
            recording.WalkInRecordView.as_view(),
            name="administration.walk_in.record",
        ),
        path(
            "records/walk-in/register/",
            recording.WalkInRegisterView.as_view(),
            name="administration.walk_in.register",
        ),
        path("records/<int:record_pk>/visit/", visits.VisitView.as_view(), name="administration.visit"),
        path("records/<int:record_pk>/", records.RecordDetailView.as_view(), name="administration.record"),
        path(
            "records/<int:record_pk>/correct/",
            records.RecordCorrectView.as_view(),
            name="administration.record.correct",
        ),
        path(
            "records/<int:record_pk>/void/",
            records.RecordVoidView.as_view(),
            name="administration.record.void",
        ),
        path(
            "records/<int:record_pk>/adverse-events/",
            records.AdverseEventCreateView.as_view(),
            name="administration.record.adverse_event",
        ),
        # Back-fill of paper forms.
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
        # Printed forms for working offline.
        path("offline/", offline.OfflineFormsView.as_view(), name="administration.offline"),
        path("offline/<int:export_pk>/", offline.OfflineJobView.as_view(), name="administration.offline.job"),
        path(
            "offline/<int:export_pk>/download/",
            offline.OfflineDownloadView.as_view(),
            name="administration.offline.download",
        ),
    ],
    Portal.STATE: [
        path("exports/", state.StateExportsView.as_view(), name="administration.exports"),
        path("exports/<int:export_pk>/", state.StateExportJobView.as_view(), name="administration.export"),
        path(
            "exports/<int:export_pk>/download/",
            state.StateExportDownloadView.as_view(),
            name="administration.export.download",
        ),
        path("exports/refused/", state.RefusedMessagesView.as_view(), name="administration.refused"),
        path(
            "exports/refused/<int:record_pk>/send-again/",
            state.RefusedResendView.as_view(),
            name="administration.refused.resend",
        ),
    ],
    Portal.RECIPIENT: [
        path("clinics/", recipient.FindClinicsView.as_view(), name="administration.clinics"),
        path("clinics/<int:clinic_pk>/", recipient.ClinicSlotsView.as_view(), name="administration.clinic"),
        path("appointments/", recipient.AppointmentsView.as_view(), name="administration.appointments"),
        path(
            "appointments/<int:appointment_pk>/",
            recipient.AppointmentDetailView.as_view(),
            name="administration.appointment",
        ),
        path(
            "appointments/<int:appointment_pk>/cancel/",
            recipient.AppointmentCancelView.as_view(),
            name="administration.appointment.cancel",
        ),
        path("record/", recipient.RecordView.as_view(), name="administration.record"),
        path("record/pdf/", recipient.RecordPdfView.as_view(), name="administration.record.pdf"),
        path(
            "record/card.smart-health-card",
            recipient.HealthCardFileView.as_view(),
            name="administration.record.card",
        ),
    ],
}

public = [
    path(".well-known/jwks.json", JwksView.as_view(), name="administration.jwks"),
]
