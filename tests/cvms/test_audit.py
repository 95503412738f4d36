import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test import RequestFactory

from cvms.audit import audit, audit_many
from cvms.models import AppendOnlyError, AuditEvent
from tests.factories import UserFactory


def test_audit_event_records_who_what_and_target(db):
    user = UserFactory()

    event = audit(action="cvms.test.done", by=user, target=user, data={"why": "a test"})

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.actor_email, stored.action) == (user, user.email, "cvms.test.done")
    assert (stored.target_type, stored.target_id, stored.data) == (
        "cvms.user",
        str(user.pk),
        {"why": "a test"},
    )


def test_audit_event_cant_be_changed_through_the_instance(db):
    event = audit(action="cvms.test.done", by=None)
    event.action = "cvms.test.undone"

    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "cvms.test.done"


def test_audit_event_cant_be_deleted_through_the_instance(db):
    event = audit(action="cvms.test.done", by=None)

    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_events_cant_be_updated_or_deleted_in_bulk(db):
    audit(action="cvms.test.done", by=None)

    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(action="cvms.test.done").update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(action="cvms.test.done").count() == 1


@pytest.mark.postgres
def test_database_refuses_raw_updates_and_deletes_of_audit_events(db):
    event = audit(action="cvms.test.done", by=None)

    for sql in (
        "UPDATE cvms_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM cvms_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "cvms.test.done"


def test_audit_admin_allows_no_add_change_or_delete(admin_client, db):
    event = audit(action="cvms.test.done", by=None)

    assert admin_client.get(f"/admin/cvms/auditevent/{event.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/cvms/auditevent/add/").status_code == 403
    response = admin_client.post(f"/admin/cvms/auditevent/{event.pk}/change/", {"action": "x"})
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "cvms.test.done"


FIELDS = ("actor", "actor_email", "action", "target_type", "target_id", "ip_address", "data")


def test_audit_many_records_each_target_with_the_requests_address_in_one_insert(
    db, django_assert_num_queries
):
    official, first, second = UserFactory(), UserFactory(), UserFactory()
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")

    with django_assert_num_queries(1):
        audit_many(
            action="cvms.test.done",
            by=official,
            request=request,
            events=[(first, {"n": 1}), (second, None)],
        )

    assert list(AuditEvent.objects.order_by("id").values_list(*FIELDS)) == [
        (official.pk, official.email, "cvms.test.done", "cvms.user", str(first.pk), "203.0.113.7", {"n": 1}),
        (official.pk, official.email, "cvms.test.done", "cvms.user", str(second.pk), "203.0.113.7", {}),
    ]


def test_audit_many_writes_the_rows_that_audit_writes(db):
    target = UserFactory()
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.20")
    cases = [
        {"by": UserFactory(), "target": target, "data": {"why": "a test"}},
        {"by": None, "target": None, "data": None, "actor_email": "tried@example.org"},
        {"by": AnonymousUser(), "target": target, "data": {}, "actor_email": "someone@example.org"},
    ]

    for case in cases:
        one = audit(action="cvms.test.one", request=request, **case)
        (many,) = audit_many(
            action="cvms.test.one",
            request=request,
            events=[(case["target"], case["data"])],
            **{name: value for name, value in case.items() if name in ("by", "actor_email")},
        )

        assert AuditEvent.objects.values_list(*FIELDS).get(pk=many.pk) == AuditEvent.objects.values_list(
            *FIELDS
        ).get(pk=one.pk)


def test_audit_many_without_a_request_records_no_address(db):
    audit_many(action="cvms.test.done", by=None, events=[(None, {"batch": 1})])

    assert AuditEvent.objects.get(action="cvms.test.done").ip_address is None
