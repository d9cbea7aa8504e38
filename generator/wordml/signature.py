"""Signature anchors: the bookmarks that tell where each signatory's room to sign lies in a document.

A template marks the first and the last empty line of each signatory's room (`{{r loop.index|ancre_signature
('haut') }}`, then `('bas')`). LibreOffice exports the bookmarks as named destinations of the PDF, which give the
page and position of each line; `generator.render_signature` puts a signature field between them. Names are
letters and digits only, which LibreOffice keeps as they are.
"""

from __future__ import annotations

ANCHOR_PREFIX = "ParapheSignature"
EDGES = {"haut": "Haut", "bas": "Bas"}
_FIRST_ID = 900_000
"""Bookmark ids of the anchors: far above those a document numbers from 0 (headings of the sommaire)."""


def signature_anchor(index: int, edge: str) -> str:
    """Return the run-level XML of the anchor of signatory `index` (from 1), `edge` « haut » or « bas »."""
    if edge not in EDGES or not isinstance(index, int) or not 1 <= index <= 999:
        raise ValueError(f"ancre de signature impossible : {index!r}, {edge!r} (attendu : 1 à 999, haut ou bas)")
    bookmark_id = _FIRST_ID + 2 * index + (edge == "bas")
    name = f"{ANCHOR_PREFIX}{EDGES[edge]}{index}"
    return (f'<w:bookmarkStart w:id="{bookmark_id}" w:name="{name}"/>'
            f'<w:bookmarkEnd w:id="{bookmark_id}"/>')
