from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import translation

from cvms.emails import enqueue_email
from cvms.mailtext import html_to_text
from cvms.net import client_ip
from cvms.sites import absolute_url, site_url


def _on_this_site(url: str) -> str:
    """allauth's link with the site's address (cvms/sites.py) instead of the request's when
    SITE_URL is set, as in every other CVMS e-mail."""
    parts = urlsplit(url)
    return absolute_url(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))


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

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return _on_this_site(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return _on_this_site(super().get_reset_password_from_key_url(key))

    def save_user(self, request, user, form, commit=True):
        """A person who signs up reading Spanish gets their e-mails in Spanish, starting with
        the address verification that follows at once."""
        user.language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account e-mails (verification, password reset) go out like every other CVMS
        e-mail: in the person's language, in the e-mail layout with the site's name, as HTML
        and text, through Celery after commit."""
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language() or settings.LANGUAGE_CODE
        # allauth's templates greet "Hello from {{ current_site.name }}!": the site's name and
        # address, not the sites framework's (which CVMS doesn't use).
        current_site = SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(site_url()).netloc)
        with translation.override(language):
            context = {"email": email, "request": self.request, "current_site": current_site, **context}
            message = self.render_mail(template_prefix, email, context)
            html = next(
                (body for body, kind in getattr(message, "alternatives", []) if kind == "text/html"), ""
            )
            if not html:
                # allauth ships text templates only: they are wrapped in the e-mail layout.
                html = render_to_string(
                    "email/wrapped.html",
                    {"subject": message.subject, "text": message.body, "site_name": settings.SITE_NAME},
                )
        enqueue_email(to=message.to, subject=message.subject, text=html_to_text(html), html=html)
