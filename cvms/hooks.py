"""How the domain apps plug into the core and into each other, without the core importing them.

The core finds three modules by name through the app registry, in INSTALLED_APPS order, so the
import layers of DESIGN.md hold: the core never imports a domain app, and a lower app never
imports a higher one.

`<app>/portal.py` — what an app adds to the portals:

- `MENU`: {portal value: [(label, url name), ...]} — the portal's navigation; the key "home"
  lists links the home page offers a signed-in person who has no portal yet;
- `dashboard_panels(request) -> list[Panel]` — boxes on the dashboard of `request.portal` (the
  panel's template reads `panel.title` and `panel.context`); the home page asks too, with
  `request.portal` None.

`<app>/demo.py` — `seed(*, stdout)`, run by `manage.py seed_demo`.

`<app>/hooks.py` — functions named after the hook points declared in `HOOK_POINTS` below: what an
app contributes to the core's requests or to another app's rules. `contributions(name)` returns
them; the one who asks decides how to combine them (a sum, the first answer, each in turn). Every
public function of an `<app>/hooks.py` must be a declared hook point (check `cvms.E001`), so a
misspelt name fails loudly instead of being silently never called.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType

from django.apps import apps
from django.conf import settings
from django.core import checks


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class HookPoint:
    """A place where apps may contribute a function: what it is for, and how it is called."""

    purpose: str
    signature: str


HOOK_POINTS: dict[str, HookPoint] = {
    "booked_appointments": HookPoint(
        purpose=(
            "How many appointments are booked at a location for a product from a date onwards "
            "(inventory's allocation planning shows the sum of the contributions)."
        ),
        signature="(*, location: Location, product: Product, since: date) -> int",
    ),
    "people_waiting": HookPoint(
        purpose=(
            "Who waits for vaccine, and where: the people registered whose priority group is "
            "open and who have no dose recorded, counted by county and five-digit ZIP code "
            "(inventory's allocation planning adds up the contributions and weighs each location "
            "by the people waiting near it)."
        ),
        signature="() -> list[tuple[str, str, int]]  # (county FIPS, ZIP, people)",
    ),
    "request_check": HookPoint(
        purpose=(
            "A check of every request, before its view (cvms.middleware.HookedChecksMiddleware): "
            "return a response to answer instead of the view (the first one wins), or None. It "
            "runs for every request of everyone: read the session, not the database."
        ),
        signature="(request: HttpRequest) -> HttpResponse | None",
    ),
    "recipients_merged": HookPoint(
        purpose=(
            "Two recipients are being merged (recipients' recipient_merge, in its transaction, "
            "with both rows locked): move the rows your app keeps for `duplicate` to `survivor` "
            "through your own services, before the generic re-pointing of the relations nobody "
            "claimed. Return {model label: [ids of the rows moved]} (kept so that the merge can "
            "be undone); raise recipients.interface.MergeRefused to refuse the merge (the "
            "transaction rolls back)."
        ),
        signature="(*, survivor: Recipient, duplicate: Recipient, by: User, request) -> dict[str, list[int]]",
    ),
    "recipients_merge_undone": HookPoint(
        purpose=(
            "The state undoes a merge (recipients' recipient_merge_undo, in its transaction): "
            "`restored` is the duplicate made again as it was; move the rows your app moved "
            "(`moved`: {model label: [ids]}, every app's answers to recipients_merged) back to it "
            "through your own services, leaving the labels that aren't yours. Return {model "
            "label: rows moved back}."
        ),
        signature=(
            "(*, survivor: Recipient, restored: Recipient, moved: dict[str, list[int]], by: User, request) "
            "-> dict[str, int]"
        ),
    ),
    "background_sweep": HookPoint(
        purpose=(
            "Every minute, after the outbox's own sweep (cvms.outbox.sweep, run by beat): hand "
            "back to workers what a dead worker or a lost task left undone (jobs claimed longer "
            "ago than a live worker's claim could be, pending work that no task will pick up), "
            "publishing through cvms.outbox.enqueue. Return counts for the log; an exception is "
            "logged and the other apps' sweeps still run."
        ),
        signature="(*, now: datetime) -> dict[str, int]",
    ),
    "wastage_report_request": HookPoint(
        purpose=(
            "A provider asks for the printable wasted/expired doses report of a location for a "
            "period (inventory's wastage page): make it in the background, on the PDF workers, "
            "and return the URL of the page that follows it and then offers the download (the "
            "first answer is used; administration's export jobs answer)."
        ),
        signature=(
            "(*, location: Location, since: date, until: date, by: User, language: str, request) -> str"
        ),
    ),
    "provider_locations": HookPoint(
        purpose=(
            "The locations a person may work at for a provider organization: the provider "
            "portal's gate (cvms.access) sets request.locations from the first answer, the one "
            "scope of every provider page with a location's clinics, people or stock."
        ),
        signature="(*, user: User, organization: Organization) -> QuerySet[Location]",
    ),
}


def project_apps():
    """The apps of this repository (not Django's or a library's), in INSTALLED_APPS order."""
    base = Path(settings.BASE_DIR).resolve()
    return [config for config in apps.get_app_configs() if Path(config.path).resolve().parent == base]


@cache
def app_modules(name: str) -> tuple[ModuleType, ...]:
    found = []
    for config in project_apps():
        dotted = f"{config.name}.{name}"
        if dotted != __name__ and find_spec(dotted):  # the core's own cvms.hooks is this registry
            found.append(import_module(dotted))
    return tuple(found)


@cache
def contributions(name: str) -> tuple[Callable, ...]:
    """The apps' functions for the hook point `name`, in INSTALLED_APPS order."""
    if name not in HOOK_POINTS:
        raise LookupError(f"{name!r} is not a hook point declared in cvms.hooks.HOOK_POINTS.")
    return tuple(getattr(module, name) for module in app_modules("hooks") if hasattr(module, name))


def undeclared_functions(module: ModuleType) -> list[str]:
    """The public functions defined in a hooks module that are not declared hook points."""
    return [
        name
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and not name.startswith("_") and name not in HOOK_POINTS
    ]


def check_hook_names(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A system check (registered in cvms.apps): every public function of an `<app>/hooks.py` is
    a declared hook point."""
    return [
        checks.Error(
            f"{module.__name__}.{name} is not a hook point, so nothing would call it.",
            hint=f"Declared hook points (cvms/hooks.py): {', '.join(sorted(HOOK_POINTS))}.",
            obj=module.__name__,
            id="cvms.E001",
        )
        for module in app_modules("hooks")
        for name in undeclared_functions(module)
    ]


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
