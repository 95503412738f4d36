"""Demo data of the core: one user per role. Run through `manage.py seed_demo`."""

import secrets

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt

from cvms.models import User
from cvms.roles import MFA_REQUIRED_ROLES, Role
from cvms.services import role_grant, role_groups_ensure, user_create

DEMO_USERS = {
    Role.STATE_OFFICIAL: ("state@example.org", "Sam", "State"),
    Role.PROVIDER_ADMIN: ("provider@example.org", "Pat", "Provider"),
    Role.VACCINATOR: ("vaccinator@example.org", "Val", "Vaccinator"),
    Role.EMPLOYER_ADMIN: ("employer@example.org", "Erin", "Employer"),
    Role.RECIPIENT: ("recipient@example.org", "Rosa", "Recipient"),
    Role.HELPDESK_AGENT: ("agent@example.org", "Alex", "Agent"),
}


def demo_user(role: Role) -> User:
    return User.objects.get(email=DEMO_USERS[role][0])


def _totp_secret(user: User) -> str:
    """The user's TOTP secret, set up now if they have none (kept if they do, so an
    authenticator app that already holds it keeps working)."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing:
        return decrypt(existing.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def seed(*, stdout) -> None:
    role_groups_ensure()
    stdout.write("Demo users (the passwords are new at every run):")
    for role, (email, first, last) in DEMO_USERS.items():
        password = secrets.token_urlsafe(9)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(
                email=email, password=password, first_name=first, last_name=last, verified=True
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        role_grant(user=user, role=role)
        line = f"  {role.label:<24} {email:<26} password: {password}"
        if role in MFA_REQUIRED_ROLES:
            line += f"  TOTP secret: {_totp_secret(user)}"
        stdout.write(line)
