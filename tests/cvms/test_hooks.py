"""How apps plug in (cvms/hooks.py): declared hook points, found in INSTALLED_APPS order, and a
misspelt hook function refused rather than silently never called."""

import types

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

import administration.hooks
import enrollment.hooks
import helpdesk.hooks
from cvms.hooks import HOOK_POINTS, check_hook_names, contributions, undeclared_functions
from cvms.middleware import HookedChecksMiddleware


def _hooks_module(source: str) -> types.ModuleType:
    module = types.ModuleType("someapp.hooks")
    exec(source, module.__dict__)  # noqa: S102 — the test's own source, to define its functions
    return module


def test_each_apps_hooks_module_defines_only_declared_hook_points():
    assert check_hook_names() == []
    call_command("check", "--fail-level", "ERROR")  # the same check, as manage.py runs it


def test_a_misspelt_hook_function_is_reported_and_helpers_are_not():
    module = _hooks_module(
        "from math import floor\n"  # imported, not defined here
        "def booked_appointment(*, location, product, since): return 0\n"  # misspelt
        "def request_check(request): return None\n"
        "def _helper(): return None\n"
    )

    assert undeclared_functions(module) == ["booked_appointment"]


def test_every_hook_point_says_what_it_is_for_and_how_it_is_called():
    for name, point in HOOK_POINTS.items():
        assert point.purpose and point.signature.startswith("("), name


def test_contributions_are_the_apps_functions_in_installed_apps_order():
    assert contributions("booked_appointments") == (administration.hooks.booked_appointments,)
    assert contributions("people_waiting") == (administration.hooks.people_waiting,)
    assert contributions("request_check") == (helpdesk.hooks.request_check,)
    assert contributions("recipients_merged") == (administration.hooks.recipients_merged,)
    assert contributions("provider_locations") == (enrollment.hooks.provider_locations,)


def test_asking_for_an_undeclared_hook_point_is_refused():
    with pytest.raises(LookupError, match="not a hook point"):
        contributions("booked_appointment")


def test_the_request_checks_answer_instead_of_the_view_when_one_of_them_answers(db):
    request = RequestFactory().get("/help/cases/")
    request.session = {helpdesk.hooks.SESSION_KEY: True}
    middleware = HookedChecksMiddleware(lambda request: pytest.fail("the view must not run"))

    response = middleware(request)

    assert (response.status_code, response["Location"]) == (302, reverse("help:password.set"))


def test_the_request_checks_let_everyone_else_through_without_a_query(db, django_assert_num_queries):
    request = RequestFactory().get("/help/cases/")
    request.session = {}
    middleware = HookedChecksMiddleware(lambda request: "the view's answer")

    with django_assert_num_queries(0):
        assert middleware(request) == "the view's answer"
