"""System checks of this app: `manage.py check --deploy` fails while SMART Health Cards can't be
issued safely (no signing key, a development key, an issuer without https, a retired key that
isn't a fit public key)."""

from django.core import checks

from administration.reporting import keys


@checks.register(checks.Tags.security, deploy=True)
def smart_health_card_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Error(problem, hint="See administration/reporting/keys.py.", id=f"administration.E{n:03d}")
        for n, problem in enumerate(keys.configuration_problems(), start=1)
    ]
