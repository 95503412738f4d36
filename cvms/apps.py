from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks


class CvmsConfig(AppConfig):
    default = True
    name = "cvms"
    verbose_name = "CVMS core"

    def ready(self):
        from django.db.backends.signals import connection_created

        from cvms import (
            signals,  # noqa: F401  (connects the login and MFA audit receivers)
            sites,  # noqa: F401  (registers the SITE_URL deployment check)
        )
        from cvms.hooks import check_hook_names
        from cvms.locking import bound_the_waits_of

        # A misspelt hook function would never be called: `manage.py check` (and so runserver,
        # migrate, the deploy) says so instead.
        checks.register(check_hook_names)
        # A web request waits a bounded time for any row lock, not only those the helpers take.
        connection_created.connect(bound_the_waits_of, dispatch_uid="cvms.locking.bound_the_waits_of")


class OperatorAdminConfig(admin_apps.AdminConfig):
    """The admin with CVMS's sign-in rules (cvms/admin_site.py)."""

    default = False
    default_site = "cvms.admin_site.OperatorAdminSite"
