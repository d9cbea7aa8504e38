"""A returned Word document read back: its paragraphs as sent and as edited, tracked changes, comments.

python-docx cannot read revisions: the body is read with lxml. Each paragraph of the body (table cells included)
gives its text before the tracked changes (deleted text kept, inserted text left out) and after them, the
author and date of its changes, and where it stands in a table. Comments come with the text they are anchored to.
A document without tracked changes gives the same text before and after: `align` pairs its paragraphs with the
document as it was sent.
"""

from __future__ import annotations

import difflib
import io
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from .marks import SOURCE_MARK_PREFIX
from .writer import W_NS

_W = f"{{{W_NS}}}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CP = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
_DCTERMS = "{http://purl.org/dc/terms/}"


@dataclass
class ReadParagraph:
    """One paragraph of a body: its text as sent and as edited, and where it stands."""

    index: int
    original: str
    revised: str
    style: str = ""
    table: int | None = None
    """The index of the top-level table holding it, None outside tables."""
    row: int | None = None
    """The index of its row in the document (every row of every table counted), None outside tables."""
    authors: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    is_deleted: bool = False
    """Its paragraph mark and all its text were deleted (tracked)."""
    is_inserted: bool = False
    """Its paragraph mark was inserted and it held no text before (tracked)."""
    marks: frozenset[str] = frozenset()
    """The names of the source marks (`marks.source_mark`) that hold it."""

    @property
    def is_changed(self) -> bool:
        return self.is_deleted or self.is_inserted or self.original != self.revised


@dataclass
class Comment:
    """A comment: its author, date, text, and the paragraph and text it is anchored to."""

    author: str
    date: str
    text: str
    paragraph: int | None
    anchored_text: str


@dataclass
class ReadDocument:
    """A Word document read back."""

    paragraphs: list[ReadParagraph]
    comments: list[Comment]
    sources_hash: str = ""
    """The hash of the sources that built it (its core properties' identifier), when Paraphe made it."""
    last_author: str = ""
    modified: str = ""
    has_revisions: bool = False
    rows: dict[int, list[int]] = field(default_factory=dict)
    """Row index → the indexes of its paragraphs."""


def _text(element, *, original: bool) -> str:
    """Return the text under `element` as sent (`original`) or as edited."""
    out = []
    for node in element.iter(f"{_W}t", f"{_W}delText", f"{_W}tab"):
        inserted = deleted = False
        for ancestor in node.iterancestors():
            if ancestor.tag == f"{_W}ins":
                inserted = True
            elif ancestor.tag == f"{_W}del":
                deleted = True
            elif ancestor.tag == f"{_W}p":
                break
        if node.tag == f"{_W}delText":
            deleted = True
        if (original and inserted) or (not original and deleted):
            continue
        out.append("\t" if node.tag == f"{_W}tab" else node.text or "")
    return "".join(out)


