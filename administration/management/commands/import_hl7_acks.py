"""`manage.py import_hl7_acks acks.hl7`"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from administration.services import registry


class Command(BaseCommand):
    help = (
        "Import the immunization registry's acknowledgement file (HL7 ACK, one per VXU message): "
        "mark each message accepted or refused; a refused record waits for a correction, shown to "
        "the state on the page of refused messages."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the ACK file the registry returned")

    def handle(self, *args, file, **options):
        try:
            text = Path(file).read_text(encoding="utf-8")
            result = registry.hl7_acks_import(text=text, by=None)
        except (OSError, UnicodeDecodeError, registry.RegistryError) as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(
            f"{result.accepted} accepted, {result.refused} refused, {result.repeated} already imported, "
            f"{len(result.unknown)} unknown"
        )
        for control_id in result.unknown[:20]:
            self.stdout.write(f"- no message sent with control id {control_id}")
