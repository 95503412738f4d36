"""The administration app's pages, by portal: `provider/`, `state.py`, `recipient.py`, `public.py`.

The pages of a file made in the background (its progress, then its download) are the same in the
state portal (registry exports) and the provider portal (printed forms): their base views live
here, so that neither portal's module imports the other's.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import TemplateView, View

from administration.models import ExportJob
from cvms.audit import audit

RECENT_JOBS = 20  # the jobs listed on a portal's exports page, newest first


class JobMixin:
    """The job named in the URL among this portal's, its page and its file."""

    def jobs(self):
        raise NotImplementedError

    def get_job(self) -> ExportJob:
        return get_object_or_404(self.jobs(), pk=self.kwargs["export_pk"])


class JobPage(JobMixin, TemplateView):
    template_name = "administration/export_job.html"

    def get_context_data(self, **kwargs):
        job = self.get_job()
        return super().get_context_data(**kwargs) | {
            "job": job,
            "download_url": reverse(self.download, kwargs={"export_pk": job.pk}),
            "back": self.back_for(job),
        }

    def back_for(self, job: ExportJob) -> str:
        return self.back


class JobDownload(JobMixin, View):
    def get(self, request, *args, **kwargs):
        job = self.get_job()
        if not job.is_available:
            raise Http404
        audit(action="administration.export.downloaded", by=request.user, target=job, request=request)
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name)
