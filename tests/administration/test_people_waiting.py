"""Who waits for vaccine, and where (the `people_waiting` hook for inventory's allocation
planning): registered people in an open group with no dose recorded, by county and ZIP."""

import pytest

from administration.hooks import people_waiting
from enrollment.models import PriorityGroup
from tests.administration.factories import AdministrationRecordFactory
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


def test_people_waiting_are_the_eligible_without_a_dose_by_county_and_zip():
    PriorityGroup.objects.filter(code="1").update(is_open=True)
    PriorityGroup.objects.filter(code="5").update(is_open=False)
    for zip_code in ("27601", "27601", "27603-1234"):
        RecipientFactory(user=None, zip_code=zip_code, county_id="37183", group="1")
    RecipientFactory(user=None, zip_code="27701", county_id="37063", group="1")
    RecipientFactory(user=None, zip_code="27601", county_id="37183", group="5")  # not eligible yet
    RecipientFactory(user=None, zip_code="27601", county_id=None, group="1")  # no county: nowhere
    vaccinated = RecipientFactory(user=None, zip_code="27601", county_id="37183", group="1")
    AdministrationRecordFactory(recipient=vaccinated)

    assert people_waiting() == [("37063", "27701", 1), ("37183", "27601", 2), ("37183", "27603", 1)]
