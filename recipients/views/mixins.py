from django.template.response import TemplateResponse

from recipients import selectors


class RecipientRecordMixin:
    """For recipient-portal pages that need the person's own record (put before the gate):
    sets `self.recipient`; a signed-in recipient who hasn't registered yet is told how to."""

    def check_access(self, request):
        answer = super().check_access(request)
        if answer is not None:
            return answer
        self.recipient = selectors.recipient_for_user(request.user)
        if self.recipient is None:
            return TemplateResponse(
                request,
                "recipients/not_registered.html",
                {"self_registration_open": selectors.self_registration_open()},
            )
        return None
