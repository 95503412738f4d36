"""Demo data of the helpdesk: teams and routing rules, articles, a requester with cases, a
training session. Run through `manage.py seed_demo` after the core and enrollment demos."""

import secrets
from datetime import timedelta

from django.utils import timezone

from cvms.demo import demo_user
from cvms.models import User
from cvms.roles import Role
from cvms.services import role_grant, user_create
from helpdesk import selectors
from helpdesk.enums import Category, Priority
from helpdesk.models import Article, Case, RequesterProfile, RoutingRule, Team, TrainingSession
from helpdesk.services import case_file, case_note_add, team_default_ensure

REQUESTER_EMAIL = "clinic@example.org"

TEAMS = {
    "Enrollment desk": [Category.ENROLLMENT],
    "Inventory desk": [Category.INVENTORY, Category.ADMINISTRATION],
    "Portals and accounts": [Category.RECIPIENT_PORTAL, Category.EMPLOYER_PORTAL, Category.ACCOUNT_ACCESS],
}

ARTICLES = [
    (
        "Freezer temperature alarms",
        Category.INVENTORY,
        "If a freezer alarm rings:\n\n1. Keep the door closed.\n2. Read the data logger.\n"
        "3. If doses were out of range, **don't use them**: report them as wasted and file a case.\n",
    ),
    (
        "Where is my provider PIN?",
        Category.ENROLLMENT,
        "Your PIN (for example `NCA650001`) is issued when the state approves your enrollment. "
        "It is shown on your provider dashboard and is your helpdesk registration code.",
    ),
    (
        "Resetting two-factor authentication",
        Category.ACCOUNT_ACCESS,
        "Use one of your recovery codes to sign in, then set up your authenticator again under "
        "*Two-factor authentication*. Without recovery codes, file a case in **Account access**.",
    ),
    (
        "Uploading an employee roster",
        Category.EMPLOYER_PORTAL,
        "Upload a CSV or XLSX file. Each wrong row is reported with its line and column; "
        "see the [employer guide](/help/guides/employer/).",
    ),
]

# The same articles in Spanish, written for Spanish readers (the knowledge base shows a reader
# the version in their language).
ARTICLES_ES = {
    "Freezer temperature alarms": (
        "Alarmas de temperatura del congelador",
        "Si suena la alarma de un congelador:\n\n1. Mantenga la puerta cerrada.\n"
        "2. Lea el registrador de datos.\n"
        "3. Si las dosis estuvieron fuera del rango, **no las use**: notifíquelas como desperdiciadas "
        "y abra un caso.\n",
    ),
    "Where is my provider PIN?": (
        "¿Dónde está mi PIN de proveedor?",
        "Su PIN (por ejemplo `NCA650001`) se emite cuando el estado aprueba su inscripción. "
        "Aparece en el panel de su portal de proveedor y es su código de registro en la mesa de "
        "ayuda.",
    ),
    "Resetting two-factor authentication": (
        "Restablecer la autenticación de dos factores",
        "Use uno de sus códigos de recuperación para iniciar sesión y vuelva a configurar su "
        "aplicación de autenticación en *Autenticación de dos factores*. Si no tiene códigos de "
        "recuperación, abra un caso en **Acceso a la cuenta**.",
    ),
    "Uploading an employee roster": (
        "Subir una lista de empleados",
        "Suba un archivo CSV o XLSX. Cada fila con errores se indica con su línea y su columna; "
        "consulte la [guía para empleadores](/help/guides/employer/).",
    ),
}


def seed(*, stdout) -> None:
    agent = demo_user(Role.HELPDESK_AGENT)
    default = team_default_ensure()
    default.members.add(agent)
    for name, categories in TEAMS.items():
        team, _ = Team.objects.get_or_create(name=name)
        for category in categories:
            RoutingRule.objects.get_or_create(category=category, county=None, organization_kind="", team=team)
    Team.objects.get(name="Inventory desk").members.add(agent)

    for title, category, body in ARTICLES:
        original, _ = Article.objects.get_or_create(
            title=title, defaults={"category": category, "body": body, "author": agent}
        )
        spanish_title, spanish_body = ARTICLES_ES[title]
        Article.objects.get_or_create(
            translation_of=original,
            language="es",
            defaults={"title": spanish_title, "body": spanish_body, "category": category, "author": agent},
        )

    provider = selectors.organization_by_pin("NCA650001")
    password = secrets.token_urlsafe(9)
    requester = User.objects.filter(email=REQUESTER_EMAIL).first()
    if requester is None:
        requester = user_create(
            email=REQUESTER_EMAIL, password=password, first_name="Casey", last_name="Clinic", verified=True
        )
        RequesterProfile.objects.create(
            user=requester, registration_code="NCA650001", organization=provider, must_change_password=False
        )
    else:
        requester.set_password(password)
        requester.save(update_fields=["password"])
    role_grant(user=requester, role=Role.HELPDESK_REQUESTER)

    if not Case.objects.filter(requester=requester).exists():
        case_file(
            requester=requester,
            category=Category.INVENTORY,
            priority=Priority.HIGH,
            subject="Shipment arrived warm",
            description="This morning's shipment arrived with its indicator showing a temperature excursion.",
            location=provider.locations.first() if provider else None,
        )
        asked = case_file(
            requester=requester,
            category=Category.ACCOUNT_ACCESS,
            priority=Priority.NORMAL,
            subject="A colleague can't sign in",
            description="Our vaccinator lost her phone and can't pass two-factor authentication.",
        )
        case_note_add(case=asked, body="Checking her account.", is_internal=True, by=agent)

    TrainingSession.objects.get_or_create(
        topic="Recording doses and offline forms",
        defaults={
            "starts_at": timezone.now() + timedelta(days=7),
            "join_info": "https://meet.example.org/cvms-training",
            "published_by": agent,
        },
    )
    stdout.write(
        f"Helpdesk: {Team.objects.count()} teams ({agent.email} in General support and Inventory desk); "
        "generic registration code VAC2021"
    )
    stdout.write(f"  {'Helpdesk requester':<24} {REQUESTER_EMAIL:<26} password: {password}")
