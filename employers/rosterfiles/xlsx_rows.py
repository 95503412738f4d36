"""Reading an Excel roster as a stream of (line, cells), with openpyxl in read-only mode."""

from django.utils.translation import gettext as _

from employers.rosterfiles.errors import RosterFileError
from employers.rosterfiles.formats import check_workbook_archive


def xlsx_rows(file, *, max_rows: int | None = None):
    from openpyxl import load_workbook

    # Checked again here, in the worker, before openpyxl unpacks anything (the request checked
    # it too): a zip bomb must never reach the parser.
    check_workbook_archive(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise RosterFileError(_("The Excel workbook can't be read: it may be damaged.")) from error
    sheet = workbook.worksheets[0]
    total = sheet.max_row or 0  # from the sheet's <dimension>, when it has one
    if max_rows is not None and total > max_rows + 1:  # + the header
        workbook.close()
        raise RosterFileError(too_many_rows(max_rows))
    state = {"line": 0}

    def progress() -> float:
        return min(state["line"] / total, 1.0) if total else 0.0

    def rows():
        try:
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                state["line"] = line
                yield line, list(cells)
        finally:
            workbook.close()

    return rows(), progress


def too_many_rows(limit: int) -> str:
    return _(
        "The roster has more than %(limit)s rows, the most accepted in one file. Split it into smaller files."
    ) % {"limit": f"{limit:,}"}
