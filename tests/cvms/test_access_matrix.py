import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from cvms.access import StatePortalView
from cvms.roles import Portal, Role
from tests.access_expected import EXPECTED
from tests.access_matrix import Owned, PortalURL, builders, expected_answer, portal_urls, rule_problems

URLS = portal_urls()
PERSONAS = [(None, "anonymous")] + [(role, side) for side in ("home", "other") for role in Role]


def test_every_portal_has_urls_in_the_matrix():
    assert {url.portal.value for url in URLS} == {"state", "provider", "employer", "me", "help"}


def test_every_portal_url_has_its_expected_answers_written_down():
    routed = {url.name for url in URLS}

    assert sorted(routed - EXPECTED.keys()) == [], "write down who may open it in tests/access_expected.py"
    assert sorted(EXPECTED.keys() - routed) == [], "tests/access_expected.py names URLs that aren't routed"


@pytest.mark.parametrize("url", URLS, ids=str)
def test_access_matrix(url, personas, client):
    if url.name not in EXPECTED:
        pytest.fail(f"{url}: write down who may open it in tests/access_expected.py")
    known = builders()
    problems = rule_problems(url, known)
    assert not problems, problems
    view_class = url.view_class
    built = {name: known[name](personas, url.portal) for name in url.kwarg_names}
    kwargs = {name: value.value if isinstance(value, Owned) else value for name, value in built.items()}
    owner_sets = [value.owners for value in built.values() if isinstance(value, Owned)]
    owners = frozenset.intersection(*owner_sets) if owner_sets else None
    path = reverse(url.name, kwargs=kwargs)
    post_only = "get" not in view_class.http_method_names

    answers = {}
    for role, side in PERSONAS:
        client.logout()
        if role is not None:
            client.force_login(getattr(personas, side)[role])
        response = client.post(path) if post_only else client.get(path)
        expected = expected_answer(
            EXPECTED[url.name], url.portal, role, side, has_objects=bool(url.kwarg_names), owners=owners
        )
        answers[(role, side)] = (expected, _answer(response, view_class, post_only))

    wrong = {key: value for key, value in answers.items() if value[0] != value[1]}
    assert not wrong, f"{url} ({path}): expected vs got {wrong}"


def _answer(response, view_class, post_only: bool) -> str:
    login = resolve_url(settings.LOGIN_URL)
    if response.status_code == 302 and response["Location"].startswith(login):
        return "login"
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code == 200:
        return "ok"
    if response.status_code == 302 and (post_only or view_class.redirects_on_get):
        return "ok"
    return f"unexpected {response.status_code}"


def test_matrix_flags_a_view_without_an_access_rule():
    from django.urls import path
    from django.views.generic import TemplateView

    unguarded = PortalURL("state:x", Portal.STATE, path("x/", TemplateView.as_view(), name="x"))
    function_view = PortalURL("state:y", Portal.STATE, path("y/", lambda request: None, name="y"))

    assert rule_problems(unguarded, {}) == [
        "state:x: the view doesn't go through cvms.access (no access rule)"
    ]
    assert rule_problems(function_view, {}) == ["state:y: not a class-based view, so it has no access rule"]


def test_matrix_flags_a_url_argument_without_a_builder():
    from django.urls import path
    from django.views.generic import TemplateView

    class Guarded(StatePortalView, TemplateView):
        pass

    url = PortalURL("state:z", Portal.STATE, path("z/<int:widget_pk>/", Guarded.as_view(), name="z"))

    assert rule_problems(url, {}) == [
        "state:z: no builder for ['widget_pk'] in tests/<app>/access_objects.py"
    ]
    assert rule_problems(url, {"widget_pk": lambda personas, portal: 1}) == []
