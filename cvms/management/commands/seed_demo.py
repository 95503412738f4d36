from io import StringIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import transaction

from cvms.hooks import app_modules


class Command(BaseCommand):
    help = "Load demo data (one user per role, and each app's demo records). Idempotent; DEBUG only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it resets the demo users' passwords."
            )
        # What the apps say (the demo users and their passwords above all) is printed after the
        # commit, so that the e-mails the demo sends (printed on the console under `make run`)
        # don't push it off the screen.
        said = StringIO()
        with transaction.atomic():
            for module in app_modules("demo"):
                module.seed(stdout=OutputWrapper(said))
        self.stdout.write(said.getvalue(), ending="")
        self.stdout.write(self.style.SUCCESS("Demo data is ready: http://127.0.0.1:8000/"))
