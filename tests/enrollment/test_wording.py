"""Field names that read right in the list of what an application still lacks (issue 17:
"Ein or tax id")."""

import pytest

from enrollment.selectors import application_problems
from tests.enrollment.factories import EnrollmentApplicationFactory

pytestmark = pytest.mark.django_db


def test_a_missing_answer_is_named_with_its_capitals():
    application = EnrollmentApplicationFactory(tax_id="")

    assert ("EIN or tax id", "This field is required.") in application_problems(application)
