"""`manage.py export_cvrs --start 2021-02-01 --end 2021-02-07 -o 20210208_01_NCA.txt`"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from administration.reporting import cvrs
from administration.services import files


class Command(BaseCommand):
    help = (
        "Write the CDC CVRS file of the doses and refusals given in a date range (streamed). The "
        "file appears at the output path only once it is complete; what it couldn't carry as "
        "recorded is listed at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, type=date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, type=date.fromisoformat, help="last day, YYYY-MM-DD")
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        extract = parser.add_mutually_exclusive_group()
        extract.add_argument(
            "--identified",
            action="store_true",
            help="an identified extract (names and street addresses), under an agreement that allows it",
        )
        extract.add_argument(
            "--deidentified",
            action="store_true",
            help="a de-identified extract, names and streets redacted (the default)",
        )

    def handle(self, *args, start, end, output, identified, **options):
        if end < start:
            raise CommandError("--end is before --start.")
        extract = cvrs.ExtractType.IDENTIFIED if identified else cvrs.ExtractType.DEIDENTIFIED
        with files.output_file(output) as out:
            result = files.cvrs_write(out, start=start, end=end, extract_type=extract)
        self.stdout.write(f"{result.records} records written to {output}")
        if result.report:
            self.stdout.write(result.report.text())
