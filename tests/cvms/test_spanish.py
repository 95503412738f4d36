"""Every public and recipient page, and every e-mail, in Spanish, with no English left
(issue 17, acceptance 1). Names of the test's data (people, places, products) are allowed as
they are; so are the words of tests/spanish.py's ALLOWED_WORDS (CVMS, COVID, PIN, SMART Health
Card, ...). Text marked as another language (`lang="en"`) is left out: a guide or an article not
translated yet says so, and is marked."""

import io
from datetime import timedelta
from functools import cache

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from administration.services import booking
from administration.services.notifications import appointment_email
from cvms.models import User
from cvms.roles import Role
from employers.selectors import invitation_token
from employers.services.invitations import invitations_send
from employers.services.proof import invitation_code_send
from enrollment.models import County, PriorityGroup
from enrollment.services import people
from enrollment.services.decisions import application_approve, application_deny, application_request_info
from helpdesk import services as helpdesk_services
from helpdesk.guides import GUIDES
from inventory.services.expiry import expiry_warnings_send
from inventory.services.planning import plan_publish
from recipients import services as recipient_services
from tests.administration.factories import AdministrationRecordFactory, clinic
from tests.employers.factories import InvitationFactory
from tests.enrollment.factories import ColleagueInvitationFactory, SubmittedApplicationFactory
from tests.factories import EmployerFactory, LocationFactory, OrganizationFactory, UserFactory, member
from tests.helpdesk.factories import ArticleFactory, CaseFactory, TrainingSessionFactory, requester
from tests.inventory.factories import AllocationPlanLineFactory, LotFactory, ProductFactory, stock
from tests.recipients.factories import RecipientFactory
from tests.spanish import english_left

pytestmark = pytest.mark.django_db

# The data's own names: proper nouns, the same in both languages.
NAMES = (
    "Lucía", "Fernández", "Carmen", "Ortega", "Clínica del Centro", "Fábrica del Sur", "Raleigh",
    "Moderna COVID-19 Vaccine", "Moderna US, Inc.", "MOD-2041", "MOD-2042", "NCA650001", "Clínica del Valle",
)  # fmt: skip


def spanish_client(user=None) -> Client:
    from tests.clients import SignInClient

    client = SignInClient(HTTP_ACCEPT_LANGUAGE="es")
    client.cookies["django_language"] = "es"
    if user is not None:
        client.force_login(user)
    return client


def assert_all_spanish(found: dict[str, list[str]]) -> None:
    left = {where: lines for where, lines in found.items() if lines}
    assert not left, "English left:\n" + "\n".join(
        f"{where}\n  " + "\n  ".join(lines) for where, lines in left.items()
    )


@cache
def county_names() -> tuple[str, ...]:
    """The counties' own names ("New Hanover" in "Condado de New Hanover"): proper nouns."""
    return tuple(County.objects.values_list("name", flat=True).order_by().distinct()) + tuple(
        name.removesuffix(" County") for name in County.objects.values_list("name", flat=True)
    )


def english_on(client, url: str, *, method: str = "get", data=None, expect=200) -> list[str]:
    response = getattr(client, method)(url, data or {}, follow=True)
    assert response.status_code == expect, f"{url}: {response.status_code}"
    content = response.content.decode()
    assert '<html lang="es">' in content, url
    return english_left(content, allowed=NAMES + county_names() + people_names())


def people_names() -> tuple[str, ...]:
    """The names of the people the test made, the factories' random ones among them ("White",
    "Young", "Mark" are English words and names): data, not the interface's words."""
    from employers.models import Invitee, RosterRow

    return tuple(
        name
        for model in (User, Invitee, RosterRow)
        for pair in model.objects.values_list("first_name", "last_name")
        for name in pair
    )


