from django.urls import reverse

from cvms.roles import Role


def menu_links(client, url) -> list[str]:
    return [url_name for _label, url_name in client.get(url).context["portal_menu"]]


def test_menu_leaves_out_pages_a_vaccinator_cant_open(client, personas):
    client.force_login(personas.home[Role.VACCINATOR])

    links = menu_links(client, reverse("provider:dashboard"))

    assert "provider:inventory.stock" in links
    assert "provider:enrollment.people" not in links  # administrators only


def test_menu_shows_the_administrator_every_page(client, personas):
    client.force_login(personas.home[Role.PROVIDER_ADMIN])

    links = menu_links(client, reverse("provider:dashboard"))

    assert {"provider:inventory.stock", "provider:enrollment.people"} <= set(links)


PORTAL_OF = {
    Role.PROVIDER_ADMIN: "provider",
    Role.VACCINATOR: "provider",
    Role.EMPLOYER_ADMIN: "employer",
    Role.STATE_OFFICIAL: "state",
    Role.RECIPIENT: "me",
}


def test_every_menu_link_opens_for_the_people_who_see_it(client, personas):
    for role, portal in PORTAL_OF.items():
        client.force_login(personas.home[role])
        for url_name in menu_links(client, reverse(f"{portal}:dashboard")):
            assert client.get(reverse(url_name)).status_code == 200, (role, url_name)
