"""Acceptance 1 and 5: a person whose language is Spanish opens the link of their invitation
e-mail, shows it is hers, registers, finds a clinic, books, reschedules, cancels and books again,
all in Spanish; axe-core finds no serious or critical violation on any page on the way."""

import re
from datetime import date

import pytest
from django.core import mail

from administration.enums import AppointmentStatus
from administration.models import Appointment
from cvms.sites import site_url
from employers.enums import DeliveryStatus
from employers.services.invitations import invitations_send
from enrollment.models import PriorityGroup
from recipients.models import Recipient
from tests.administration.factories import clinic
from tests.browser import serious_accessibility_violations
from tests.employers.factories import InvitationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def check_accessible(page, where: str) -> None:
    assert serious_accessibility_violations(page) == [], where


def find_and_open_clinic(page, place: str) -> None:
    page.get_by_label("Condado").select_option(label="Condado de Wake")  # the county in Spanish
    page.get_by_role("button", name="Buscar", exact=True).click()
    check_accessible(page, "search results")
    page.get_by_role("link", name=re.compile(f"^Ver horarios en {place}")).click()
    check_accessible(page, "clinic times")


def test_a_spanish_speaker_registers_from_the_invitation_email_and_books_reschedules_cancels_and_rebooks(
    page, live_server
):
    group = PriorityGroup.objects.get(code="2")
    group.is_open = True
    group.save()
    invitation = InvitationFactory(
        invitee__first_name="Lucía",
        invitee__last_name="Fernández",
        invitee__email="lucia@example.org",
        invitee__language="es",
        invitee__date_of_birth=date(1950, 3, 4),  # 65 or older, as her group
        invitee__priority_group=group,
        status=DeliveryStatus.PENDING,
        sent_at=None,
        expires_at=None,
    )
    the_clinic = clinic(slot_capacity=3)
    place = the_clinic.location.name
    invitations_send(invitation_ids=[invitation.pk])
    link = re.search(r"https?://\S+/me/invitation/\S+/", mail.outbox[-1].body).group(0)

    # The e-mail's link, on the test server.
    page.goto(link.replace(site_url(), live_server.url))
    page.get_by_role("heading", name="Regístrese para vacunarse").wait_for()
    # First she shows the invitation is hers, by her date of birth (issue 13).
    check_accessible(page, "proof")
    birth_date = page.get_by_role("textbox", name="Su fecha de nacimiento")
    birth_date.fill(invitation.invitee.date_of_birth.isoformat())
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Nombre legal").wait_for()
    check_accessible(page, "registration")
    assert page.get_by_label("Nombre legal").input_value() == "Lucía"

    page.locator("input[name=sex][value=F]").check()
    page.get_by_label("Blanco").check()
    page.get_by_label("Hispano o latino").check()
    page.get_by_label("Teléfono").fill("919-555-0123")
    page.get_by_label("Dirección").fill("12 Oak Street")
    page.get_by_label("Ciudad").fill("Raleigh")
    page.get_by_label("Código postal").fill("27601")
    page.locator("input[name=comorbidity][value=NO]").check()
    page.locator("input[name=screening_severe_allergy][value=no]").check()
    page.locator("input[name=screening_covid_symptoms][value=no]").check()
    page.get_by_label("Elija una contraseña").fill("a-long-and-unusual-passphrase")
    page.get_by_label("Repita la contraseña").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Registrarse").click()

    page.get_by_text("Ya está registrado. ¡Bienvenido!").wait_for()
    assert "Ya puede vacunarse: el Grupo 2" in page.content()
    check_accessible(page, "dashboard")
    recipient = Recipient.objects.get(email="lucia@example.org")
    assert recipient.language == "es"

    # Find a clinic and book.
    page.get_by_role("link", name="Buscar una clínica").first.click()
    check_accessible(page, "find a clinic")
    find_and_open_clinic(page, place)
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Reservar este horario").click()
    page.get_by_text("Su cita está reservada.").wait_for()
    check_accessible(page, "appointment")
    first = Appointment.objects.get(recipient=recipient, status=AppointmentStatus.BOOKED)
    assert page.get_by_test_id("confirmation-code").inner_text() == first.confirmation_code

    # Reschedule to another time.
    page.get_by_role("link", name="Cambiar el horario").click()
    page.get_by_role("heading", name="Elija un nuevo horario").wait_for()
    find_and_open_clinic(page, place)
    page.locator("input[name=slot]").nth(1).check()
    page.get_by_role("button", name="Cambiar mi cita a este horario").click()
    page.get_by_text("Su cita se ha cambiado.").wait_for()
    moved = Appointment.objects.get(recipient=recipient, status=AppointmentStatus.BOOKED)
    assert moved.slot_id != first.slot_id

    # Cancel, after a confirmation page.
    page.get_by_role("link", name="Cancelar la cita").click()
    page.get_by_role("heading", name="¿Cancelar la cita?").wait_for()
    check_accessible(page, "cancel confirmation")
    page.get_by_role("button", name="Sí, cancelarla").click()
    page.get_by_text("Su cita está cancelada.").wait_for()
    check_accessible(page, "appointments")
    assert not Appointment.objects.filter(recipient=recipient, status=AppointmentStatus.BOOKED).exists()

    # Book again, on a phone-sized screen.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/me/clinics/")
    find_and_open_clinic(page, place)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Reservar este horario").click()
    page.get_by_text("Su cita está reservada.").wait_for()
    assert Appointment.objects.filter(recipient=recipient, status=AppointmentStatus.BOOKED).count() == 1

    for path in ("/me/appointments/", "/me/record/", "/me/details/"):
        page.goto(f"{live_server.url}{path}")
        check_accessible(page, path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path

    subjects = [m.subject for m in mail.outbox if m.to == ["lucia@example.org"]]
    assert "Su cita de vacunación está reservada" in subjects
    assert "Su cita de vacunación ha cambiado" in subjects
    assert "Su cita de vacunación está cancelada" in subjects
