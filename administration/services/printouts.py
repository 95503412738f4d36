"""The printable reports made as export jobs on the PDF workers, beside the offline forms
(files.py): a report that can take seconds to typeset is never rendered in a person's request."""

from datetime import date

from django.utils import timezone, translation

from administration.models import ExportJob
from inventory.interface import wastage_report_pdf, wasted_movements


def wastage_report_maker(job: ExportJob, progress):
    """The wasted/expired doses of the job's location from `since` to `until`, in the language
    of the person who asked (`language`)."""
    location = job.location
    since, until = date.fromisoformat(job.params["since"]), date.fromisoformat(job.params["until"])
    movements = list(wasted_movements(location=location, since=since, until=until))
    ExportJob.objects.filter(pk=job.pk).update(total=len(movements))
    context = {
        "location": location,
        "organization": location.organization,
        "since": since,
        "until": until,
        "movements": movements,
        "total": sum(m.doses for m in movements),
        "generated_at": timezone.localtime(),
    }

    def fill(target):
        with translation.override(job.params.get("language") or "en"):
            target.write(wastage_report_pdf(context))
        progress(len(movements))

    return f"wasted-expired-{location.pk}-{since:%Y%m%d}-{until:%Y%m%d}.pdf", fill
