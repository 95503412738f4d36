"""What kind of file a roster is: refused when too large, of the wrong type, or not what its name
claims."""

import io
import zipfile

from django.utils.translation import gettext as _

from employers.enums import FileFormat
from employers.rosterfiles.errors import RosterFileError

SNIFF_BYTES = 64 * 1024


def detect_format(file, name: str, *, max_bytes: int) -> FileFormat:
    """Refuse a file that is too large, of the wrong type, or not what its name claims."""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    if size > max_bytes:
        raise RosterFileError(
            _(
                "The file is %(size)s MB; the largest roster accepted is %(limit)s MB. "
                "Split it into smaller files."
            )
            % {"size": round(size / 1024 / 1024, 1), "limit": round(max_bytes / 1024 / 1024, 1)}
        )
    if size == 0:
        raise RosterFileError(_("The file is empty."))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    is_zip = head.startswith(b"PK\x03\x04")
    if extension == "xlsx":
        if not is_zip or not _is_workbook(file):
            raise RosterFileError(_("The file is named .xlsx but is not an Excel workbook."))
        return FileFormat.XLSX
    if extension in ("csv", "txt"):
        if is_zip or b"\x00" in head:
            raise RosterFileError(
                _("The file is named .%(ext)s but is not a text file. Save the roster as CSV or XLSX.")
                % {"ext": extension}
            )
        return FileFormat.CSV
    raise RosterFileError(
        _("Rosters must be CSV or Excel (.xlsx) files; “%(name)s” is neither.") % {"name": name}
    )


def _is_workbook(file) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        file.seek(0)