def read_document(data: bytes) -> ReadDocument:
    """Return the paragraphs, changes and comments of a .docx; ValueError when it is not a Word document."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            body = etree.fromstring(package.read("word/document.xml")).find(f"{_W}body")
            comments_xml = package.read("word/comments.xml") if "word/comments.xml" in names else None
            core = package.read("docProps/core.xml") if "docProps/core.xml" in names else None
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise ValueError(f"ce fichier n'est pas un document Word lisible ({exc})") from None
    if body is None:
        raise ValueError("ce document Word n'a pas de corps")
    document = ReadDocument([], [])
    tables: dict = {}
    rows: dict = {}
    anchors: dict[str, list] = {}
    mark_names: dict[str, str] = {}  # bookmark id → name
    open_marks: set[str] = set()  # by name: LibreOffice may write a start twice, and one end, under two ids
    for element in body.iter(f"{_W}p", f"{_W}commentRangeStart", f"{_W}commentRangeEnd", f"{_W}bookmarkStart",
                             f"{_W}bookmarkEnd"):
        if element.tag == f"{_W}bookmarkStart":
            name = element.get(f"{_W}name", "")
            if name.startswith(SOURCE_MARK_PREFIX):
                mark_names[element.get(f"{_W}id")] = name
                open_marks.add(name)
                if document.paragraphs and any(a.tag == f"{_W}p" for a in element.iterancestors()):
                    last = document.paragraphs[-1]
                    last.marks = last.marks | {name}
            continue
        if element.tag == f"{_W}bookmarkEnd":
            open_marks.discard(mark_names.get(element.get(f"{_W}id"), ""))
            continue
        if element.tag != f"{_W}p":
            anchors.setdefault(element.get(f"{_W}id"), []).append((element, len(document.paragraphs)))
            continue
        if any(a.tag == f"{_W}p" for a in element.iterancestors()):
            continue  # a paragraph in a text box of a paragraph: read with it
        table = row = None
        top_table = None
        for ancestor in element.iterancestors():
            if ancestor.tag == f"{_W}tr" and row is None:
                row = rows.setdefault(ancestor, len(rows))  # kept: a proxy lives while referenced
            elif ancestor.tag == f"{_W}tbl":
                top_table = ancestor
        if top_table is not None:
            table = tables.setdefault(top_table, len(tables))
        changes = [c for c in element.iter(f"{_W}ins", f"{_W}del")]
        mark = element.find(f"{_W}pPr/{_W}rPr")
        original, revised = _text(element, original=True), _text(element, original=False)
        style = element.find(f"{_W}pPr/{_W}pStyle")
        paragraph = ReadParagraph(
            len(document.paragraphs), original, revised,
            style=style.get(f"{_W}val") if style is not None else "", table=table, row=row,
            authors=tuple(dict.fromkeys(c.get(f"{_W}author", "") for c in changes)),
            dates=tuple(dict.fromkeys(c.get(f"{_W}date", "") for c in changes)),
            is_deleted=mark is not None and mark.find(f"{_W}del") is not None and not revised,
            is_inserted=mark is not None and mark.find(f"{_W}ins") is not None and not original,
            marks=frozenset(open_marks))
        document.has_revisions = document.has_revisions or bool(changes)
        document.paragraphs.append(paragraph)
        if row is not None:
            document.rows.setdefault(row, []).append(paragraph.index)
    if comments_xml is not None:
        _read_comments(etree.fromstring(comments_xml), anchors, document)
    if core is not None:
        properties = etree.fromstring(core)
        document.sources_hash = (properties.findtext(f"{_DC}identifier") or "").strip()
        document.last_author = (properties.findtext(f"{_CP}lastModifiedBy") or "").strip()
        document.modified = (properties.findtext(f"{_DCTERMS}modified") or "").strip()
    return document


def _read_comments(comments, anchors: dict[str, list], document: ReadDocument) -> None:
    for comment in comments.iter(f"{_W}comment"):
        comment_id = comment.get(f"{_W}id")
        text = "\n".join("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in comment.iter(f"{_W}p"))
        places = anchors.get(comment_id, [])
        paragraph = None
        anchored = ""
        if places:
            start, index = places[0]
            # A paragraph is met before the marks it holds: a mark inside one belongs to the last read.
            inside = any(ancestor.tag == f"{_W}p" for ancestor in start.iterancestors())
            paragraph = index - 1 if inside else index
            anchored = _anchored_text(places)
        document.comments.append(Comment(comment.get(f"{_W}author", ""), comment.get(f"{_W}date", ""),
                                         text.strip(), paragraph, anchored))


def _anchored_text(places) -> str:
    """Return the text between a comment's start and end marks (within one paragraph, or from the start mark to
    the end of its paragraph)."""
    start = places[0][0]
    end = places[1][0] if len(places) > 1 else None
    out, inside = [], False
    paragraph = start.getparent()
    while paragraph is not None and paragraph.tag != f"{_W}p":
        paragraph = paragraph.getparent()
    if paragraph is None:
        return ""
    for node in paragraph.iter():
        if node is start:
            inside = True
        elif node is end:
            break
        elif inside and node.tag == f"{_W}t":
            out.append(node.text or "")
    return "".join(out)


@dataclass(frozen=True)
class ParagraphChange:
    """A paragraph as sent (None for one the partner added) and as returned (None when deleted)."""

    sent: ReadParagraph | None
    returned: str | None
    authors: tuple[str, ...]
    dates: tuple[str, ...]
    after: ReadParagraph | None = None
    """For an added paragraph: the sent paragraph it follows."""


def tracked_changes(document: ReadDocument) -> list[ParagraphChange]:
    """Return the paragraphs a document's tracked changes touch."""
    changes = []
    previous = None
    for paragraph in document.paragraphs:
        if paragraph.is_inserted:
            changes.append(ParagraphChange(None, paragraph.revised, paragraph.authors, paragraph.dates, previous))
            continue
        if paragraph.is_deleted:
            changes.append(ParagraphChange(paragraph, None, paragraph.authors, paragraph.dates))
        elif paragraph.original != paragraph.revised:
            changes.append(ParagraphChange(paragraph, paragraph.revised, paragraph.authors, paragraph.dates))
        previous = paragraph
    return changes


def align(sent: ReadDocument, returned: ReadDocument) -> list[ParagraphChange]:
    """Return the paragraphs that differ between the document as sent and an edited copy without tracked
    changes; blank paragraphs an editor adds or drops are not changes."""
    author = (returned.last_author,) if returned.last_author else ()
    date = (returned.modified,) if returned.modified else ()
    before = [p.original for p in sent.paragraphs]
    after = [p.revised for p in returned.paragraphs]
    changes = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old, new = sent.paragraphs[i1:i2], after[j1:j2]
        if op == "replace" and len(old) == len(new):
            pairs = list(zip(old, new))
        else:  # paired by likeness, the rest deleted or added
            pairs, new_left = [], list(new)
            for paragraph in old:
                best = max(new_left, key=lambda text: difflib.SequenceMatcher(None, paragraph.original, text)
                           .ratio(), default=None)
                if best is not None and difflib.SequenceMatcher(None, paragraph.original, best).ratio() > 0.5:
                    pairs.append((paragraph, best))
                    new_left.remove(best)
                else:
                    pairs.append((paragraph, None))
            previous = sent.paragraphs[i1 - 1] if i1 else None
            for text in new_left:
                if text.strip():
                    changes.append(ParagraphChange(None, text, author, date, previous))
        for paragraph, text in pairs:
            if text is None and not paragraph.original.strip():
                continue
            if text != paragraph.original:
                changes.append(ParagraphChange(paragraph, text, author, date))
    return changes
