"""The provider portal's one scope (issue 13, finding 8): the gate sets `request.locations`, the
locations the person may work at, and every page with a location's clinics, people, stock,
shipments or printed forms keeps to it. A vaccinator assigned to no location sees empty lists and
gets 404 for objects; the same vaccinator, once assigned, sees them (the control: the scene is
one the pages can show)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from administration.enums import AppointmentStatus, ExportKind, ExportStatus
from administration.models import Appointment, ExportJob
from cvms.roles import Role
from inventory.enums import ShipmentStatus
from inventory.models import Shipment
from inventory.services.allocations import allocation_create
from tests.administration.factories import AppointmentFactory, clinic, works_at
from tests.factories import LocationFactory, UserFactory, member
from tests.inventory.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    """A location with a clinic someone booked, an expected shipment and a clinic's printed
    forms; a vaccinator of the organization, assigned nowhere yet."""
    location = LocationFactory()
    organization = location.organization
    the_clinic = clinic(location=location)
    appointment = AppointmentFactory(
        slot=the_clinic.slots.first(), recipient__first_name="Zebulon", recipient__last_name="Quade"
    )
    shipment = allocation_create(
        week=timezone.localdate(),
        product=ProductFactory(),
        location=location,
        doses=10,
        by=UserFactory(roles=[Role.STATE_OFFICIAL]),
    ).shipment
    job = ExportJob.objects.create(
        kind=ExportKind.FORMS_CLINIC,
        status=ExportStatus.DONE,
        organization=organization,
        location=location,
        clinic=the_clinic,
        file_name="clinic-forms.pdf",
    )
    job.file.save("clinic-forms.pdf", ContentFile(b"%PDF-1.7 Zebulon Quade"))
    return {
        "location": location,
        "clinic": the_clinic,
        "appointment": appointment,
        "shipment": shipment,
        "job": job,
        "vaccinator": member(organization, Role.VACCINATOR),
    }


def _clinic_url(name, scene, **kwargs):
    return reverse(name, kwargs={"clinic_pk": scene["clinic"].pk, **kwargs})


def test_a_vaccinator_assigned_nowhere_sees_no_clinic_and_none_of_its_people(client, scene):
    client.force_login(scene["vaccinator"])

    listed = client.get(reverse("provider:administration.clinics"))
    today = client.get(reverse("provider:administration.today"))
    detail = client.get(_clinic_url("provider:administration.clinic", scene))
    printed = client.get(_clinic_url("provider:administration.clinic.print", scene))

    assert list(listed.context["clinics"]) == []
    assert list(today.context["clinics"]) == []
    assert (detail.status_code, printed.status_code) == (404, 404)
    assert "Quade" not in detail.content.decode() + printed.content.decode()


def test_a_vaccinator_assigned_nowhere_can_not_mark_a_no_show(client, scene):
    client.force_login(scene["vaccinator"])
    appointment = scene["appointment"]

    response = client.post(
        _clinic_url("provider:administration.appointment.no_show", scene, appointment_pk=appointment.pk)
    )

    assert response.status_code == 404
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED


def test_a_vaccinator_assigned_nowhere_sees_no_shipment_and_can_not_receive_one(client, scene):
    client.force_login(scene["vaccinator"])
    shipment = scene["shipment"]

    listed = client.get(reverse("provider:inventory.shipments"))
    stock = client.get(reverse("provider:inventory.stock"))
    received = client.post(
        reverse("provider:inventory.shipment.receive", args=[shipment.pk]),
        {
            "lot_number": "EW0150",
            "expires_on": "2099-01-01",
            "doses_received": "10",
            "doses_damaged": "0",
            "received_on": timezone.localdate().isoformat(),
        },
    )

    assert list(listed.context["shipments"]) == []
    assert (list(stock.context["locations"]), stock.context["expected"]) == ([], 0)
    assert received.status_code == 404
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.EXPECTED


def test_a_vaccinator_assigned_nowhere_can_not_download_or_request_printed_forms(client, scene):
    client.force_login(scene["vaccinator"])
    job = scene["job"]

    page = client.get(reverse("provider:administration.offline"))
    download = client.get(reverse("provider:administration.offline.download", kwargs={"export_pk": job.pk}))
    requested = client.post(
        reverse("provider:administration.offline"),
        {"kind": ExportKind.FORMS_CLINIC, "clinic": scene["clinic"].pk},
    )

    assert page.context["jobs"] == []
    assert download.status_code == 404
    assert requested.status_code == 200  # the clinic isn't one they may choose
    assert ExportJob.objects.count() == 1


def test_once_assigned_the_vaccinator_sees_the_locations_clinic_shipment_and_forms(client, scene):
    works_at(scene["vaccinator"], scene["location"])
    client.force_login(scene["vaccinator"])

    detail = client.get(_clinic_url("provider:administration.clinic", scene))
    shipments = client.get(reverse("provider:inventory.shipments"))
    download = client.get(
        reverse("provider:administration.offline.download", kwargs={"export_pk": scene["job"].pk})
    )

    assert "Quade" in detail.content.decode()
    assert scene["shipment"] in shipments.context["shipments"]
    assert download.status_code == 200


def test_another_location_of_the_same_organization_stays_out_of_a_vaccinators_lists(client, scene):
    elsewhere = LocationFactory(organization=scene["location"].organization)
    works_at(scene["vaccinator"], elsewhere)
    client.force_login(scene["vaccinator"])

    listed = client.get(reverse("provider:administration.clinics"))
    detail = client.get(_clinic_url("provider:administration.clinic", scene))
    dashboard = client.get(reverse("provider:dashboard"))

    assert list(listed.context["clinics"]) == []
    assert detail.status_code == 404
    assert elsewhere.name in dashboard.content.decode()
    assert scene["location"].name not in dashboard.content.decode()


def test_an_administrator_sees_every_location_of_the_organization(client, scene):
    admin = member(scene["location"].organization, Role.PROVIDER_ADMIN)
    client.force_login(admin)

    listed = client.get(reverse("provider:administration.clinics"))
    shipments = client.get(reverse("provider:inventory.shipments"))

    assert [c.pk for c in listed.context["clinics"]] == [scene["clinic"].pk]
    assert scene["shipment"] in shipments.context["shipments"]
