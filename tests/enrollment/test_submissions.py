"""Signing and sending an application, and what each side reads after: the contact's and the
signer's names (never an e-mail address), the applicant's answer to a request for more, what
changed between two submissions, and the submission read-only."""

import pytest
from django.urls import reverse

from cvms.models import User
from cvms.roles import Role
from enrollment.enums import ApplicationStatus, DecisionAction
from enrollment.models import EnrollmentApplication
from enrollment.services.applications import application_submit, application_update
from enrollment.services.decisions import application_request_info
from tests.enrollment.factories import EnrollmentApplicationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def step_url(application, step):
    return reverse(f"provider:enrollment.step.{step}", kwargs={"application_pk": application.pk})


def detail_url(application):
    return reverse("provider:enrollment.application", kwargs={"application_pk": application.pk})


def review_url(application):
    return reverse("state:enrollment.review.detail", kwargs={"application_pk": application.pk})


def submitted(application) -> EnrollmentApplication:
    return application_submit(application=application, attested_name="Dana Doe", by=application.applicant)


def sent_back(application, notes="Add your second site and check the city.") -> EnrollmentApplication:
    official = UserFactory(roles=[Role.STATE_OFFICIAL])
    return application_request_info(
        application=application, version=application.version, notes=notes, by=official
    )


# --- Sign-up and the names it gives ----------------------------------------------------------


def test_sign_up_asks_the_persons_name_and_refuses_none(client):
    form = client.get(reverse("account_signup")).content.decode()
    assert 'name="first_name"' in form and 'name="last_name"' in form

    refused = client.post(
        reverse("account_signup"),
        {"email": "kim@example.org", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )

    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"first_name", "last_name"}
    assert not User.objects.filter(email="kim@example.org").exists()


def test_sign_up_refuses_an_email_address_as_a_name(client):
    refused = client.post(
        reverse("account_signup"),
        {
            "email": "kim@example.org",
            "first_name": "kim@example.org",
            "last_name": "Lee",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
    )

    assert refused.context["form"].errors["first_name"] == ["Write your name here, not an e-mail address."]


def test_sign_up_keeps_the_name(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "kim@example.org",
                "first_name": " Kim ",
                "last_name": "Lee",
                "password1": "a-long-passphrase-9",
                "password2": "a-long-passphrase-9",
            },
        )

    user = User.objects.get(email="kim@example.org")
    assert (user.first_name, user.last_name, user.real_name) == ("Kim", "Lee", "Kim Lee")


def test_new_application_names_its_contact_by_the_applicants_name_not_email(client):
    named = UserFactory(first_name="Kim", last_name="Lee")
    unnamed = UserFactory(first_name="", last_name="")

    for user in (named, unnamed):
        client.force_login(user)
        client.post(reverse("provider:enrollment.start"))

    applications = {a.applicant: a for a in EnrollmentApplication.objects.all()}
    assert applications[named].contact_name == "Kim Lee"
    assert applications[unnamed].contact_name == ""  # to fill in, not the e-mail address
    page = client.get(step_url(applications[unnamed], "contact")).content.decode()
    assert unnamed.email not in page.split('name="contact_name"')[1].split(">")[0]


def test_contact_name_that_is_an_email_address_is_refused(client):
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(
        step_url(application, "contact"),
        {
            "contact_name": "casey@example.org",
            "contact_email": "casey@example.org",
            "contact_phone": "919-555-0100",
        },
    )

    assert response.context["form"].errors["contact_name"] == [
        "Write the contact's name here (the e-mail address has its own field)."
    ]
    application.refresh_from_db()
    assert application.contact_name == "Casey Contact"


def test_contact_name_saved_as_an_email_address_blocks_submission():
    application = EnrollmentApplicationFactory(contact_name="casey@example.org")

    with pytest.raises(Exception, match="Write the contact's name here"):
        submitted(application)


# --- The signature ---------------------------------------------------------------------------


def test_signature_field_offers_the_signers_name_never_the_email(client):
    application = EnrollmentApplicationFactory(applicant=UserFactory(first_name="", last_name=""))
    client.force_login(application.applicant)

    form = client.get(step_url(application, "submit")).context["form"]

    assert form["attested_name"].value() in ("", None)


