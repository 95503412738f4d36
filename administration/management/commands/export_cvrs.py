"""`manage.py export_cvrs --day 2021-02-08 -o outbox/` (the daily file, named for you) or
`manage.py export_cvrs --start 2021-02-01 --end 2021-02-07 -o extract.txt` (a period)."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from administration.reporting import cvrs
from administration.services import files


class Command(BaseCommand):
    help = (
        "Write the CDC CVRS file (streamed). With --day, the daily file: the records created or "
        "changed that day, whenever given, named yyyymmdd_NN_AAA.txt with the day's next number in "
        "the output directory. With --start and --end, the doses and refusals given in that period, "
        "to the output file. A file appears only once it is complete; what it couldn't carry as "
        "recorded is listed at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", type=date.fromisoformat, help="the day of a daily file, YYYY-MM-DD")
        parser.add_argument("--start", type=date.fromisoformat, help="first day given, YYYY-MM-DD")
        parser.add_argument("--end", type=date.fromisoformat, help="last day given, YYYY-MM-DD")
        parser.add_argument(
            "-o", "--output", help="the file to write (a period), or the directory (a daily file; default .)"
        )
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

    def handle(self, *args, day, start, end, output, identified, **options):
        extract = cvrs.ExtractType.IDENTIFIED if identified else cvrs.ExtractType.DEIDENTIFIED
        if day is not None:
            if start or end:
                raise CommandError("Give --day, or --start and --end, not both.")
            directory = Path(output or ".")
            if not directory.is_dir():
                raise CommandError(f"{directory} is not a directory: a daily file is named for you.")
            result = files.cvrs_daily_write(day=day, directory=directory, extract_type=extract)
            for path, records in result.files:
                self.stdout.write(f"{records} records written to {path}")
            report = result.report
        else:
            if start is None or end is None or not output:
                raise CommandError("Give --day, or --start, --end and -o FILE.")
            if end < start:
                raise CommandError("--end is before --start.")
            with files.output_file(output) as out:
                written = files.cvrs_write(out, start=start, end=end, extract_type=extract)
            self.stdout.write(f"{written.records} records written to {output}")
            report = written.report
        if report:
            self.stdout.write(report.text())
