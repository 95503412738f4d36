"""SMART Health Cards: the recipient's card download, and the state's public keys."""

from django.http import HttpResponse, JsonResponse
from django.views import View

from administration import health_cards
from administration.reporting import keys, shc
from cvms.access import PublicView, RecipientPortalView
from recipients.interface import RecipientRecordMixin


class HealthCardFileView(RecipientRecordMixin, RecipientPortalView, View):
    """The person's own card as a `.smart-health-card` file (only ever their own record)."""

    def get(self, request, *args, **kwargs):
        jws = health_cards.card_jws(self.recipient)
        if jws is None:
            return HttpResponse(status=404)
        response = HttpResponse(shc.card_file([jws]), content_type=shc.FILE_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="vaccination{shc.FILE_EXTENSION}"'
        return response


class JwksView(PublicView, View):
    """/.well-known/jwks.json: the keys verifiers check cards with (CORS open, as the spec asks)."""

    def get(self, request, *args, **kwargs):
        response = JsonResponse(keys.published_jwks())
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "public, max-age=3600"
        return response
