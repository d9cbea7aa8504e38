"""Render stage (signature-ready PDF): one empty signature field in each signatory's block of a PDF/A.

The Word documents mark each signatory's room to sign with two bookmarks (`wordml.signature`), which
LibreOffice exports as named destinations: the top-left corner of the first and of the last empty line of the
room, on the page where the block is printed. A field is placed between them, centred on the block, so that each
signatory signs with the tool they already use (Adobe Reader, LibreOffice, a parapheur) without anyone preparing
the PDF by hand. pyHanko writes the fields (widgets with an appearance and the print flag, as PDF/A-2b wants);
pikepdf then writes the file again as a single revision with an identifier derived from its content, so the same
sources still give the same bytes.
"""

from __future__ import annotations

import io
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


def locate_fields(pdf_data: bytes, signatories: list[str]) -> list[SignatureField]:
    """Return the field of each signatory whose block the PDF marks, in the order of `signatories` (the order
    of the signature table); a block without both anchors on one page gets no field."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf_data)) as pdf:
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


def add_signature_fields(pdf_data: bytes, signatories: list[str]) -> bytes:
    """Return the PDF with an empty signature field in each signatory's block (unchanged when it marks
    none)."""
    fields = locate_fields(pdf_data, signatories)
    if not fields:
        return pdf_data
    import pikepdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_data), strict=False)
    for field in fields:
        box = tuple(round(value, 2) for value in field.box)
        append_signature_field(writer, SigFieldSpec(field.name, on_page=field.page, box=box))
    updated = io.BytesIO()
    writer.write(updated)
    with pikepdf.open(io.BytesIO(pdf_data)) as original:
        metadata = original.Root.Metadata.read_bytes() if "/Metadata" in original.Root else None
        info = {key: value for key, value in original.docinfo.items()} if original.docinfo is not None else {}
        flat = io.BytesIO()
        with pikepdf.open(updated) as pdf:  # one revision, and an identifier that depends on the content only
            # pyHanko stamps itself as producer and the clock's time as modification date in both metadata:
            # the document's own are put back (the same sources give the same bytes; XMP and Info still agree)
            if metadata is not None:
                pdf.Root.Metadata = pdf.make_stream(metadata, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
            for key in list(pdf.docinfo.keys()):
                if key not in info:
                    del pdf.docinfo[key]
            for key, value in info.items():
                pdf.docinfo[key] = pdf.copy_foreign(value) if isinstance(value, pikepdf.Object) and \
                    value.is_indirect else value
            pdf.save(flat, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return flat.getvalue()
