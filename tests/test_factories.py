"""One factory per model: every concrete model of the project's apps has exactly one factory,
`<Model>Factory`, in its app's factories module (tests/factories.py for the core), and every
factory makes a row that passes the model's validation.

A factory may have variants: subclasses that change some defaults (`EmployerFactory` is an
`OrganizationFactory` of kind employer). They make the same model the same way, so they don't
count as a second factory; a second factory written on its own does.
"""

import inspect
from importlib import import_module
from pathlib import Path

import factory
import pytest
from django.apps import apps

APPS = ["cvms", "enrollment", "inventory", "employers", "recipients", "administration", "helpdesk"]
TESTS_DIR = Path(__file__).parent


def _factories_module(app: str) -> str:
    return "tests.factories" if app == "cvms" else f"tests.{app}.factories"


def _models() -> list:
    return [
        model
        for app in APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.proxy and not model._meta.abstract
    ]


def _factories() -> list[type[factory.django.DjangoModelFactory]]:
    """Every model factory defined in the factories modules, variants included."""
    found = []
    for app in APPS:
        module = import_module(_factories_module(app))
        found += [
            member
            for member in vars(module).values()
            if inspect.isclass(member)
            and issubclass(member, factory.django.DjangoModelFactory)
            and member.__module__ == module.__name__
            and member._meta.model is not None
        ]
    return found


def _is_variant(candidate) -> bool:
    """A subclass of another factory of the same model."""
    return any(
        issubclass(base, factory.django.DjangoModelFactory) and base._meta.model is candidate._meta.model
        for base in candidate.__mro__[1:]
        if base is not factory.django.DjangoModelFactory
    )


MODELS = _models()
FACTORIES = _factories()


def test_every_model_has_exactly_one_factory_named_for_it_in_its_apps_module():
    found = {model._meta.label: [] for model in MODELS}
    for candidate in FACTORIES:
        if not _is_variant(candidate):
            found.setdefault(candidate._meta.model._meta.label, []).append(
                f"{candidate.__module__}.{candidate.__name__}"
            )

    expected = {
        model._meta.label: [f"{_factories_module(model._meta.app_label)}.{model.__name__}Factory"]
        for model in MODELS
    }
    assert found == expected


def test_model_factories_are_written_only_in_the_factories_modules():
    elsewhere = [
        str(path.relative_to(TESTS_DIR))
        for path in sorted(TESTS_DIR.rglob("*.py"))
        if path.name != "factories.py"
        and path != Path(__file__)
        and "DjangoModelFactory" in path.read_text(encoding="utf-8")
    ]

    assert elsewhere == []


@pytest.mark.parametrize("model_factory", FACTORIES, ids=lambda f: f.__name__)
def test_factory_saves_a_valid_row(model_factory, db):
    instance = model_factory.create()

    instance.full_clean()
    assert type(instance).objects.filter(pk=instance.pk).exists()
