"""One laid-out page, printed under many: the forms of a batch differ only by their number, QR
code and (prefilled) the person's details, so WeasyPrint lays the form out once, and then only
what differs, page by page, each at the place the form left for it (`field_places`): a page of a
number, a QR code and a few lines takes a fraction of a form's layout. Each page draws the form
beneath it as a shared Form XObject: the form's text, fonts and lines are in the file once.

Profiled on 30 forms in one document: laying out the form's tables was 0.16 s a page, applying the
CSS to each page's elements 0.06 s, writing and subsetting the fonts 0.06 s; stamped, the form is
laid out once and each page costs its number's layout.
"""

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

FORM_NAME = NameObject("/CvmsForm")
# How wide a character may be, at most, in ems (DejaVu Sans's capitals and W, M): a value of more
# characters than its box holds at this width may wrap, and its page is laid out whole.
WIDEST_CHARACTER_EM = 0.72
PT = 96 / 72  # CSS pixels a point


@dataclass(frozen=True)
class Place:
    """Where a field's box starts on the laid-out form, in CSS pixels from the page's content
    area (where an absolutely positioned block's `left` and `top` count from), and its width."""

    left: float
    top: float
    width: float

    def style(self) -> str:
        # A width given: an absolute block of `width: auto` is shrunk to fit, measuring its
        # text twice more (a third of the stamps' layout time). Six decimals: at two, the
        # right-aligned form number of one page in ten landed a hair off the laid-out form's.
        return f"left: {self.left:.6f}px; top: {self.top:.6f}px; width: {self.width:.6f}px"

    def fits(self, text: str, *, font_pt: float) -> bool:
        return len(text) * WIDEST_CHARACTER_EM * font_pt * PT <= self.width


def field_places(document) -> dict[str, Place]:
    """The places of the elements marked `data-field` on the first page of a rendered WeasyPrint
    document (its layout tree: WeasyPrint is pinned, and the tests read every field back)."""
    from weasyprint.formatting_structure.boxes import BlockContainerBox  # blocks, table cells

    page = document.pages[0]._page_box
    places: dict[str, Place] = {}
    for box in page.descendants():
        element = getattr(box, "element", None)
        key = element.get("data-field") if element is not None else None
        if key and key not in places and isinstance(box, BlockContainerBox):
            places[key] = Place(
                left=box.content_box_x() - page.margin_left,
                top=box.content_box_y() - page.margin_top,
                width=box.width,
            )
    return places


def under_each_page(*, form_pdf: bytes, stamps_pdf: bytes) -> bytes:
    """The pages of `stamps_pdf`, each drawn over the first page of `form_pdf`."""
    writer = PdfWriter(clone_from=io.BytesIO(stamps_pdf))
    form = writer.add_page(PdfReader(io.BytesIO(form_pdf)).pages[0])  # copies its fonts and images
    xobject = DecodedStreamObject()
    xobject.set_data(form.get_contents().get_data())
    xobject.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(form.mediabox),
            NameObject("/Resources"): form["/Resources"],
        }
    )
    form_ref = writer._add_object(xobject.flate_encode())
    writer.remove_page(form)
    draw_form = DecodedStreamObject()
    draw_form.set_data(b"q /CvmsForm Do Q\n")
    draw_form_ref = writer._add_object(draw_form)
    for page in writer.pages:
        resources = page["/Resources"].get_object()
        resources.setdefault(NameObject("/XObject"), writer._add_object(DictionaryObject()))
        resources["/XObject"].get_object()[FORM_NAME] = form_ref
        contents = page.get("/Contents")
        stamps = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([draw_form_ref, *stamps])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pages_inserted(pdf: bytes, *, pages_pdf: bytes, at: list[int]) -> bytes:
    """`pdf` with the pages of `pages_pdf` put in, in order, at the final positions `at`."""
    if not at:
        return pdf
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    for index, page in zip(at, PdfReader(io.BytesIO(pages_pdf)).pages, strict=True):
        writer.insert_page(page, index)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
