"""The application's URLs and `/bench/noop/`: the portal gate (signed in, role, membership,
second factor) and a constant answer. What any page costs beyond it is the page's own work."""

from django.http import HttpResponse
from django.urls import path
from django.views import View

from cvms.access import StatePortalView
from cvms.urls import urlpatterns as application


class NoopView(StatePortalView, View):
    def get(self, request):
        return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/noop/", NoopView.as_view(), name="bench_noop"), *application]
