from django.urls import reverse


def test_login_page_is_translated_to_spanish(client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="es")

    content = response.content.decode()
    assert '<html lang="es">' in content
    assert "Iniciar sesión" in content  # our navigation and allauth's form
    assert "Saltar al contenido principal" in content  # the skip link


def test_language_switcher_changes_the_language(client, db):
    response = client.post(reverse("set_language"), {"language": "es", "next": reverse("home")})

    assert response["Location"] == reverse("home")
    assert "Bienvenido a CVMS" in client.get(reverse("home")).content.decode()


def test_base_layout_has_a_skip_link_and_labelled_language_select(client, db):
    content = client.get(reverse("home")).content.decode()

    assert '<a class="skip-link visually-hidden-focusable" href="#main">Skip to main content</a>' in content
    assert '<label class="visually-hidden" for="language-select">Language</label>' in content
    assert '<main id="main"' in content