@pytest.fixture
def scene(settings):
    """Lucía, registered in Spanish (Group 2, open), with a first dose recorded four weeks ago
    and her second booked at the Clínica del Centro in Wake County; self-registration open."""
    settings.SITE_URL = "https://vacunas.example.gov"
    # The record page shows a SMART Health Card: a development key signs it.
    settings.SHC_PRIVATE_KEY, settings.SHC_PRIVATE_KEY_FILE, settings.SHC_DEVELOPMENT_KEY = "", "", True
    group = PriorityGroup.objects.get(code="2")
    group.is_open, group.opened_at = True, timezone.now()
    group.save()
    recipient_services.self_registration_set(is_open=True, by=UserFactory(roles=[Role.STATE_OFFICIAL]))
    provider = OrganizationFactory(name="Clínica del Centro", pin="NCA650001")
    location = LocationFactory(organization=provider, name="Clínica del Centro", county_id="37183")
    product = ProductFactory(name="Moderna COVID-19 Vaccine", manufacturer="Moderna US, Inc.")
    user = UserFactory(first_name="Lucía", last_name="Fernández", language="es", roles=[Role.RECIPIENT])
    lucia = RecipientFactory(user=user, first_name="Lucía", last_name="Fernández", language="es", group="2")
    lot = LotFactory(
        product=product, number="MOD-2041", expires_on=timezone.localdate() + timedelta(days=200)
    )
    AdministrationRecordFactory(
        recipient=lucia, location=location, lot=lot, administered_at=timezone.now() - timedelta(days=28)
    )
    the_clinic = clinic(location=location, product=product, days_ahead=3)
    appointment = booking.appointment_book(
        recipient=lucia, slot_id=the_clinic.slots.first().pk, dose_number=2, by=lucia.user
    )
    return {
        "lucia": lucia,
        "clinic": the_clinic,
        "appointment": appointment,
        "location": location,
        "lot": lot,
    }


def test_the_detector_finds_english_and_leaves_spanish_and_marked_english_alone():
    # The harness can fail: an English sentence is found, a Spanish one and lang="en" are not.
    assert english_left("<p>Your appointment is booked.</p>") != []
    assert english_left('<p>Su cita está reservada.</p><p lang="en">Freezer alarms</p>') == []
    assert english_left('<button aria-label="Close">×</button>') != []
    assert english_left("Hola Lucía,\n\nSee my appointments: https://x/me/", html=False) != []


