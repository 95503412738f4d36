"""URLs of the administration app, one list per portal (composed in cvms/urls.py)."""

from django.urls import path

from administration import record_urls
from administration.views import health_cards
from administration.views import provider_clinics as provider
from administration.views import provider_records as records
from administration.views import recipient_booking as booking
from cvms.roles import Portal

portals: dict = {
    Portal.PROVIDER: [
        path("clinics/", provider.ClinicsView.as_view(), name="administration.clinics"),
        path("clinics/new/", provider.ClinicCreateView.as_view(), name="administration.clinic.create"),
        path("clinics/<int:clinic_pk>/", provider.ClinicDetailView.as_view(), name="administration.clinic"),
        path(
            "clinics/<int:clinic_pk>/print/",
            provider.ClinicPrintView.as_view(),
            name="administration.clinic.print",
        ),
        path(
            "clinics/<int:clinic_pk>/cancel/",
            provider.ClinicCancelView.as_view(),
            name="administration.clinic.cancel",
        ),
        path(
            "clinics/<int:clinic_pk>/check-in/",
            provider.CheckInView.as_view(),
            name="administration.clinic.check_in",
        ),
        path(
            "clinics/<int:clinic_pk>/appointments/<int:appointment_pk>/no-show/",
            provider.NoShowView.as_view(),
            name="administration.appointment.no_show",
        ),
        path(
            "clinics/<int:clinic_pk>/appointments/<int:appointment_pk>/record/",
            records.RecordDoseView.as_view(),
            name="administration.dose.record",
        ),
        *record_urls.provider,
    ],
    Portal.STATE: record_urls.state,
    Portal.RECIPIENT: [
        path("clinics/", booking.FindClinicsView.as_view(), name="administration.clinics"),
        path("clinics/<int:clinic_pk>/", booking.ClinicSlotsView.as_view(), name="administration.clinic"),
        path("appointments/", booking.AppointmentsView.as_view(), name="administration.appointments"),
        path(
            "appointments/<int:appointment_pk>/",
            booking.AppointmentDetailView.as_view(),
            name="administration.appointment",
        ),
        path(
            "appointments/<int:appointment_pk>/cancel/",
            booking.AppointmentCancelView.as_view(),
            name="administration.appointment.cancel",
        ),
        path("record/", booking.RecordView.as_view(), name="administration.record"),
        path("record/pdf/", booking.RecordPdfView.as_view(), name="administration.record.pdf"),
        path(
            "record/card.smart-health-card",
            health_cards.HealthCardFileView.as_view(),
            name="administration.record.card",
        ),
    ],
}

public = [
    path(".well-known/jwks.json", health_cards.JwksView.as_view(), name="administration.jwks"),
]
