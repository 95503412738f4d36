"""`manage.py export_cvrs --start 2021-02-01 --end 2021-02-07 -o 20210208_01_NCA.txt`"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from administration.reporting import cvrs
from administration.services import files


class Command(BaseCommand):
    help = "Write the CDC CVRS file of the doses and refusals given in a date range (streamed)."

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, type=date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, type=date.fromisoformat, help="last day, YYYY-MM-DD")
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument(
            "--deidentified", action="store_true", help="a de-identified extract (names and streets redacted)"
        )

    def handle(self, *args, start, end, output, deidentified, **options):
        if end < start:
            raise CommandError("--end is before --start.")
        extract = cvrs.ExtractType.DEIDENTIFIED if deidentified else cvrs.ExtractType.IDENTIFIED
        with open(output, "w", encoding="utf-8", newline="") as out:
            count = files.cvrs_write(out, start=start, end=end, extract_type=extract)
        self.stdout.write(f"{count} records written to {output}")