def test_the_detector_finds_the_english_of_a_real_page(scene):
    # The same page in English, declared Spanish: everything people read is found.
    client = spanish_client(scene["lucia"].user)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("me:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    found = english_left(page.replace('<html lang="en">', '<html lang="es">'), allowed=NAMES)

    assert len(found) > 10
    assert any("Skip to main content" in line for line in found)


def test_public_pages_are_all_spanish(scene):
    translated = ArticleFactory(title="Booking for a parent", body="Sign in as them.")
    ArticleFactory(
        title="Pedir cita para un familiar", body="Inicie sesión.", language="es", translation_of=translated
    )
    untranslated = ArticleFactory(title="Freezer alarms", body="Keep the door closed.")
    invitation = InvitationFactory(
        invitee__first_name="Carmen", invitee__language="es", invitee__organization__name="Fábrica del Sur"
    )
    colleague = ColleagueInvitationFactory(organization=EmployerFactory(name="Fábrica del Sur"))
    client = spanish_client()
    urls = [
        reverse("home"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        reverse("account_email_verification_sent"),
        reverse("account_confirm_email", args=["no-such-key"]),
        reverse("help:register"),
        reverse("help:kb"),
        reverse("help:kb.article", args=[translated.pk]),
        reverse("help:kb.article", args=[untranslated.pk]),
        reverse("help:guides"),
        *[reverse("help:guide", args=[slug]) for slug in GUIDES],
        reverse("me:recipients.self_register"),
        reverse("me:employers.invitation", kwargs={"token": "not-a-token"}),
        reverse("enrollment.invitation", kwargs={"token": people.invitation_token(colleague)}),
        # The invitation's link: first, show that it is yours.
        reverse("me:employers.invitation", kwargs={"token": invitation_token(invitation)}),
    ]
    found = {url: english_on(client, url) for url in urls}
    found["/no-such-page/"] = english_on(client, "/no-such-page/", expect=404)
    register = reverse("me:recipients.register")
    found["the proof, sent wrong"] = english_on(
        client, register, method="post", data={"action": "birth_date", "date_of_birth": "1900-01-01"}
    )
    birth_date = {"action": "birth_date", "date_of_birth": invitation.invitee.date_of_birth.isoformat()}
    found["the form, once proven"] = english_on(client, register, method="post", data=birth_date)
    found["the form, sent empty"] = english_on(client, register, method="post")

    assert_all_spanish(found)


def test_recipient_pages_are_all_spanish(scene):
    appointment = scene["appointment"]
    client = spanish_client(scene["lucia"].user)
    urls = [
        reverse("me:dashboard"),
        reverse("me:recipients.profile"),
        reverse("me:administration.clinics"),
        reverse("me:administration.clinics") + "?county=37183",
        reverse("me:administration.clinics") + f"?reschedule={appointment.pk}",
        reverse("me:administration.clinic", kwargs={"clinic_pk": scene["clinic"].pk}),
        reverse("me:administration.appointments"),
        reverse("me:administration.appointment", kwargs={"appointment_pk": appointment.pk}),
        reverse("me:administration.appointment.cancel", kwargs={"appointment_pk": appointment.pk}),
        reverse("me:administration.record"),
        reverse("account_change_password"),
        reverse("account_email"),
        reverse("account_logout"),
    ]
    found = {url: english_on(client, url) for url in urls}
    found["a refused page"] = english_on(client, reverse("state:dashboard"), expect=403)
    found["details, sent wrong"] = english_on(
        client, reverse("me:recipients.profile"), method="post", data={"zip_code": "1", "email": "x"}
    )

    assert_all_spanish(found)


def test_the_vaccination_record_pdf_is_spanish(scene):
    client = spanish_client(scene["lucia"].user)

    response = client.get(reverse("me:administration.record.pdf"))

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Fernández" in text
    assert english_left(text, html=False, allowed=NAMES + people_names()) == []


def test_a_person_signed_in_before_registering_reads_spanish(scene):
    signed_up = spanish_client(UserFactory(language="es"))  # an account, no role yet
    without_record = spanish_client(UserFactory(language="es", roles=[Role.RECIPIENT]))
    found = {
        "home": english_on(signed_up, reverse("home")),
        "self-registration": english_on(signed_up, reverse("me:recipients.self_register")),
        "self-registration, sent empty": english_on(
            signed_up, reverse("me:recipients.self_register"), method="post"
        ),
        "dashboard": english_on(without_record, reverse("me:dashboard")),
        "clinics": english_on(without_record, reverse("me:administration.clinics")),
    }

    assert_all_spanish(found)


def _mails(outbox) -> dict[str, list[str]]:
    """The English in the e-mails to Spanish readers (a clinic's other, English-speaking
    administrator gets the same warning in English)."""
    found = {}
    english_readers = set(User.objects.filter(language="en").values_list("email", flat=True))
    for message in outbox:
        if set(message.to) <= english_readers:
            continue
        html = next((body for body, kind in message.alternatives if kind == "text/html"), "")
        assert '<html lang="es">' in html, message.subject
        lines = english_left(message.subject, html=False, allowed=NAMES + people_names())
        lines += english_left(message.body, html=False, allowed=NAMES + people_names())
        lines += english_left(html, allowed=NAMES + people_names())
        if lines:
            found[message.subject] = lines
    return found


def test_every_e_mail_to_a_spanish_reader_is_spanish(scene, django_capture_on_commit_callbacks):
    appointment, the_clinic = scene["appointment"], scene["clinic"]
    spanish = {"language": "es"}
    with django_capture_on_commit_callbacks(execute=True):
        # To people being vaccinated: every appointment e-mail, and the invitation.
        for kind in ("appointment_booked", "appointment_rescheduled", "appointment_cancelled"):
            appointment_email(appointment, kind)
        appointment_email(appointment, "clinic_cancelled", clinic=the_clinic, reason="Nieve")
        appointment_email(appointment, "appointment_reminder")
        appointment_email(appointment, "next_dose_reminder", earliest="1 de marzo de 2027")
        invitation = InvitationFactory(
            invitee__first_name="Carmen",
            invitee__language="es",
            invitee__organization__name="Fábrica del Sur",
        )
        invitations_send(invitation_ids=[invitation.pk])
        invitation_code_send(invitation=invitation)  # the code that proves the invitation is hers
        # Account e-mails, asked for in Spanish.
        client = spanish_client()
        client.post(
            reverse("account_signup"),
            {
                "email": "carmen@example.org",
                "first_name": "Carmen",
                "last_name": "Ruiz",
                "password1": "una-frase-larga-9",
                "password2": "una-frase-larga-9",
            },
        )
        client.post(reverse("account_reset_password"), {"email": scene["lucia"].user.email})
        # To employers and providers: enrollment decisions, invitations of colleagues, stock.
        official = UserFactory(roles=[Role.STATE_OFFICIAL])
        for number, decide in enumerate((application_approve, application_deny, application_request_info)):
            application = SubmittedApplicationFactory(
                applicant=UserFactory(first_name="Lucía", last_name="Ortega", language="es"),
                legal_name=f"Clínica del Valle {number}",
            )
            extra = {} if decide is application_approve else {"reason": "Falta la licencia."}
            if decide is application_request_info:
                extra = {"notes": "Envíe la licencia."}
            decide(application=application, version=application.version, by=official, **extra)
        employer = EmployerFactory(name="Fábrica del Sur")
        admin = member(employer, Role.EMPLOYER_ADMIN, language="es", first_name="Carmen")
        people.invitation_create(
            organization=employer, email="ana@example.org", role=Role.EMPLOYER_ADMIN, by=admin
        )
        provider_admin = member(scene["location"].organization, Role.PROVIDER_ADMIN, **spanish)
        stock(location=scene["location"], lot=LotFactory(product=scene["lot"].product, number="MOD-2042",
              expires_on=timezone.localdate() + timedelta(days=3)), doses=5)  # fmt: skip
        expiry_warnings_send()
        offered = AllocationPlanLineFactory(location=scene["location"], plan__product=scene["lot"].product)
        plan_publish(plan=offered.plan, respond_by=timezone.now() + timedelta(days=2), by=official)
        # To requesters of the helpdesk: the account, a resolved case, a training reminder.
        for _twice in range(2):  # the second time: "you already have an account"
            helpdesk_services.requester_register(
                first_name="Carmen",
                last_name="Ortega",
                email="carmen.ortega@example.org",
                code="VAC2021",
                **spanish,
            )
        someone = requester(language="es", first_name="Carmen")
        case = CaseFactory(requester=someone, subject="Congelador averiado")
        helpdesk_services.case_resolve(
            case=case, note="Lo cambiamos.", by=case.team.members.first() or official
        )
        session = TrainingSessionFactory(
            topic="Registro de dosis", starts_at=timezone.now() + timedelta(days=1)
        )
        helpdesk_services.training_signup(session=session, by=someone)
        helpdesk_services.training_reminders_send()
    assert provider_admin and len(mail.outbox) >= 19

    assert_all_spanish(_mails(mail.outbox))


def test_employer_pages_are_all_spanish(scene):
    from tests.employers.factories import RosterUploadFactory

    employer = EmployerFactory(name="Fábrica del Sur")
    admin = member(employer, Role.EMPLOYER_ADMIN, language="es", first_name="Carmen", last_name="Ortega")
    invitation = InvitationFactory(
        invitee__organization=employer, invitee__first_name="Lucía", invitee__last_name="Fernández"
    )
    upload = RosterUploadFactory(organization=employer, uploaded_by=admin)
    client = spanish_client(admin)
    urls = [
        reverse("employer:dashboard"),
        reverse("employer:enrollment.people"),
        reverse("employer:enrollment.people.invite"),
        reverse("employer:employers.roster"),
        reverse("employer:employers.uploads"),
        reverse("employer:employers.upload", kwargs={"upload_pk": upload.pk}),
        reverse("employer:employers.invitation.revoke", kwargs={"invitation_pk": invitation.pk}),
        reverse("employer:enrollment.list"),
    ]

    assert_all_spanish({url: english_on(client, url) for url in urls})


def test_roster_changes_and_the_employers_application_pages_are_all_spanish(
    scene, django_capture_on_commit_callbacks
):
    """A roster uploaded again (what it changes, a line of the wrong shape) and the applicant's
    pages: a submission read-only, a request for more answered in a field."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from employers.services.uploads import roster_upload_create
    from enrollment.services.applications import application_submit
    from tests.employers.conftest import ensure_priority_groups
    from tests.employers.factories import InviteeFactory
    from tests.enrollment.factories import EmployerApplicationFactory

    ensure_priority_groups()
    employer = EmployerFactory(name="Fábrica del Sur")
    admin = member(employer, Role.EMPLOYER_ADMIN, language="es", first_name="Carmen", last_name="Ortega")
    InviteeFactory(
        organization=employer, first_name="Lucía", last_name="Fernández", email="lucia@example.org"
    )
    content = (
        b"Nombre,Apellido,Correo,Fecha de nacimiento\n"
        b"Luc\xc3\xada,Fern\xc3\xa1ndez,lucia@example.org,1979-11-02\n"
        b"Ana,Ruiz,ana@example.org,1985-04-23,=SUMA(A1)\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload = roster_upload_create(
            organization=employer,
            file=SimpleUploadedFile("lista.csv", content, content_type="text/csv"),
            by=admin,
            language="es",
        )
    applicant = UserFactory(first_name="Carmen", last_name="Ortega", language="es")
    submitted = application_submit(
        application=EmployerApplicationFactory(
            applicant=applicant, legal_name="Fábrica del Norte", address="Calle Mayor 1"
        ),
        attested_name="Carmen Ortega",
        by=applicant,
    )
    to_send_back = application_submit(
        application=EmployerApplicationFactory(
            applicant=applicant, legal_name="Fábrica del Este", address="Calle Mayor 2"
        ),
        attested_name="Carmen Ortega",
        by=applicant,
    )
    sent_back = application_request_info(
        application=to_send_back,
        version=to_send_back.version,
        notes="Añada el número de empleados.",
        # A name that is English words, as the factories' random names can be: the page shows it.
        by=UserFactory(roles=[Role.STATE_OFFICIAL], first_name="Grant", last_name="White"),
    )
    urls = [
        reverse("employer:employers.upload", kwargs={"upload_pk": upload.pk}),
        reverse("employer:enrollment.application", kwargs={"application_pk": submitted.pk}),
        reverse("employer:enrollment.application", kwargs={"application_pk": sent_back.pk}),
        reverse("employer:enrollment.step.submit", kwargs={"application_pk": sent_back.pk}),
    ]

    page = spanish_client(admin).get(urls[0]).content.decode()
    assert "Lo que cambia esta lista" in page and "Esta línea tiene 5 celdas" in page
    found = {url: english_on(spanish_client(admin), url) for url in urls[:1]}
    found |= {url: english_on(spanish_client(applicant), url) for url in urls[1:]}
    assert_all_spanish(found)


def test_requester_pages_are_all_spanish(scene):
    someone = requester(scene["location"].organization, language="es", first_name="Carmen")
    case = CaseFactory(requester=someone, subject="Congelador averiado", description="No enfría.")
    TrainingSessionFactory(topic="Registro de dosis", starts_at=timezone.now() + timedelta(days=2))
    client = spanish_client(someone)
    urls = [
        reverse("help:dashboard"),
        reverse("help:cases"),
        reverse("help:case.new"),
        reverse("help:case", kwargs={"case_pk": case.pk}),
        reverse("help:training"),
    ]
    found = {url: english_on(client, url) for url in urls}
    found["a case, sent empty"] = english_on(client, reverse("help:case.new"), method="post")

    assert_all_spanish(found)
