"""What a case may carry as attachments: the type is read from the content (never trusted from
the name or the browser), and the size is bounded."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# (content type, extensions it may be named with, test of the first bytes)
_SIGNATURES = [
    ("application/pdf", {".pdf"}, lambda head: head.startswith(b"%PDF-")),
    ("image/png", {".png"}, lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/jpeg", {".jpg", ".jpeg"}, lambda head: head.startswith(b"\xff\xd8\xff")),
    ("image/gif", {".gif"}, lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
]
_TEXT_EXTENSIONS = {".txt": "text/plain", ".csv": "text/csv", ".log": "text/plain"}
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, GIF, TXT, CSV"


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character may be cut at the end of the sample.
        return error.start >= len(data) - 3
    return True


def max_bytes() -> int:
    return settings.HELPDESK_ATTACHMENT_MAX_BYTES


def attachment_content_type(upload) -> str:
    """The content type of an uploaded file, or ValidationError naming what's wrong."""
    name = upload.name or ""
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if upload.size > max_bytes():
        raise ValidationError(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes())}
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    for content_type, extensions, matches in _SIGNATURES:
        if matches(head):
            if extension not in extensions:
                break  # the name says one type, the content another
            return content_type
    else:
        if extension in _TEXT_EXTENSIONS and _is_text(head):
            return _TEXT_EXTENSIONS[extension]
    raise ValidationError(
        _("%(name)s is not an accepted file type (accepted: %(types)s).")
        % {"name": name, "types": ALLOWED_DESCRIPTION}
    )
