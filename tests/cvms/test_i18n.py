import re
from pathlib import Path

import pytest
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


ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = [
    ROOT / "locale/es/LC_MESSAGES/django.po",
    *sorted(ROOT.glob("*/locale/es/LC_MESSAGES/django.po")),
]


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_plural_has_as_many_spanish_forms_as_its_catalogue_declares(catalogue):
    # Django's Spanish header declares three forms (one, a million, many): an entry with two
    # is shown in English from two on.
    text = catalogue.read_text()
    declared = int(re.search(r"nplurals=(\d+)", text).group(1))
    entries = [entry for entry in text.split("\n\n") if "\nmsgid_plural " in entry]

    short = [entry.splitlines()[0] for entry in entries if entry.count("\nmsgstr[") != declared]

    assert short == []


def test_a_spanish_plural_reads_in_spanish_for_many(db):
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override("es"):
        assert (
            ngettext("%(total)s person on your roster.", "%(total)s people on your roster.", 5) % {"total": 5}
            == "5 personas en su lista."
        )
