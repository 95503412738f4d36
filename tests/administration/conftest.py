import pytest

from enrollment.models import PriorityGroup


@pytest.fixture
def open_group(db):
    """Group 2 (65 and older), open for booking."""
    group = PriorityGroup.objects.get(code="2")
    group.is_open = True
    group.save()
    return group
