"""Error pages in the site's layout, each with a way back (issue 17: "bare 403 Forbidden pages with
no way back", "no favicon"), and the footer said once (it was repeated three times in Spanish)."""

from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory
from django.urls import reverse

from cvms.roles import Role
from cvms.views import server_error
from tests.factories import UserFactory

LAYOUT = '<nav class="navbar'


def _assert_in_layout_with_a_way_back(content: str) -> None:
    assert LAYOUT in content
    assert '<main id="main"' in content
    assert f'href="{reverse("home")}"' in content


def test_a_missing_page_answers_404_in_the_layout_with_a_way_home(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    content = response.content.decode()
    _assert_in_layout_with_a_way_back(content)
    assert "Page not found" in content


def test_a_missing_object_in_a_portal_offers_the_way_back_to_that_portal(client, personas):
    client.force_login(personas.home[Role.PROVIDER_ADMIN])

    response = client.get(reverse("provider:administration.clinic", kwargs={"clinic_pk": 999999}))

    assert response.status_code == 404
    assert f'href="{reverse("provider:dashboard")}"' in response.content.decode()


def test_a_refused_portal_page_is_in_spanish_for_a_spanish_reader(client, personas):
    client.force_login(personas.home[Role.RECIPIENT])

    response = client.get(reverse("state:dashboard"), HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 403
    content = response.content.decode()
    _assert_in_layout_with_a_way_back(content)
    assert "Esta página no está abierta a su cuenta" in content
    assert "Ir a su página de inicio" in content


def test_a_form_sent_without_its_csrf_token_answers_a_page_in_the_layout(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("account_login"), {"login": "someone@example.org", "password": "x"})

    assert response.status_code == 403
    content = response.content.decode()
    _assert_in_layout_with_a_way_back(content)
    assert "The form had expired" in content
    assert "CSRF verification failed" not in content


def test_too_many_password_resets_answer_a_page_in_the_layout(client, db):
    user = UserFactory()
    for _attempt in range(5):  # allauth's limit: five a minute for one address
        client.post(reverse("account_reset_password"), {"email": user.email})

    response = client.post(reverse("account_reset_password"), {"email": user.email})

    assert response.status_code == 429
    content = response.content.decode()
    _assert_in_layout_with_a_way_back(content)
    assert "Too many attempts" in content


def test_the_500_page_is_in_the_layout_without_needing_the_request(settings):
    request = RequestFactory().get("/")  # no session, no user: whatever failed may be behind them

    response = server_error(request)

    assert response.status_code == 500
    content = response.content.decode()
    _assert_in_layout_with_a_way_back(content)
    assert f">\n          {settings.SITE_NAME}" in content or f">{settings.SITE_NAME}" in content
    assert "Something went wrong" in content
    assert "csrfmiddlewaretoken" not in content  # no form that could only fail again


def test_pages_name_a_favicon_served_by_the_site(client, db):
    content = client.get(reverse("home")).content.decode()

    assert '<link rel="icon" href="/static/cvms/favicon.svg" type="image/svg+xml">' in content
    assert finders.find("cvms/favicon.svg") and finders.find("cvms/favicon.ico")
    assert client.get("/static/cvms/favicon.svg").status_code == 200


def test_browsers_asking_for_favicon_ico_find_it(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/cvms/favicon.ico"
    assert client.get(response["Location"]).status_code == 200


def test_the_footer_is_said_once_in_spanish(client, db):
    content = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert content.count("gestión de vacunas del departamento de salud del estado") == 1
