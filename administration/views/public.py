"""Pages anyone may open, without logging in: the state's public keys for SMART Health Cards."""

from django.http import JsonResponse
from django.views import View

from administration.reporting import keys
from cvms.access import PublicView


class JwksView(PublicView, View):
    """/.well-known/jwks.json: the keys verifiers check cards with (CORS open, as the spec asks)."""

    def get(self, request, *args, **kwargs):
        response = JsonResponse(keys.published_jwks())
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "public, max-age=3600"
        return response
