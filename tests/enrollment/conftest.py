from importlib import import_module

import pytest
from django.apps import apps


@pytest.fixture
def reference_data(transactional_db):
    """Counties, ZIP codes, priority groups and the readiness checklist, as the migrations load
    them. A transactional test's flush empties these tables for the tests after it; loading them
    again (idempotently) avoids serialized_rollback, which clashes with the content types that a
    flush recreates."""
    import_module("enrollment.migrations.0002_reference_data").load(apps, None)
    import_module("enrollment.migrations.0004_readiness_items_and_pin_sequence").seed_items(apps, None)