@pytest.mark.parametrize(
    "signature, error",
    [
        ("person@example.org", "Sign with your full name, not an e-mail address or a number."),
        (
            "Pat Smith",
            "Sign with your own name, as on your account: Dana Doe. Only that person can sign here.",
        ),
    ],
)
def test_signature_that_isnt_the_signers_name_is_a_form_error(client, signature, error):
    application = EnrollmentApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(step_url(application, "submit"), {"agree": "on", "attested_name": signature})

    assert response.context["form"].errors["attested_name"] == [error]
    html = response.content.decode()
    assert html.count(error) >= 1
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_signature_is_compared_without_case_accents_or_spacing(client):
    application = EnrollmentApplicationFactory(applicant=UserFactory(first_name="José", last_name="Núñez"))
    client.force_login(application.applicant)

    client.post(step_url(application, "submit"), {"agree": "on", "attested_name": "  jose   NUNEZ "})

    application.refresh_from_db()
    assert (application.status, application.attested_name) == (ApplicationStatus.SUBMITTED, "jose NUNEZ")


def test_service_refuses_a_signature_that_isnt_the_signers():
    application = EnrollmentApplicationFactory()

    with pytest.raises(Exception, match="Sign with your own name"):
        application_submit(application=application, attested_name="Pat Smith", by=application.applicant)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_signer_without_a_name_on_record_signs_with_a_full_name(client):
    application = EnrollmentApplicationFactory(applicant=UserFactory(first_name="", last_name=""))
    client.force_login(application.applicant)

    refused = client.post(step_url(application, "submit"), {"agree": "on", "attested_name": "Dana"})
    assert refused.context["form"].errors["attested_name"] == [
        "Sign with your full name: your first and last name."
    ]
    client.post(step_url(application, "submit"), {"agree": "on", "attested_name": "Dana Doe"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- More information asked: the answer, and what changed ----------------------------------------


def test_applicant_sent_back_answers_in_a_field_and_must_answer(client):
    application = sent_back(submitted(EnrollmentApplicationFactory()))
    client.force_login(application.applicant)

    page = client.get(step_url(application, "submit")).content.decode()
    assert "Add your second site and check the city." in page
    assert 'name="response"' in page
    refused = client.post(step_url(application, "submit"), {"agree": "on", "attested_name": "Dana Doe"})
    assert refused.context["form"].errors["response"] == ["This field is required."]

    client.post(
        step_url(application, "submit"),
        {"agree": "on", "attested_name": "Dana Doe", "response": "The second site opens in March."},
    )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    last = application.events.filter(action=DecisionAction.SUBMITTED).latest("id")
    assert last.notes == "The second site opens in March."


def test_service_refuses_a_resubmission_without_an_answer():
    application = sent_back(submitted(EnrollmentApplicationFactory()))

    with pytest.raises(Exception, match="Answer what the state asked"):
        submitted(application)


def test_reviewer_sees_the_answer_and_what_changed_since_the_last_submission(client):
    application = sent_back(submitted(EnrollmentApplicationFactory(city="Raleigh", employee_count=None)))
    applicant = application.applicant
    application = application_update(application=application, data={"city": "Cary"}, by=applicant)
    place = application.locations.get()
    place.refrigerated_capacity = 500
    place.save()
    application_submit(
        application=application, attested_name="Dana Doe", response="We moved to Cary.", by=applicant
    )
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL]))

    response = client.get(review_url(application))

    changes = [(c.label, c.before, c.after) for c in response.context["changes"]]
    assert changes == [
        ("City", "Raleigh", "Cary"),
        (f"Location {place.name}: Refrigerated capacity (doses)", "2000", "500"),
    ]
    html = response.content.decode()
    assert "What changed since the last submission" in html
    assert "<td>City</td><td>Raleigh</td><td>Cary</td>" in html
    assert "We moved to Cary." in html


def test_first_submission_shows_no_changes(client):
    application = submitted(EnrollmentApplicationFactory())
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL]))

    response = client.get(review_url(application))

    assert response.context["changes"] is None
    assert "What changed since the last submission" not in response.content.decode()


def test_resubmission_with_the_same_answers_says_nothing_changed(client):
    application = sent_back(submitted(EnrollmentApplicationFactory()))
    application_submit(
        application=application,
        attested_name="Dana Doe",
        response="All is as before.",
        by=application.applicant,
    )
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL]))

    html = client.get(review_url(application)).content.decode()

    assert "Nothing: the applicant submitted the same answers again." in html


# --- The submission, read-only ----------------------------------------------------------------


def test_applicant_sees_the_submission_read_only(client):
    application = submitted(EnrollmentApplicationFactory(legal_name="Harbor Health"))
    client.force_login(application.applicant)

    page = client.get(detail_url(application)).content.decode()
    step = client.get(step_url(application, "organization"))

    assert "What you submitted" in page
    assert "Harbor Health" in page and "Casey Contact" in page and application.locations.get().name in page
    assert "<form" not in page.split("What you submitted")[1]
    assert step.status_code == 302 and step["Location"] == detail_url(application)


def test_another_person_cant_read_the_submission(client):
    application = submitted(EnrollmentApplicationFactory())
    client.force_login(UserFactory())

    assert client.get(detail_url(application)).status_code == 404
