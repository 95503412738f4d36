from cvms.hooks import portal_menu
from tests.factories import UserFactory


def test_home_offers_the_apps_start_links_to_a_person_without_a_portal(client, db):
    client.force_login(UserFactory())

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["start_links"] == portal_menu("home")
    for label, _url_name in portal_menu("home"):
        assert str(label) in response.content.decode()


def test_the_home_page_offers_self_registration_when_the_state_opened_it(client, db):
    from cvms.roles import Role
    from recipients import services

    services.self_registration_set(is_open=True, by=UserFactory(roles=[Role.STATE_OFFICIAL]))

    content = client.get("/").content.decode()

    assert 'href="/me/register/self/"' in content
    assert "Register to be vaccinated" in content


def test_the_home_page_says_how_to_register_while_self_registration_is_closed(client, db):
    content = client.get("/").content.decode()

    assert 'href="/me/register/self/"' not in content
    assert "people register from the invitation" in content


def test_the_home_page_shows_the_way_to_the_helpdesk_in_spanish(client, db):
    content = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    for url in ("/help/kb/", "/help/guides/", "/help/register/"):
        assert f'href="{url}"' in content
    assert "Base de conocimientos" in content
    assert "Vacúnese" in content


def test_a_signed_in_person_without_a_portal_sees_the_ways_in_too(client, db):
    client.force_login(UserFactory())

    content = client.get("/").content.decode()

    assert 'href="/help/kb/"' in content
    assert "Get vaccinated" in content
