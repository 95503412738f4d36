"""`manage.py export_hl7 -o batch.hl7 [--since-last]`"""

import time

from django.core.management.base import BaseCommand

from administration.services import files


class Command(BaseCommand):
    help = (
        "Write an HL7 v2.5.1 batch of VXU^V04 messages, one per dose: every standing record, or with "
        "--since-last the records new or corrected (or voided) since the last run. The file appears "
        "at the output path only once it is complete, and only then are the records written marked "
        "sent."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument("--since-last", action="store_true", help="only what changed since the last run")

    def handle(self, *args, output, since_last, **options):
        started = time.perf_counter()
        with files.output_file(output) as out:
            result = files.hl7_write(out, since_last=since_last)
        written = time.perf_counter()
        files.hl7_mark_sent(result)
        marked = time.perf_counter()
        self.stdout.write(
            f"{result.messages} messages written to {output} "
            f"(file {written - started:.1f} s, marked sent {marked - written:.1f} s)"
        )
