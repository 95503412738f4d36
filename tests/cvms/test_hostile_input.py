"""Hostile input never answers 5xx (issue 13, finding 13): every form and query parameter of every
portal page, and of the account pages, gets NUL bytes, digits that aren't ASCII ("²", "٣"),
impossible dates, huge values, SQL and markup, and must answer with a page or a form error.

The pages come from the URL configuration (tests/access_matrix.py, with each app's object
builders and a persona that may open the page); their fields from the forms each page shows
(inputs, selects and textareas; a GET form's fields are the page's query parameters). Hypothesis
draws the values: FUZZ_EXAMPLES per form (3 by default, so that `make test` stays quick; more by
hand: `FUZZ_EXAMPLES=200 .venv/bin/pytest tests/cvms/test_hostile_input.py`). PostgreSQL only:
SQLite stores a NUL byte where PostgreSQL refuses it, so the 500 would not show.
"""

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cvms.roles import Portal, Role
from enrollment.models import PriorityGroup
from tests.access_expected import EXPECTED
from tests.access_matrix import PUBLIC, SIGNED_IN, Owned, builders, is_member_of_portal, portal_urls

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))

HOSTILE = [
    "\x00",
    "Ana\x00García",
    "²",
    "٣",
    "１２３",  # full-width digits
    "¹²³",
    "9" * 40,  # past any integer column
    "-1",
    "0",
    "1e309",
    "NaN",
    "9999-99-99",
    "2021-02-30",
    "0000-00-00",
    "31/12/99999",
    "99:99",
    "x" * 100_000,
    "' OR '1'='1' --",
    '"><script>alert(1)</script>',
    "%00%ff",
    "../../etc/passwd",
    "\u202eevil",
    "🙂" * 50,
    "",
    " ",
]
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300))

# Pages of the sign-in flow, outside the portals.
ACCOUNT_PAGES = ["account_login", "account_signup", "account_reset_password"]
# Forms that would end the persona's session: what follows would test the login page only.
SKIPPED_ACTIONS = {"account_logout"}


@dataclass
class Form:
    action: str
    method: str
    fields: set[str] = field(default_factory=set)


class FormFinder(HTMLParser):
    """The forms of a page: their action, method and field names."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page_path
            self.forms.append(
                Form(
                    action=urlsplit(action).path or self.page_path,
                    method=(attrs.get("method") or "get").lower(),
                )
            )
        elif (
            tag in ("input", "select", "textarea")
            and self.forms
            and attrs.get("name")
            and attrs.get("type") not in ("submit", "button", "image", "reset")
        ):
            self.forms[-1].fields.add(attrs["name"])


def forms_of(html: str, page_path: str) -> list[Form]:
    finder = FormFinder(page_path)
    finder.feed(html)
    skipped = {reverse(name) for name in SKIPPED_ACTIONS}
    return [form for form in finder.forms if form.action not in skipped]


def persona_for(url, personas, owners):
    """A persona who may open `url` (None: anonymous), from tests/access_expected.py."""
    who = EXPECTED[url.name]
    if who == PUBLIC:
        return None
    if who == SIGNED_IN:
        return personas.home[Role.RECIPIENT]
    roles = [role for role in Role if role in who and is_member_of_portal(role, url.portal)]
    if owners is not None:
        roles = [role for role in roles if (role, "home") in owners]
    return personas.home[roles[0]]


def pages(portal: Portal):
    """The URLs of the portal that answer GET."""
    return [
        url for url in portal_urls() if url.portal == portal and "get" in url.view_class.http_method_names
    ]


def page_path(url, personas) -> tuple[str, object]:
    """The URL's path, with objects built for it, and a persona that may open it."""
    # A copy without what builders keep on it (a clinic, a location): those rows are rolled back
    # after each page.
    personas = type(personas)(home=personas.home, other=personas.other, organizations=personas.organizations)
    known = builders()
    built = {name: known[name](personas, url.portal) for name in url.kwarg_names}
    kwargs = {name: value.value if isinstance(value, Owned) else value for name, value in built.items()}
    owner_sets = [value.owners for value in built.values() if isinstance(value, Owned)]
    owners = frozenset.intersection(*owner_sets) if owner_sets else None
    return reverse(url.name, kwargs=kwargs), persona_for(url, personas, owners)


def request(client, form: Form, data: dict):
    """Send the form; any exception in the view is the test's failure, not the database's: a
    savepoint keeps one request's broken statement from breaking the next."""
    with transaction.atomic():
        if form.method == "post":
            return client.post(form.action, data)
        return client.get(form.action, data)


def attack(client, persona, form: Form, page: str) -> str | None:
    """Hypothesis fills the form with hostile values; the first 5xx (or exception), shrunk to
    its simplest, as a line of the report; None when every answer was below 500."""
    names = sorted(form.fields | ({"page"} if form.method == "get" else set()))
    last_failure = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries(dict.fromkeys(names, VALUES)))
    def no_server_error(data):
        if persona is not None:
            client.force_login(persona)
        try:
            response = request(client, form, data)
            failed = f"answered {response.status_code}" if response.status_code >= 500 else None
        except Exception as error:
            failed = f"{type(error).__name__}: {str(error)[:200]}"
        if failed:
            shown = {name: value[:20] for name, value in data.items() if value}
            last_failure[:] = [f"{page} → {form.method.upper()} {form.action} {shown!r} {failed}"]
            raise AssertionError(failed)

    try:
        no_server_error()
    except Exception as failure:  # an AssertionError, or Hypothesis's group of them (a flaky one)
        # The last failure Hypothesis tried: the simplest it found.
        return last_failure[0] if last_failure else f"{page} → {form.action}: {failure}"
    return None


