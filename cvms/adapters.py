from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import translation

from cvms.emails import enqueue_email
from cvms.net import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """allauth's rate limits count per client the way the rest of CVMS does."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client's address.")
        return ip

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Failed logins are counted per account *and* client address: five wrong passwords
        typed by someone else must not lock a state official out of their own account. Guessing
        from many places is held back by the per-address limit, and staff accounts also need
        their second factor."""
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{client_ip(request)}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account e-mails (verification, password reset) go out like every other CVMS
        e-mail: in the person's language, as HTML and text, through Celery after commit."""
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language()
        with translation.override(language):
            context = {"email": email, "request": self.request, **context}
            message = self.render_mail(template_prefix, email, context)
        html = next((body for body, kind in getattr(message, "alternatives", []) if kind == "text/html"), "")
        if not html:
            # allauth ships text templates only; every CVMS e-mail also has an HTML part.
            html = render_to_string("email/wrapped.html", {"subject": message.subject, "text": message.body})
        enqueue_email(to=message.to, subject=message.subject, text=message.body, html=html)
