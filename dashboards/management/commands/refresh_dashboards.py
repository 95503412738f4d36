from django.core.management.base import BaseCommand

from dashboards.services import summaries_refresh


class Command(BaseCommand):
    help = "Bring the dashboards' summary tables up to date (--full: rebuild every day)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="rebuild every day, not only those that changed"
        )

    def handle(self, *args, full: bool = False, **options):
        result = summaries_refresh(full=full)
        days = "every day" if result["days"] < 0 else f"{result['days']} days"
        self.stdout.write(f"Dashboards: {days} rebuilt, {result['rows']} summary rows written.")
