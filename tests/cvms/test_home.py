from cvms.hooks import portal_menu
from tests.factories import UserFactory


def test_home_offers_the_apps_start_links_to_a_person_without_a_portal(client, db):
    client.force_login(UserFactory())

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["start_links"] == portal_menu("home")
    for label, _url_name in portal_menu("home"):
        assert str(label) in response.content.decode()
