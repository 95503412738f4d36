"""The state's audit log: searching and exporting the audit trail, which is itself audited."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cvms.models import AuditEvent
from cvms.roles import Role
from tests.factories import UserFactory

URL = reverse("state:audit")
EXPORT_URL = reverse("state:audit.export")


@pytest.fixture
def official(client, db):
    user = UserFactory(roles=[Role.STATE_OFFICIAL], email="official@state.example.org")
    client.force_login(user)
    return user


def event(action: str, *, at: datetime | None = None, **fields) -> AuditEvent:
    return AuditEvent.objects.create(action=action, at=at or timezone.now(), **fields)


def listed(response) -> list[str]:
    return [event.action for event in response.context["events"]]


def local(year, month, day, hour=12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


def test_audit_log_lists_the_newest_events_first(client, official):
    event("inventory.lot.received", at=timezone.now() - timedelta(hours=2))
    event("enrollment.application.approved", at=timezone.now() - timedelta(hours=1))

    response = client.get(URL)

    assert response.status_code == 200
    # The official's own search is recorded at once, and so it comes first.
    assert listed(response) == [
        "audit.searched",
        "account.login",
        "enrollment.application.approved",
        "inventory.lot.received",
    ]


def test_audit_log_shows_each_events_details_escaped(client, official):
    event(
        "inventory.lot.received", data={"lot": "EL9261", "doses": 975, "note": "<b>damaged</b>", "ok": True}
    )
    event("account.login", data={})

    page = client.get(URL, {"action": "inventory."}).content.decode()

    # In the order PostgreSQL keeps a jsonb object's keys (shortest first).
    assert (
        '<td class="small">ok: True; lot: EL9261; note: &lt;b&gt;damaged&lt;/b&gt;; doses: 975</td>' in page
    )
    assert "<b>damaged" not in page


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"action": "inventory."}, ["inventory.stock.adjusted", "inventory.lot.received"]),
        ({"actor": "VACCINATOR@clinic.example.org"}, ["inventory.lot.received"]),
        ({"target_type": "recipients.recipient", "target_id": "7"}, ["recipients.recipient.viewed"]),
        ({"ip_address": "203.0.113.9"}, ["inventory.stock.adjusted"]),
        ({"date_from": "2021-03-02", "date_to": "2021-03-02"}, ["inventory.lot.received"]),
        ({"date_from": "2021-03-02"}, ["inventory.stock.adjusted", "inventory.lot.received"]),
        ({"date_to": "2021-03-01"}, ["recipients.recipient.viewed"]),
    ],
)
def test_audit_log_filters(client, official, query, expected):
    event(
        "recipients.recipient.viewed",
        at=local(2021, 3, 1, 23),
        target_type="recipients.recipient",
        target_id="7",
    )
    event("inventory.lot.received", at=local(2021, 3, 2, 0), actor_email="vaccinator@clinic.example.org")
    event("inventory.stock.adjusted", at=local(2021, 3, 3), ip_address="203.0.113.9")

    response = client.get(URL, {**query, "date_to": query.get("date_to", "2021-03-31")})

    assert listed(response) == expected


def test_audit_log_search_is_itself_audited(client, official):
    client.get(URL, {"action": "account.", "date_from": "2021-03-01", "page": "1"})

    searched = AuditEvent.objects.get(action="audit.searched")
    assert (searched.actor, searched.ip_address) == (official, "127.0.0.1")
    assert searched.data == {"filters": {"action": "account.", "date_from": "2021-03-01"}, "page": "1"}


@pytest.mark.parametrize(
    "query,field,message",
    [
        (
            {"date_from": "2021-03-05", "date_to": "2021-03-01"},
            "date_to",
            "The end date is before the start date.",
        ),
        ({"date_from": "yesterday"}, "date_from", "Enter a valid date."),
        ({"ip_address": "300.1.1.1"}, "ip_address", "Enter a valid IPv4 or IPv6 address."),
    ],
)
def test_audit_log_shows_what_is_wrong_with_a_filter_and_no_rows(client, official, query, field, message):
    event("inventory.lot.received")

    response = client.get(URL, query)

    assert response.context["filters"].errors[field] == [message]
    assert message in response.content.decode()
    assert listed(response) == []
    assert not AuditEvent.objects.filter(action="audit.searched").exists()


def test_audit_log_pages_keep_the_filters(client, official):
    for n in range(55):
        event(f"inventory.test.{n:02d}")

    response = client.get(URL, {"action": "inventory.", "page": "2"})

    assert listed(response) == [
        "inventory.test.04",
        "inventory.test.03",
        "inventory.test.02",
        "inventory.test.01",
        "inventory.test.00",
    ]
    assert 'href="?action=inventory.&amp;page=1"' in response.content.decode()


def test_audit_log_runs_the_same_queries_for_few_and_many_events(client, official, django_assert_num_queries):
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(60):
        event(f"inventory.test.{n}", actor_email=f"person{n}@example.org", data={"n": n})

    with django_assert_num_queries(len(few)):
        response = client.get(URL)

    assert len(response.context["events"]) == 50


@pytest.mark.postgres
def test_audit_log_order_is_read_from_an_index_without_sorting(db):
    from cvms.selectors import audit_events

    sql, params = audit_events(date_from=timezone.localdate()).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # A table this small would be read whole; tell the planner to prefer any index, and to
        # sort only if nothing gives the order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql} LIMIT 50", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "cvms_auditevent_at_id" in plan
    assert "Sort" not in plan


def test_audit_log_is_in_the_state_menu(client, official):
    response = client.get(reverse("state:dashboard"))

    assert "state:audit" in [url_name for _label, url_name in response.context["portal_menu"]]


# --- Export ---------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_audit_export_streams_the_filtered_rows(client, official):
    received = event(
        "inventory.lot.received",
        at=local(2021, 3, 2, 9),
        actor_email="vaccinator@clinic.example.org",
        target_type="inventory.lot",
        target_id="12",
        ip_address="203.0.113.9",
        data={"lot": "EL9261", "doses": 975},
    )
    event("account.login", at=local(2021, 3, 2, 10))

    response = client.get(EXPORT_URL, {"action": "inventory.", "date_from": "2021-03-01"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    assert read_csv(response) == [
        ["id", "at", "action", "actor e-mail", "target type", "target id", "IP address", "data"],
        [
            str(received.pk),
            "2021-03-02T09:00:00-05:00",
            "inventory.lot.received",
            "vaccinator@clinic.example.org",
            "inventory.lot",
            "12",
            "203.0.113.9",
            '{"doses": 975, "lot": "EL9261"}',
        ],
    ]


def test_audit_export_is_itself_audited(client, official):
    response = client.get(EXPORT_URL, {"actor": "someone@example.org"})
    read_csv(response)

    exported = AuditEvent.objects.get(action="audit.exported")
    assert (exported.actor, exported.data) == (official, {"filters": {"actor": "someone@example.org"}})


def test_audit_export_keeps_spreadsheet_formulas_inert(client, official):
    event("account.login_failed", actor_email='=HYPERLINK("http://evil.example")')

    rows = read_csv(client.get(EXPORT_URL, {"action": "account.login_failed"}))

    assert rows[1][3] == '\'=HYPERLINK("http://evil.example")'


def test_audit_export_with_a_bad_filter_goes_back_to_the_log(client, official):
    response = client.get(EXPORT_URL, {"date_from": "soon"})

    assert response.status_code == 302
    assert response["Location"] == f"{URL}?date_from=soon"
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


# --- Who may read it -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, EXPORT_URL])
@pytest.mark.parametrize("role", [role for role in Role if role != Role.STATE_OFFICIAL])
def test_only_state_officials_read_the_audit_log(client, personas, url, role):
    client.force_login(personas.home[role])

    response = client.get(url)

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="audit.").exists()


@pytest.mark.parametrize("url", [URL, EXPORT_URL])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
