"""Page numbers written into a rendered document once it has been laid out: the sommaire's and the page count.

A document's sommaire links each entry to its heading's bookmark (`writer.DocumentWriter.bookmark_headings`)
but cannot know on which page a heading falls: only a layout engine does. Once LibreOffice has laid the
document out (`render_office.paginate`), `paginate` writes each entry's page as the cached result of a PAGEREF
field after a dotted tab, and the page count as the cached result of the footer's NUMPAGES: Word and LibreOffice
open the document with the right numbers and without asking to refresh its fields.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from lxml import etree

from ..container import Member, read_members, write_zip
from .writer import SOMMAIRE_BOOKMARK, W_NS

_W = f"{{{W_NS}}}"
_ANCHOR = re.compile(re.escape(SOMMAIRE_BOOKMARK) + r"(\d{8})")
_FOOTER = re.compile(r"word/footer\d*\.xml")
_NUMPAGES = re.compile(rb"(NUMPAGES\s*</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>"
                       rb"<w:r>(?:<w:rPr>.*?</w:rPr>)?<w:t>)\d*(</w:t>)")


def sommaire_ranks(docx: bytes) -> list[int]:
    """Return the ranks (1, 2…) of the sommaire entries of a rendered document, in their order; [] for a
    document without sommaire."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        xml = archive.read("word/document.xml")
    return [int(rank) for rank in re.findall(rb'w:anchor="' + re.escape(SOMMAIRE_BOOKMARK.encode())
                                               + rb'(\d{8})"', xml)]


def _field_runs(instruction: str, result: str) -> list:
    runs = []
    for kind in ("begin", None, "separate", "result", "end"):
        run = etree.Element(f"{_W}r")
        if kind == "result":
            etree.SubElement(run, f"{_W}t").text = result
        elif kind is None:
            text = etree.SubElement(run, f"{_W}instrText")
            text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            text.text = instruction
        else:
            etree.SubElement(run, f"{_W}fldChar", {f"{_W}fldCharType": kind})
        runs.append(run)
    return runs


def _numbered_document(xml: bytes, pages: dict[int, int]) -> bytes:
    root = etree.fromstring(xml)
    for link in root.iter(f"{_W}hyperlink"):
        anchor = link.get(f"{_W}anchor") or ""
        match = _ANCHOR.fullmatch(anchor)
        if match is None:
            continue
        runs = link.findall(f"{_W}r")  # the title's (a superscript « er » is a run of its own), then a tab
        tab_at = next((i for i, run in enumerate(runs) if run.find(f"{_W}tab") is not None), len(runs))
        for run in runs[tab_at:]:  # the page number of a former pass: its tab and its field
            link.remove(run)
        if int(match.group(1)) not in pages:
            continue  # a heading the layout did not place: no number rather than a wrong one
        tab = etree.Element(f"{_W}r")
        etree.SubElement(tab, f"{_W}tab")
        link.extend([tab, *_field_runs(f" PAGEREF {anchor} \\h ", str(pages[int(match.group(1))]))])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


_NUMBERED_ENTRY = re.compile(
    rb'(<w:hyperlink w:anchor="' + re.escape(SOMMAIRE_BOOKMARK.encode()) + rb'(\d{8})"[^>]*>)'
    rb"((?:(?!</w:hyperlink>).)*?)"
    rb'(<w:r><w:tab/></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
    rb" PAGEREF " + re.escape(SOMMAIRE_BOOKMARK.encode()) + rb"\2 \\h </w:instrText></w:r>"
    rb'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>)\d+'
    rb'(</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink>)', re.DOTALL)
"""A sommaire entry as `_numbered_document` writes it: its link's start, its title's runs, its tab and field up to
the page number, the page number, the rest of its field and the link's end."""


def _renumbered_document(xml: bytes, pages: dict[int, int]) -> bytes | None:
    """Return what `_numbered_document` returns for a document it numbered already (a layout pass after the
    first), its numbers replaced in the XML's text: lxml writes a tree it parsed from its own output as it read
    it, and a tenth of the time goes to read and write a contract document's 1 MB body again. None where an
    entry is not as `_numbered_document` writes it (the document is then rewritten as a tree)."""
    entries = 0

    def renumbered(entry: re.Match) -> bytes:
        nonlocal entries
        entries += 1
        if b"<w:tab/>" in entry.group(3):
            raise LookupError  # a tab in the title: the tree rewrite cuts the entry there
        page = pages.get(int(entry.group(2)))
        if page is None:  # a heading the layout did not place: no number rather than a wrong one
            return entry.group(1) + entry.group(3) + b"</w:hyperlink>"
        return entry.group(1) + entry.group(3) + entry.group(4) + str(page).encode() + entry.group(5)

    try:
        numbered = _NUMBERED_ENTRY.sub(renumbered, xml)
    except LookupError:
        return None
    if entries != xml.count(b'w:anchor="' + SOMMAIRE_BOOKMARK.encode()):
        return None
    return numbered


def _without_update_fields(xml: bytes) -> bytes:
    return re.sub(rb"<w:updateFields(?: [^>]*)?/>", b"", xml)


def paginate(docx: bytes, pages: dict[int, int], page_count: int, when: datetime | None = None) -> bytes:
    """Return the document with the page of each sommaire entry (rank → page) and the page count written as
    the cached results of its fields, and no request to refresh them on opening. Its zip members are dated
    `when`, as the rendered document's are."""
    members = read_members(io.BytesIO(docx))
    changed = []
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for member in members:
            if member.name == "word/document.xml":
                xml = archive.read(member.name)
                if b'w:anchor="' + SOMMAIRE_BOOKMARK.encode() in xml:
                    member = Member.compress(member.name, _renumbered_document(xml, pages)
                                             or _numbered_document(xml, pages))
            elif member.name == "word/settings.xml":
                member = Member.compress(member.name, _without_update_fields(archive.read(member.name)))
            elif _FOOTER.fullmatch(member.name):
                xml = archive.read(member.name)
                numbered = _NUMPAGES.sub(rb"\g<1>" + str(page_count).encode() + rb"\g<2>", xml)
                if numbered != xml:
                    member = Member.compress(member.name, numbered)
            changed.append(member)
    return write_zip(changed, when)


def zip_time(docx: bytes) -> datetime:
    """Return the date of a zip container's first member (the rendered document's generation date)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return datetime(*archive.infolist()[0].date_time)