def walk(client, path: str, persona) -> list[str]:
    client.logout()
    if persona is not None:
        client.force_login(persona)
    response = client.get(path)
    if response.status_code >= 500:
        return [f"{path} → GET answered {response.status_code}"]
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    failures = []
    for form in forms_of(response.content.decode(), path):
        failure = attack(client, persona, form, path)
        if failure:
            failures.append(failure)
    return failures


@contextmanager
def rolled_back():
    """Each page starts from the same database: what its objects and requests changed goes."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("portal", list(Portal), ids=lambda portal: portal.value)
def test_no_hostile_input_makes_a_portal_answer_5xx(portal, personas, client):
    PriorityGroup.objects.update(is_open=True)  # so that the booking pages show their forms
    failures = []
    for url in pages(portal):
        with rolled_back():
            failures += walk(client, *page_path(url, personas))

    assert not failures, "\n" + "\n".join(failures)


def test_no_hostile_input_makes_the_account_pages_answer_5xx(client, db):
    failures = []
    for name in ACCOUNT_PAGES:
        with rolled_back():
            failures += walk(client, reverse(name), None)

    assert not failures, "\n" + "\n".join(failures)


# --- The 500s found, each pinned --------------------------------------------------------------

NUL_REFUSED = "The search wasn&#x27;t run: Null characters are not allowed."


def get_as(client, persona, path, data):
    client.force_login(persona)
    return client.get(path, data)


def test_a_nul_byte_in_a_products_search_is_refused_with_a_message(client, personas):
    response = get_as(
        client, personas.home[Role.STATE_OFFICIAL], reverse("state:inventory.products"), {"q": "\x00"}
    )

    assert response.status_code == 200
    assert NUL_REFUSED in response.content.decode()


def test_a_nul_byte_in_a_dose_records_search_is_a_form_error(client, personas):
    client.force_login(personas.home[Role.PROVIDER_ADMIN])

    response = client.post(reverse("provider:administration.records"), {"q": "a\x00"})

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()


def test_a_nul_byte_in_the_knowledge_base_search_is_refused_with_a_message(client, db):
    response = client.get(reverse("help:kb"), {"q": "\x00", "category": "\x00"})

    assert response.status_code == 200
    assert NUL_REFUSED in response.content.decode()


@pytest.mark.parametrize("search", ["²", "#٣", "9" * 40])
def test_a_case_search_of_digits_that_arent_ascii_finds_nothing(client, personas, search):
    response = get_as(client, personas.home[Role.HELPDESK_AGENT], reverse("help:queue"), {"q": search})

    assert response.status_code == 200


def test_a_recipients_search_for_a_date_that_doesnt_exist_finds_nothing(client, personas):
    client.force_login(personas.home[Role.STATE_OFFICIAL])

    response = client.post(reverse("state:recipients.list"), {"q": "9999-99-99"}, follow=True)

    assert response.status_code == 200
    assert list(response.context["recipients"]) == []


def test_a_nul_byte_in_a_clinics_cancellation_reason_is_a_form_error(client, personas):
    from administration.models import Clinic

    clinic_pk = builders()["clinic_pk"](personas, Portal.PROVIDER)
    client.force_login(personas.home[Role.PROVIDER_ADMIN])

    response = client.post(
        reverse("provider:administration.clinic.cancel", kwargs={"clinic_pk": clinic_pk}),
        {"reason": "Storm\x00"},
    )

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not Clinic.objects.get(pk=clinic_pk).is_cancelled


def test_ticked_invitees_whose_ids_arent_ascii_digits_are_left_out(client, personas):
    client.force_login(personas.home[Role.EMPLOYER_ADMIN])

    response = client.post(
        reverse("employer:employers.roster.resend"), {"invitee": ["²", "٣", "9" * 40]}, follow=True
    )

    assert response.status_code == 200
    assert "Nobody chosen can be invited" in response.content.decode()


@pytest.mark.parametrize("slot", ["²", "٣", "9" * 40, "\x00"])
def test_booking_a_slot_whose_id_isnt_ascii_digits_asks_for_a_time(client, personas, slot):
    clinic_pk = builders()["clinic_pk"](personas, Portal.RECIPIENT).value
    client.force_login(personas.home[Role.RECIPIENT])
    path = reverse("me:administration.clinic", kwargs={"clinic_pk": clinic_pk})

    booked = client.post(path, {"slot": slot, "reschedule": slot})
    shown = client.get(path, {"reschedule": slot})

    assert booked.status_code == 200
    assert "Choose a time." in booked.content.decode()
    assert shown.status_code == 200


@pytest.mark.parametrize("zip_code", ["٣٣٣٣٣", "²²²²²", "１２３４５"])
def test_a_zip_code_of_digits_that_arent_ascii_is_a_form_error(zip_code, db):
    from administration.forms.booking import FindClinicsForm

    form = FindClinicsForm({"zip_code": zip_code})

    assert form.errors == {"zip_code": ["Enter a ZIP code of 5 digits."]}


def test_an_ndc_of_digits_that_arent_ascii_is_a_form_error(db):
    from inventory.forms import ProductForm

    form = ProductForm({"ndc": "٥٩٢٦٧-١٠٠٠-٠١"})

    assert form.errors["ndc"] == ["Write the NDC in its 5-4-2 form, such as 59267-1000-01."]
