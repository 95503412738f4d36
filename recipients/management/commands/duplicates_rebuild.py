"""Recompute every person's duplicate keys and the possible duplicates, after a bulk load that
bypassed the services (the services keep them current otherwise)."""

from django.core.management.base import BaseCommand

from recipients.services.duplicates import duplicates_rebuild


class Command(BaseCommand):
    help = "Recompute the possible duplicates of every recipient."

    def handle(self, *args, **options):
        pairs = duplicates_rebuild()
        self.stdout.write(f"{pairs} possible duplicate pairs.")
