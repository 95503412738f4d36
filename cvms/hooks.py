"""What the domain apps contribute to the portals, without the core importing them.

Each app may have a module `<app>/portal.py` defining:

- `MENU`: {portal value: [(label, url name), ...]} — the portal's navigation; the key "home"
  lists links the home page offers a signed-in person who has no portal yet;
- `dashboard_panels(request) -> list[Panel]` — boxes on the dashboard of `request.portal` (the
  panel's template reads `panel.title` and `panel.context`); the home page asks too, with
  `request.portal` None;
- and a module `<app>/demo.py` with `seed(*, stdout)` — run by `manage.py seed_demo`.

The core finds them by name through the app registry, in INSTALLED_APPS order, so the import
layers of DESIGN.md hold: the core never imports a domain app.
"""

from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType

from django.apps import apps
from django.conf import settings


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)


def project_apps():
    """The apps of this repository (not Django's or a library's), in INSTALLED_APPS order."""
    base = Path(settings.BASE_DIR).resolve()
    return [config for config in apps.get_app_configs() if Path(config.path).resolve().parent == base]


@cache
def app_modules(name: str) -> tuple[ModuleType, ...]:
    found = []
    for config in project_apps():
        dotted = f"{config.name}.{name}"
        if find_spec(dotted):
            found.append(import_module(dotted))
    return tuple(found)


def portal_menu(portal: str) -> list[tuple[str, str]]:
    items = []
    for module in app_modules("portal"):
        items.extend(getattr(module, "MENU", {}).get(portal, []))
    return items


def dashboard_panels(request) -> list[Panel]:
    panels = []
    for module in app_modules("portal"):
        contribute = getattr(module, "dashboard_panels", None)
        if contribute is not None:
            panels.extend(contribute(request))
    return panels
