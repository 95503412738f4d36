"""The role × URL matrix: every URL of every portal, as every persona.

The URLs come from the URL configuration, so a new view is covered the moment it is routed. A
URL keyword argument (`location_pk`, `application_pk`, …) names the object it points at; the
object is made for the "home" side by a builder registered in `tests/<app>/access_objects.py`
as `BUILDERS = {"location_pk": build_location, ...}` (a function of personas and portal,
returning the value). A persona of the "other" side must get 404 for it.

When only some personas may see the object (an application seen by its applicant alone), the
builder returns `Owned(value, owners={(Role.PROVIDER_ADMIN, "home")})`: every other persona that
passes the gate must then get 404.

Who may open each URL is written down in `tests/access_expected.py`, not asked of the view, so
that a view with the wrong `roles` fails the matrix.
"""

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from cvms.access import Gate
from cvms.roles import ORGANIZATION_PORTALS, Portal, Role

TESTS_DIR = Path(__file__).parent

# The two entries of tests/access_expected.py that aren't role sets.
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in person, whatever their roles


@dataclass(frozen=True)
class Owned:
    """A URL value whose object only the `owners` personas ((role, side) pairs) may see."""

    value: object
    owners: frozenset


@dataclass(frozen=True)
class PortalURL:
    name: str  # "provider:dashboard"
    portal: Portal
    pattern: URLPattern

    @property
    def view_class(self):
        return getattr(self.pattern.callback, "view_class", None)

    @property
    def kwarg_names(self) -> list[str]:
        return sorted(getattr(self.pattern.pattern, "converters", {}))

    def __str__(self) -> str:
        return self.name


def _walk(patterns, namespace: str, portal: Portal):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, portal)
        else:
            yield PortalURL(name=f"{namespace}:{entry.name}", portal=portal, pattern=entry)


def portal_urls() -> list[PortalURL]:
    found = []
    portals = {portal.value: portal for portal in Portal}
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in portals:
            found.extend(_walk(entry.url_patterns, entry.namespace, portals[entry.namespace]))
    return found


def builders() -> dict:
    """Every app's object builders, from tests/<app>/access_objects.py."""
    found, owner = {}, {}
    for module_file in sorted(TESTS_DIR.glob("*/access_objects.py")):
        app = module_file.parent.name
        module = import_module(f"tests.{app}.access_objects")
        for name, builder in module.BUILDERS.items():
            # One name, one kind of object: two apps using `invitation_pk` for different models
            # would test one of them against the other's objects.
            if name in found and found[name] is not builder and not getattr(builder, "overrides", False):
                raise ValueError(
                    f"URL argument {name!r} is built by both tests/{owner[name]} and tests/{app}"
                )
            found[name], owner[name] = builder, app
    return found


def rule_problems(url: PortalURL, known_builders: dict) -> list[str]:
    """Why `url` can't be checked: no access rule, no name, or no builder for a kwarg."""
    problems = []
    if url.view_class is None:
        problems.append(f"{url}: not a class-based view, so it has no access rule")
    elif not issubclass(url.view_class, Gate):
        problems.append(f"{url}: the view doesn't go through cvms.access (no access rule)")
    if not url.pattern.name:
        problems.append(f"{url}: unnamed URL")
    missing = [name for name in url.kwarg_names if name not in known_builders]
    if missing:
        problems.append(f"{url}: no builder for {missing} in tests/<app>/access_objects.py")
    return problems


def is_member_of_portal(role: Role, portal: Portal) -> bool:
    """Personas with organization roles are members of their side's organizations."""
    return portal not in ORGANIZATION_PORTALS or role in {
        Role.PROVIDER_ADMIN,
        Role.VACCINATOR,
        Role.EMPLOYER_ADMIN,
    }


def expected_answer(
    who: str | frozenset[Role],
    portal: Portal,
    role: Role | None,
    side: str,
    has_objects: bool,
    owners: frozenset | None = None,
) -> str:
    """One of "login", "ok", "403", "404". `who`: the URL's entry in tests/access_expected.py
    (PUBLIC, SIGNED_IN or the roles that may open it). `owners`: the personas that alone may see
    the URL's objects (None: every persona of the home side that passes the gate)."""
    if who == PUBLIC:
        return "ok"
    if role is None:
        return "login"
    if who != SIGNED_IN and (role not in who or not is_member_of_portal(role, portal)):
        return "403"
    if not has_objects:
        return "ok"
    if owners is not None:
        return "ok" if (role, side) in owners else "404"
    return "404" if side == "other" else "ok"
