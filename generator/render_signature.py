"""Render stage (signature-ready PDF): one empty signature field in each signatory's block of a PDF/A.

The Word documents mark each signatory's room to sign with two bookmarks (`wordml.signature`), which
LibreOffice exports as named destinations: the top-left corner of the first and of the last empty line of the
room, on the page where the block is printed. A field is placed between them, centred on the block, so that each
signatory signs with the tool they already use (Adobe Reader, LibreOffice, a parapheur) without anyone preparing
the PDF by hand. The fields are written with pikepdf into the PDF the build has open anyway for its whole
finishing (`add_signature_fields`; one open and one save per PDF, see `render_office.paginate`): an unsigned
signature field (/FT /Sig) whose widget has an empty appearance and the print flag, as PDF/A-2b wants, listed in
the form and on its page, as pyHanko writes one (pyHanko's own writer parses the whole file again in Python: most
of a second per contract document, more than the rest of the finishing). The tests sign every field in turn with
pyHanko. The file is written as a single revision with an identifier derived from its content, so the same
sources give the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .wordml.signature import ANCHOR_PREFIX

FIELD_WIDTH = 170.0
"""Width of a signature field in points (6 cm), narrowed when the blocks stand closer than that."""
GUTTER = 12.0
"""Space kept between the fields of two blocks side by side, in points."""
MIN_HEIGHT = 28.0
"""A room to sign lower than this (1 cm) gets no field: the template has no real room there."""

_ANCHOR = re.compile(rf"^/?{ANCHOR_PREFIX}(Haut|Bas)(\d+)$")


@dataclass(frozen=True)
class SignatureField:
    """Where one signatory signs: the field's name, its page (from 0) and its box (x0, y0, x1, y1 in points)."""

    name: str
    page: int
    box: tuple[float, float, float, float]


def field_name(signatory: str) -> str:
    """Return the name of a signatory's field: « Signature Louis LE FRANC » (no dot: a dot would make it a
    hierarchy of fields)."""
    return "Signature " + " ".join(signatory.replace(".", " ").split())


def _distinct(signatories: list[str]) -> list[str]:
    """Return the signatories with a number after a name given twice (« Prénom NOM », « Prénom NOM (2) »): two
    fields of a form cannot have the same name."""
    seen: dict[str, int] = {}
    distinct = []
    for name in signatories:
        seen[name] = seen.get(name, 0) + 1
        distinct.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return distinct


def _anchors(pdf) -> dict[tuple[str, int], tuple[int, float, float]]:
    """Return the signature anchors of a PDF: (edge, index) → (page index, x, y)."""
    page_index = {page.objgen: number for number, page in enumerate(pdf.pages)}
    destinations = pdf.Root.get("/Dests")
    if destinations is None:
        return {}
    found = {}
    for key, value in destinations.items():
        match = _ANCHOR.match(str(key))
        if not match or len(value) < 4:
            continue
        page = page_index.get(value[0].objgen)
        if page is not None:
            found[(match.group(1), int(match.group(2)))] = (page, float(value[2]), float(value[3]))
    return found


def locate_fields(pdf, signatories: list[str]) -> list[SignatureField]:
    """Return the field of each signatory whose block the PDF (open with pikepdf) marks, in the order of
    `signatories` (the order of the signature table); a block without both anchors on one page gets no field."""
    anchors = _anchors(pdf)
    rooms = []
    for index, signatory in enumerate(_distinct(signatories), start=1):
        top, bottom = anchors.get(("Haut", index)), anchors.get(("Bas", index))
        if top is None or bottom is None or top[0] != bottom[0] or top[2] - bottom[2] < MIN_HEIGHT:
            continue
        rooms.append((signatory, top[0], top[1], bottom[2], top[2]))
    fields = []
    for signatory, page, centre, low, high in rooms:
        neighbours = [abs(centre - other[2]) for other in rooms  # blocks side by side on the same page
                      if other[1] == page and other[2] != centre and other[3] < high and low < other[4]]
        width = min([FIELD_WIDTH, *(distance - GUTTER for distance in neighbours)])
        fields.append(SignatureField(field_name(signatory), page,
                                     (centre - width / 2, low, centre + width / 2, high)))
    return fields


SIGNATURE_FIELD_FLAGS = 4 | 128
"""A signature widget's annotation flags: printed (PDF/A wants every widget printable), locked (as pyHanko marks
the fields it makes: the field's place and size cannot be edited)."""


def add_signature_fields(pdf, signatories: list[str]) -> bool:
    """Add an empty signature field in each signatory's block to a PDF open with pikepdf; return whether it
    marks any (else the PDF is left as it was)."""
    import pikepdf

    fields = locate_fields(pdf, signatories)
    if not fields:
        return False
    form = pdf.Root.get("/AcroForm")
    if form is None:
        form = pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array()))
    if "/Fields" not in form:
        form.Fields = pikepdf.Array()
    form.SigFlags = 1  # the document holds signature fields
    for field in fields:
        x0, y0, x1, y1 = (round(value, 2) for value in field.box)
        appearance = pdf.make_stream(b"", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                     BBox=[0, 0, round(x1 - x0, 2), round(y1 - y0, 2)], Resources=pikepdf.Dictionary())
        page = pdf.pages[field.page].obj
        widget = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Sig, T=pikepdf.String(field.name),
            F=SIGNATURE_FIELD_FLAGS, Rect=[x0, y0, x1, y1], P=page, AP=pikepdf.Dictionary(N=appearance)))
        form.Fields.append(widget)
        if "/Annots" not in page:
            page.Annots = pdf.make_indirect(pikepdf.Array())
        page.Annots.append(widget)
    if str(pdf.Root.get("/Version", "/1.0")) < "/1.7":
        pdf.Root.Version = pikepdf.Name("/1.7")  # PDF/A-2 is PDF 1.7, the version pyHanko declares for its fields
    return True

