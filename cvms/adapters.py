from allauth.account.adapter import DefaultAccountAdapter
from django.template.loader import render_to_string
from django.utils import translation

from cvms.emails import enqueue_email


class AccountAdapter(DefaultAccountAdapter):
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
