from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cvms.hooks import app_modules


class Command(BaseCommand):
    help = "Load demo data (one user per role, and each app's demo records). Idempotent; DEBUG only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it resets the demo users' passwords."
            )
        with transaction.atomic():
            for module in app_modules("demo"):
                module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready: http://127.0.0.1:8000/"))
