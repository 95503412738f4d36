"""The row-lock helpers: inside a transaction only, a bounded wait, one order."""

import threading

import pytest
from django.db import connection, transaction

from cvms import locking
from cvms.models import User
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused():
    user = UserFactory()

    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        locking.lock_one(User.objects.all(), pk=user.pk)


@pytest.mark.django_db
def test_lock_all_returns_the_rows_in_primary_key_order():
    users = UserFactory.create_batch(3)

    with transaction.atomic():
        locked = locking.lock_all(User.objects.filter(pk__in=[u.pk for u in users]).order_by("-pk"))

    assert [u.pk for u in locked] == sorted(u.pk for u in users)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_held_longer_than_the_timeout_answers_please_try_again(settings):
    settings.LOCK_TIMEOUT_MS = 200
    user = UserFactory()
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                locking.lock_one(User.objects.all(), pk=user.pk)
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(timeout=10)
    try:
        with pytest.raises(locking.LockTimeout, match="Please try again"), transaction.atomic():
            locking.lock_one(User.objects.all(), pk=user.pk)
    finally:
        release.set()
        holder.join(timeout=10)
