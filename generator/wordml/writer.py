"""Word content for one document being rendered: paragraphs, runs, links, restarted lists, the sommaire.

Everything above this layer speaks in `Block`s and `Inline`s; `DocumentWriter` turns them into
WordprocessingML text for one document, with the style ids of its template, numbering instances and hyperlink
relationships of its own, and the headings its table of contents lists. The text is written directly (never
through an element tree): a CRTE has thousands of paragraphs and this is the inner loop of a national batch.
"""

from __future__ import annotations

import hashlib
import html
import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from lxml import etree

from ..allocator import return_freed_memory
from ..caches import text_cache, text_store
from ..exposants import marquer_exposants
from .marks import marked

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# XML 1.0 forbids these characters; a vertical tab pasted from Word would corrupt the document.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The forbidden characters but docxtpl's two listing characters, \a (new paragraph) and \f (page break), which a
# printed value may hold: a rendered part turns them into Word's paragraphs and page breaks (`template._finish_part`).
_UNPRINTABLE = re.compile("[\x00-\x06\x08\x0b\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_W = f"{{{W_NS}}}"
DOCUMENT_PART = "word/document.xml"
_HEADER_SHAPE_IDS = 100_000  # where the ids of the pictures a header, footer or note adds start

# The children of w:settings in the order of ECMA-376's CT_Settings (the names python-docx lists): Word expects
# the elements of a part in their schema's order.
_SETTINGS_ORDER = {f"{_W}{name}": rank for rank, name in enumerate((
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts", "embedSystemFonts",
    "saveSubsetFonts", "saveFormsData", "mirrorMargins", "alignBordersAndEdges", "bordersDoNotSurroundHeader",
    "bordersDoNotSurroundFooter", "gutterAtTop", "hideSpellingErrors", "hideGrammaticalErrors",
    "activeWritingStyle", "proofState", "formsDesign", "attachedTemplate", "linkStyles",
    "stylePaneFormatFilter", "stylePaneSortMethod", "documentType", "mailMerge", "revisionView",
    "trackRevisions", "doNotTrackMoves", "doNotTrackFormatting", "documentProtection", "autoFormatOverride",
    "styleLockTheme", "styleLockQFSet", "defaultTabStop", "autoHyphenation", "consecutiveHyphenLimit",
    "hyphenationZone", "doNotHyphenateCaps", "showEnvelope", "summaryLength", "clickAndTypeStyle",
    "defaultTableStyle", "evenAndOddHeaders", "bookFoldRevPrinting", "bookFoldPrinting",
    "bookFoldPrintingSheets", "drawingGridHorizontalSpacing", "drawingGridVerticalSpacing",
    "displayHorizontalDrawingGridEvery", "displayVerticalDrawingGridEvery",
    "doNotUseMarginsForDrawingGridOrigin", "drawingGridHorizontalOrigin", "drawingGridVerticalOrigin",
    "doNotShadeFormData", "noPunctuationKerning", "characterSpacingControl", "printTwoOnOne",
    "strictFirstAndLastChars", "noLineBreaksAfter", "noLineBreaksBefore", "savePreviewPicture",
    "doNotValidateAgainstSchema", "saveInvalidXml", "ignoreMixedContent", "alwaysShowPlaceholderText",
    "doNotDemarcateInvalidXml", "saveXmlDataOnly", "useXSLTWhenSaving", "saveThroughXslt", "showXMLTags",
    "alwaysMergeEmptyNamespace", "updateFields", "hdrShapeDefaults", "footnotePr", "endnotePr", "compat",
    "docVars", "rsids", "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown", "smartTagType",
    "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
))}
_TBL, _TR, _TC, _GRID, _GRID_COL, _SPAN, _VAL, _WIDTH = (f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}tblGrid",
                                                       f"{_W}gridCol", f"{_W}tcPr/{_W}gridSpan", f"{_W}val",
                                                       f"{_W}w")
_STYLE = f"{_W}pPr/{_W}pStyle"

# Where the filled table of contents goes in a rendered body: a processing instruction, which escaped content
# can never produce.
SOMMAIRE_MARK = "<?paraphe-sommaire?>"

FOOTNOTE_BOOKMARK = "_RefNote"
"""The prefix of the bookmark on a footnote's call, which a later call of the same note refers to (hidden, as
Word's own « _Ref » bookmarks); the note's id follows."""
FOOTNOTE_BOOKMARK_IDS = 1_000_000
"""Where the ids of the footnote calls' bookmarks start (the sommaire's count from 0)."""

SOMMAIRE_BOOKMARK = "_Toc"
"""The prefix of the bookmarks on the headings the sommaire links to (Word's own: hidden in its list of
bookmarks); the number that follows is the heading's rank in the sommaire."""

_TEXT_ELEMENT = re.compile(rb"<w:t(?: [^>]*)?>([^<]*)</w:t>")


@lru_cache(maxsize=16)
def _heading_style(style_ids: tuple[str, ...]):
    """Return the pattern, in UTF-8, of a paragraph's style when it is one of `style_ids`: first of the
    paragraph's properties (the writer and python-docx write it so)."""
    names = b"|".join(re.escape(xml_attribute(style_id).encode()) for style_id in style_ids)
    return re.compile(b'<w:pPr><w:pStyle w:val="(' + names + b')"/>')


def table_mark(what: str):
    """Return a new processing instruction that marks, in a compiled template's `{%tc %}` table, where its grid
    goes until its rows are known ("grille": the grid comes before them), where a row starts ("ligne"), or one
    column a cell spans ("colonne": one mark per column). They are static text of the compiled template, counted
    and removed once the table is rendered; escaped content can never produce them."""
    return etree.ProcessingInstruction(f"paraphe-{what}")


GRID_MARK, ROW_MARK, COLUMN_MARK = (etree.tostring(table_mark(what), encoding="unicode")
                                    for what in ("grille", "ligne", "colonne"))

_TREATMENTS_OF_ARGUMENTS_ONLY = frozenset({"tableau", "fin-tableau", "grille-calculee"})
"""The treatments of `DocumentWriter.capture` whose result depends on their arguments only, not on the writer
(a table read back is parsed with its template's namespaces: Word's, the same prefixes for the same URIs in
every template, and fitted with the text sizes the compiler passed): a region's replay need not make them
again."""


def parse_body(xml: str, namespaces: str):
    """Return the elements of a piece of rendered body, held by a `w:body` declaring `namespaces`; ValueError
    when it is not XML (block tags of a template that cut across its elements)."""
    if len(xml) < _SHORT_PIECE:  # a heading, a table: declaring all of Word's namespaces costs more than its parse
        namespaces = " ".join(declaration for prefix, declaration in _declarations(namespaces)
                              if prefix == "w" or f"{prefix}:" in xml)  # "w": the wrapper's own
    try:
        return etree.fromstring(f"<w:body {namespaces}>{xml}</w:body>")
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"le modèle produit un document mal formé ({exc})") from None


_SHORT_PIECE = 20_000
"""Length under which a piece of body is parsed with the namespace declarations it uses only."""


@lru_cache(maxsize=64)
def _declarations(namespaces: str) -> tuple[tuple[str, str], ...]:
    """Return the (prefix, declaration) pairs of a string of `xmlns:prefix="uri"` declarations."""
    return tuple((declaration.split("=", 1)[0].removeprefix("xmlns:"), declaration)
                 for declaration in namespaces.split())


def heading_level(paragraph, toc: "TocSpec") -> int | None:
    """Return the sommaire level of a paragraph element (in a template or a rendered body), or None."""
    style = paragraph.find(_STYLE)
    return toc.levels_by_style.get(style.get(_VAL)) if style is not None else None


def xml_attribute(value: str) -> str:
    """Return a value escaped for a double-quoted attribute."""
    if "&" in value or '"' in value or "<" in value:
        return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return value


def add_setting(settings, element) -> None:
    """Put `element`, a child of w:settings the schema names, in `settings` (a w:settings element) before the
    first of the children that follow it in the schema's order; children it does not name are passed over."""
    rank = _SETTINGS_ORDER[element.tag]
    successor = next((child for child in settings if _SETTINGS_ORDER.get(child.tag, -1) > rank), None)
    if successor is None:
        settings.append(element)
    else:
        successor.addprevious(element)


def xml_safe(text: str) -> str:
    """Return text a template prints without the characters XML 1.0 forbids (control characters, NUL, lone
    surrogates), but docxtpl's \\a and \\f, which the rendered part turns into a new paragraph and a page break."""
    return _UNPRINTABLE.sub("", text)


def xml_text(text: str) -> str:
    """Return text escaped for an element's content, without the characters XML forbids."""
    return XML_FORBIDDEN.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(unsafe_hash=True, slots=True)
class Inline:
    """A piece of text with its character styles (innermost last), or a link to `url`, or a picture (`image`,
    a file name the writer's `image_loader` reads; `text` is its description), or the call of a footnote
    (`footnote`: the note's paragraphs; empty for a later call of a note already called in the same fragment,
    which `footnote_key` names; its last style is the call's).

    Never changed once made (cached paragraphs share it; hashed on its fields), yet not declared frozen: a
    frozen dataclass sets each of its seven fields through `object.__setattr__`, and prose makes thousands."""

    text: str
    styles: tuple[str, ...] = ()
    url: str | None = None
    is_line_break: bool = False
    image: str | None = None
    footnote: tuple["Block", ...] | None = None
    footnote_key: str | None = None


@dataclass(frozen=True)
class Block:
    """A paragraph: its style name, its inlines and, for an item of a numbered list that starts again at 1,
    which list of its fragment it belongs to (0 for the first numbered list, 1 for the next…); whether it keeps
    with the next paragraph and keeps its lines on one page (`wordml.flow` says which do)."""

    style: str
    inlines: tuple[Inline, ...] = ()
    numbered_list: int | None = None
    keep_with_next: bool = False
    keep_lines: bool = False


@dataclass(frozen=True)
class TocSpec:
    """The table of contents of a template: its field instruction, the paragraph styles it lists (style id →
    level) and the style id of each of its entry levels."""

    instruction: str
    levels_by_style: dict[str, int]
    entry_styles: dict[int, str]
    paragraph_properties: str = ""
    read_back: bool = False
    """The headings are read back from the rendered body (a heading holds a block tag it does not close)."""


@dataclass(frozen=True)
class TemplateStyles:
    """What a template's styles, numbering and relationships give to the documents made from it."""

    style_ids: dict[tuple[str, str], str]
    """(type, name) → style id, type being "paragraph" or "character"."""
    list_abstract_ids: dict[str, str]
    """Paragraph style id of a numbered list style → id of its abstract numbering."""
    next_num_id: int
    next_rel_id: int
    """The first relationship number free in the document part."""
    toc: TocSpec | None = None
    namespaces: str = ""
    """The namespace declarations of the document element, to parse a piece of the body on its own."""
    region_keys: frozenset[str] = frozenset()
    """The keys of the regions the template compiler marked in the body, which the documents of one contract
    render once (`DocumentWriter.region`)."""
    next_rel_ids: dict[str, int] = field(default_factory=dict)
    """The first relationship number free in each header, footer and footnotes part (by part name)."""
    text_width: int | None = None
    """The width of the text between the margins of the body's last section, in EMU (a picture of the content
    is at most as wide)."""
    next_footnote_id: int = 1
    """The id of a document's first footnote: past the template's own notes and separators."""


@dataclass
class Fragment:
    """WordprocessingML of block elements, ready to replace a `{{p … }}` paragraph of a docxtpl template."""

    xml: str
    namespaces: str = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'

    def __html__(self) -> str:
        return self.xml

    def __str__(self) -> str:
        return self.xml

    @property
    def elements(self) -> list:
        """Return the fragment's elements as python-docx oxml elements (for tests and previews)."""
        from docx.oxml.parser import parse_xml

        return list(parse_xml(f"<w:body {self.namespaces}>{self.xml}</w:body>"))

    @property
    def text(self) -> str:
        """Return the plain text of the fragment, paragraphs separated by new lines."""
        return "\n".join("".join(t.text or "" for t in e.iter(f"{_W}t")) for e in self.elements)


SYMBOL_FONT = "DejaVu Sans"
"""The font of the symbols prose may hold that the templates' text font (Carlito) has no glyph for: asked for
by their runs, so that a PDF prints what the document asks for, never a font of the layout engine's choice."""
_SYMBOLS = re.compile("([\u2600-\u27bf]+)")
"""Miscellaneous symbols and dingbats (✓, ➤, ☐…), which Carlito lacks and DejaVu Sans has."""
_SYMBOL = re.compile("[\u2600-\u27bf]")
"""One of `_SYMBOLS`: searched for as a class of characters, which the regular expression engine scans for in C
(`_SYMBOLS`, a group, is tried at every character)."""
_SYMBOL_FONTS = f'<w:rFonts w:ascii="{SYMBOL_FONT}" w:hAnsi="{SYMBOL_FONT}" w:cs="{SYMBOL_FONT}"/>'


@text_cache(maxsize=16384)  # the same prose is written in several documents of a contract, and of a batch
def _run(text: str, style_id: str | None = None, bold: bool = False, italic: bool = False) -> str:
    if _SYMBOL.search(text):
        return "".join(_one_run(piece, style_id, bold, italic, symbols=index % 2 == 1)
                       for index, piece in enumerate(_SYMBOLS.split(text)) if piece)
    return _one_run(text, style_id, bold, italic)


def _one_run(text: str, style_id: str | None, bold: bool, italic: bool, symbols: bool = False) -> str:
    properties = ""
    if style_id or bold or italic or symbols:
        properties = ("<w:rPr>" + (f'<w:rStyle w:val="{xml_attribute(style_id)}"/>' if style_id else "")
                      + (_SYMBOL_FONTS if symbols else "")
                      + ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "") + "</w:rPr>")
    # an abbreviated ordinal typed in the prose (« 1er ») is marked as printed values are, and raised with them
    return f'<w:r>{properties}<w:t xml:space="preserve">{xml_text(marquer_exposants(text))}</w:t></w:r>'


@text_cache(maxsize=16384)
def _prose_run(text: str, style_id: str | None = None, bold: bool = False, italic: bool = False) -> str:
    """Return the run of a piece of prose, its line breaks and tabs already Word's, as docxtpl's
    `resolve_listing` makes them (a tab ends the run and starts another with the same properties): a body
    holding none of them is not searched for them again (`template._finish_part`)."""
    run = _run.__wrapped__(text, style_id, bold, italic)  # (this cache holds it: not _run's too)
    if "\n" not in text and "\t" not in text:
        return run
    properties = run[len("<w:r>"):run.index("<w:t ")]
    start = len(properties) + len('<w:r><w:t xml:space="preserve">')
    inner = run[start:-len("</w:t></w:r>")]
    inner = inner.replace("\t", f'</w:t></w:r><w:r>{properties}<w:tab/></w:r><w:r>{properties}<w:t xml:space="preserve">')
    inner = inner.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
    return run[:start] + inner + "</w:t></w:r>"


def _field_run(kind: str) -> str:
    return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'


@dataclass
class SharedRegions:
    """The regions recorded while rendering the documents of one contract, all with the same `context`."""

    context: Any
    recorded: dict[str, "RecordedRegion"] = field(default_factory=dict)
    last: bool = False
    """Whether the document being rendered is the last of the contract to print them: the regions are let go
    as soon as its body is rendered (a contract of 1000 fiches has regions of 25 MB)."""


@dataclass(frozen=True)
class RecordedRegion:
    """A region of a template as a document of a contract rendered it: its XML in UTF-8 (stretches of that
    document's rendered body, not copies: a region is kept once, encoded), and the calls to the writer made
    while rendering it (method name, arguments, result), in their order."""

    chunks: tuple[bytes | memoryview, ...]
    calls: tuple[tuple[str, tuple, str], ...]

    @property
    def data(self) -> bytes:
        """The region's XML in UTF-8."""
        return b"".join(self.chunks)


_LARGE_BODY = 4 << 20
"""From this size (4 MB, a contract of some 150 fiches) the memory of a body's chunks is given back to the system
once they are joined: freed in the middle of malloc's heap, it would stay the process's, as much again as the
body, while the body is finished and copied (`allocator.return_freed_memory`)."""


_CHUNK_CHARACTERS = 1 << 16
"""How much rendered text the body gathers before encoding it to UTF-8 as one chunk: pieces one at a time would
make a million small objects for a contract of 1000 fiches, the whole body at once a copy of it as text."""


@dataclass
class DocumentWriter:
    """Writes the Word content of one document made from a template; keeps what the document adds to the
    template's parts (numbering instances, hyperlinks) and the entries of its table of contents.

    All of them are recorded when prose is rendered, in the order of rendering: prose kept with `{% set %}`
    and printed later is listed where it was rendered, and prose printed twice is listed once.
    """

    template: TemplateStyles
    new_nums: list[tuple[int, str]] = field(default_factory=list)
    """(numId, abstractNumId) of each numbered list that starts again at 1."""
    hyperlinks: list[tuple[str, str]] = field(default_factory=list)
    """(relationship id, URL) of each external link."""
    toc_entries: list[tuple[int, str]] = field(default_factory=list)
    has_sommaire: bool = False
    """Whether the body holds the sommaire's mark, to be replaced by the table of contents once rendered."""
    shared_regions: SharedRegions | None = field(default=None, repr=False, compare=False)
    """The regions recorded by the documents of the same contract; None: regions are rendered here."""
    part: str = DOCUMENT_PART
    """The part being rendered (the body, or a header, footer or footnotes part), which holds the relationships
    of the pictures printed meanwhile."""
    pictures: list[tuple[str, str, str]] = field(default_factory=list)
    """(part, relationship id, media part name) of each picture the document adds."""
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Media part name → (content type, bytes) of the pictures the document adds (one part per image)."""
    image_loader: Callable[[str], tuple[bytes, str]] | None = field(default=None, repr=False, compare=False)
    """Returns the bytes and the file name of a picture of the prose (`Inline.image`); None: prose has none."""
    marked_sources: dict[str, int] = field(default_factory=dict)
    """How many times each content file's prose was printed with its source mark."""
    footnotes: list[str] = field(default_factory=list)
    """The `w:footnote` elements of the document's footnotes, in the order of their calls (their ids follow the
    template's own notes, `TemplateStyles.next_footnote_id`)."""
    _calls: list[tuple[str, tuple, str]] | None = field(default=None, init=False, repr=False, compare=False)
    """The writer's calls made while a region renders, when it is recorded."""
    _chunks: list[bytes] = field(default_factory=list, init=False, repr=False, compare=False)
    """The body rendered so far, in UTF-8 (`encoded_body`)."""
    _pending: list[str] = field(default_factory=list, init=False, repr=False, compare=False)
    """The pieces of the body rendered since the last chunk, not yet encoded."""
    _pending_size: int = field(default=0, init=False, repr=False, compare=False)
    _recording: tuple[str, int] | None = field(default=None, init=False, repr=False, compare=False)
    """The key of the region being rendered and recorded, and the index of its first chunk."""
    _recorded_here: list[tuple[str, int, int]] = field(default_factory=list, init=False, repr=False,
                                                       compare=False)
    """The regions this document recorded: key, index of the first chunk, index after the last."""

    # --- styles -------------------------------------------------------------------------------------------

    def style_id(self, name: str, kind: str = "paragraph") -> str:
        """Return the id of the template's style `name`; KeyError names a style the template lacks."""
        try:
            return self.template.style_ids[(kind, name)]
        except KeyError:
            raise KeyError(f"le modèle n'a pas de style « {name} »") from None

    def has_style(self, name: str, kind: str = "paragraph") -> bool:
        return (kind, name) in self.template.style_ids

    # --- content ------------------------------------------------------------------------------------------

    def fragment(self, blocks: Iterable[Block], source: str | None = None) -> Fragment:
        """Return the WordprocessingML of paragraphs; each numbered list of them starts again at 1. With
        `source` (a content file's path), they are held by its hidden source mark (`marks.marked`)."""
        if self._calls is not None:
            blocks = tuple(blocks)
        num_ids: dict[int, int] = {}
        notes: dict[str, int] = {}  # the footnotes called in this fragment: key → id
        out = []
        for block in blocks:
            style_id = self.style_id(block.style)
            numbering = ""
            if block.numbered_list is not None:
                if block.numbered_list not in num_ids:
                    num_ids[block.numbered_list] = self._restart_numbering(style_id, block.style)
                numbering = f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_ids[block.numbered_list]}"/></w:numPr>'
            keeps = ("<w:keepNext/>" if block.keep_with_next else "") + ("<w:keepLines/>" if block.keep_lines else "")
            out.append(f'<w:p><w:pPr><w:pStyle w:val="{xml_attribute(style_id)}"/>{keeps}{numbering}</w:pPr>')
            out += [self._inline(inline) if inline.footnote is None else self._footnote_call(inline, notes)
                    for inline in block.inlines]
            out.append("</w:p>")
            toc = self.template.toc
            if toc is not None and style_id in toc.levels_by_style:
                self._add_toc_entry(toc.levels_by_style[style_id], "".join(i.text for i in block.inlines))
        xml = "".join(out)
        if source:
            rank = self.marked_sources[source] = self.marked_sources.get(source, 0) + 1
            xml = marked(xml, source, rank)
        fragment = Fragment(xml, self.template.namespaces or Fragment.namespaces)
        if self._calls is not None:
            self._calls.append(("fragment", (blocks, source), fragment.xml))
        return fragment

    def _inline(self, inline: Inline) -> str:
        if inline.is_line_break:
            return "<w:r><w:br/></w:r>"
        if inline.image is not None:
            if self.image_loader is None:
                raise ValueError(f"l'image « {inline.image} » ne peut pas être insérée ici")
            data, name = self.image_loader(inline.image)
            return (f"<w:r><w:drawing>{self.picture(data, name=name, description=inline.text, fit_text_width=True)}"
                    "</w:drawing></w:r>")
        if inline.url is not None:
            rel_id = self._hyperlink(inline.url)
            return (f'<w:hyperlink r:id="{rel_id}" w:history="1">'
                    f'{_prose_run(inline.text, self.style_id("Hyperlink", "character"))}</w:hyperlink>')
        if not inline.styles:
            return _prose_run(inline.text)
        # Word allows one character style per run: the innermost style is applied, and the emphasis the author
        # asked for around it (bold around italics, say) is kept as the run's bold or italic toggle.
        return _prose_run(inline.text, self.style_id(inline.styles[-1], "character"),
                    bold="Strong" in inline.styles[:-1], italic="Emphasis" in inline.styles[:-1])

    def _footnote_call(self, inline: Inline, notes: dict[str, int]) -> str:
        """Return the call of a footnote: a new note of the document, or, when the fragment called the same note
        before, a reference to that note's number (a NOTEREF field: Word numbers notes itself)."""
        reference = self.style_id(inline.styles[-1], "character")
        known = notes.get(inline.footnote_key or "")
        if known is not None or not inline.footnote:
            if known is None:
                raise ValueError(f"la note « {inline.footnote_key} » est appelée mais jamais écrite")
            number = known - self.template.next_footnote_id + 1
            style = f'<w:rPr><w:rStyle w:val="{xml_attribute(reference)}"/></w:rPr>'
            return (f'{_field_run("begin")}<w:r><w:instrText xml:space="preserve"> NOTEREF {FOOTNOTE_BOOKMARK}'
                    f'{known} \\f \\h </w:instrText></w:r>{_field_run("separate")}<w:r>{style}<w:t>{number}</w:t>'
                    f'</w:r>{_field_run("end")}')
        note_id = self.template.next_footnote_id + len(self.footnotes)
        notes[inline.footnote_key or ""] = note_id
        style = f'<w:rPr><w:rStyle w:val="{xml_attribute(reference)}"/></w:rPr>'
        paragraphs = []
        for index, block in enumerate(inline.footnote):
            mark = f"<w:r>{style}<w:footnoteRef/></w:r>{_run(' ')}" if index == 0 else ""
            paragraphs.append(f'<w:p><w:pPr><w:pStyle w:val="{xml_attribute(self.style_id(block.style))}"/></w:pPr>'
                              f'{mark}{"".join(self._inline(i) for i in block.inlines)}</w:p>')
        self.footnotes.append(f'<w:footnote w:id="{note_id}">{"".join(paragraphs)}</w:footnote>')
        bookmark = FOOTNOTE_BOOKMARK_IDS + note_id
        return (f'<w:bookmarkStart w:id="{bookmark}" w:name="{FOOTNOTE_BOOKMARK}{note_id}"/><w:r>{style}'
                f'<w:footnoteReference w:id="{note_id}"/></w:r><w:bookmarkEnd w:id="{bookmark}"/>')

    def picture(self, image: bytes, width: int | None = None, height: int | None = None, name: str = "",
                description: str = "", fit_text_width: bool = False) -> str:
        """Return the `wp:inline` element (with its namespace declarations) of a picture in the part being
        rendered: its bytes added to the document once, a relationship of the part to them. `width` and `height`
        in EMU (one of them: the other keeps the proportions; neither: the image's own size); with
        `fit_text_width`, a picture wider than the text is scaled down to the text's width. ValueError names an
        image python-docx cannot read."""
        # imported here: a build of unchanged contracts imports this module, and nothing of python-docx
        from docx.image.exceptions import UnrecognizedImageError
        from docx.image.image import Image
        from docx.oxml.shape import CT_Inline

        try:
            picture = Image.from_blob(image)
        except (UnrecognizedImageError, ValueError, struct.error) as exc:
            raise ValueError(f"image illisible « {name or 'sans nom'} » ({type(exc).__name__})") from None
        cx, cy = picture.scaled_dimensions(width, height)
        if fit_text_width and self.template.text_width and cx > self.template.text_width:
            cx, cy = self.template.text_width, int(cy * self.template.text_width / cx)
        digest = hashlib.sha1(image).hexdigest()[:16]
        media = f"word/media/paraphe-{digest}.{picture.ext}"
        self.media.setdefault(media, (picture.content_type, image))
        rel_id = self._next_rel_id(self.part)
        self.pictures.append((self.part, rel_id, media))
        # the body's drawings are numbered again once rendered; a header's keep ids above the body's
        shape_id = len(self.pictures) + (0 if self.part == DOCUMENT_PART else _HEADER_SHAPE_IDS)
        inline = CT_Inline.new_pic_inline(shape_id, rel_id, name or f"image.{picture.ext}", cx, cy)
        if description:
            inline.docPr.set("descr", description)
        return etree.tostring(inline, encoding="unicode")

    def _next_rel_id(self, part: str) -> str:
        """Return the next relationship id free in `part` (hyperlinks and pictures share the document's)."""
        used = sum(1 for owner, _, _ in self.pictures if owner == part)
        if part == DOCUMENT_PART:
            return f"rId{self.template.next_rel_id + len(self.hyperlinks) + used}"
        return f"rId{self.template.next_rel_ids.get(part, 1) + used}"

    def _restart_numbering(self, style_id: str, style_name: str) -> int:
        abstract_id = self.template.list_abstract_ids.get(style_id)
        if abstract_id is None:
            raise ValueError(f"le style « {style_name} » n'a pas de numérotation")
        num_id = self.template.next_num_id + len(self.new_nums)
        self.new_nums.append((num_id, abstract_id))
        return num_id

    def _hyperlink(self, url: str) -> str:
        for rel_id, known in self.hyperlinks:
            if known == url:
                return rel_id
        rel_id = self._next_rel_id(DOCUMENT_PART)
        self.hyperlinks.append((rel_id, url))
        return rel_id

    # --- what the template's own paragraphs ask for -------------------------------------------------------

    def capture(self, xml: str, what: str, *args) -> str:
        """Return rendered template XML after the treatment `what` the template compiler asked for.

        "titre" records a heading for the sommaire; "sommaire" marks where the table of contents goes. A table
        in Paraphe's table style ("tableau", with the width of its page's text and the text sizes of its
        paragraph styles, see `TableFitting`, and the height of its page's text) is read back, its columns
        fitted to its rows and its text (`fit_tables`) and its rows kept together as `flow.keep_table_rows`
        says. Another table whose cells come from `{%tc %}` tags ("fin-tableau", with its column
        widths) gets its grid fitted to its widest row, as docxtpl does, counted from the marks of its rows and
        columns (`table_mark`); one whose spans are computed ("grille-calculee") is read back instead.
        """
        result = self._treated(xml, what, *args)
        if self._calls is not None and what not in _TREATMENTS_OF_ARGUMENTS_ONLY:
            self._calls.append(("capture", (xml, what, *args), result))
        return result

    def _treated(self, xml: str, what: str, *args) -> str:
        if what == "titre":
            self._add_toc_entry(int(args[0]), "".join(self._parse(xml).itertext(f"{_W}t")))
            return xml
        if what == "tableau":
            from .flow import keep_table_rows  # (the page flow module measures text as this one does)

            fitting = TableFitting.parse(args[0])
            fitted = fit_table_text(xml, fitting)
            fitted = fitted if fitted is not None else fit_tables(self._parse(xml), fitting)
            return keep_table_rows(fitted, fitting, int(args[1]) if len(args) > 1 else None)
        if what == "fin-tableau":
            head, *rows = xml.split(ROW_MARK)
            widths = fitted_widths(tuple(args[0].split()),
                                   max((row.count(COLUMN_MARK) for row in rows), default=0))
            grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
            return "".join([head, *rows]).replace(COLUMN_MARK, "").replace(GRID_MARK, grid, 1)
        if what == "grille-calculee":
            return fit_table_grids(self._parse(xml))
        if what == "sommaire":
            self.has_sommaire = True
            return SOMMAIRE_MARK
        raise ValueError(f"traitement inconnu « {what} »")

    # --- regions rendered once for all the documents of a contract ---------------------------------------

    def encoded_body(self, pieces: Iterable[str]) -> bytes:
        """Return the body Jinja renders (`pieces`, as it yields them) in UTF-8, encoded by chunks of some 64 000
        characters, with the regions another document of the contract rendered taken from it, and the regions
        it renders first recorded for the others (`region_start`, which the body's pieces call) as stretches of
        the body returned."""
        self._chunks, self._pending, self._pending_size, self._recorded_here = [], [], 0, []
        for piece in pieces:
            self._pending.append(piece)
            self._pending_size += len(piece)
            if self._pending_size >= _CHUNK_CHARACTERS:
                self._encode_pending()
        self._encode_pending()
        chunks, self._chunks = self._chunks, []
        body = b"".join(chunks)
        if self._recorded_here:  # the regions kept as stretches of the body: their chunks are let go
            offsets = [0]
            for chunk in chunks:
                offsets.append(offsets[-1] + len(chunk))
            view = memoryview(body)
            for key, start, end in self._recorded_here:
                region = self.shared_regions.recorded[key]
                self.shared_regions.recorded[key] = RecordedRegion((view[offsets[start]:offsets[end]],), region.calls)
            self._recorded_here = []
        if self.shared_regions is not None and self.shared_regions.last:
            self.shared_regions.recorded.clear()
        if len(body) >= _LARGE_BODY:
            del chunks
            return_freed_memory()
        return body

    def _encode_pending(self) -> None:
        if self._pending:
            self._chunks.append("".join(self._pending).encode("utf-8"))
            self._pending, self._pending_size = [], 0

    def region_start(self, key: str) -> bool:
        """Start a region of the template (a stretch of the body holding a loop, marked by the template
        compiler, `{% if _region(key) %}…{% endif %}`): return whether the body renders it, or False when it
        takes it as another document of the contract rendered it.

        A region's text is the same in every template that holds it (its key is its hash), and so is what it
        prints for the same content, except what the writer gives: prose written with the template's style ids
        and with numbered lists and links numbered in the document, and the sommaire's entries. So the first
        document to render a region records its XML (`region_end`) and the writer's calls made meanwhile (but
        the treatments whose result depends on their arguments only: a table's grid); another replays them on
        its own writer, in their order, and takes the recorded XML when every call gives what it gave the first
        (same style ids, no list or link numbered otherwise), or renders the region itself, with the replay
        undone. The region's pieces reach the body as Jinja yields them: a region is never held whole as text.
        """
        if self.shared_regions is None:
            return True
        self._encode_pending()
        recorded = self.shared_regions.recorded.get(key)
        if recorded is not None:
            if not self._replays(recorded):
                return True
            self._chunks += recorded.chunks
            return False
        self._calls, self._recording = [], (key, len(self._chunks))
        return True

    def region_end(self, key: str) -> None:
        """End the region `region_start` started: record what the body rendered of it, when it records it."""
        if self._recording is None or self._recording[0] != key:
            return
        self._encode_pending()
        start = self._recording[1]
        self.shared_regions.recorded[key] = RecordedRegion(tuple(self._chunks[start:]), tuple(self._calls))
        self._recorded_here.append((key, start, len(self._chunks)))
        self._calls = self._recording = None

    def _replays(self, recorded: RecordedRegion) -> bool:
        """Make the recorded calls; tell whether each gave what it gave when recorded, else undo them all."""
        state = (len(self.new_nums), len(self.hyperlinks), len(self.toc_entries), self.has_sommaire,
                 len(self.pictures), dict(self.media), dict(self.marked_sources), len(self.footnotes))
        for method, args, result in recorded.calls:
            given = self.fragment(*args).xml if method == "fragment" else self.capture(*args)
            if given != result:
                del self.new_nums[state[0]:], self.hyperlinks[state[1]:], self.toc_entries[state[2]:]
                del self.pictures[state[4]:], self.footnotes[state[7]:]
                self.has_sommaire, self.media, self.marked_sources = state[3], state[5], state[6]
                return False
        return True

    def _parse(self, xml: str):
        return parse_body(xml, self.template.namespaces)

    def _add_toc_entry(self, level: int, title: str) -> None:
        title = title.strip()
        if title:
            self.toc_entries.append((level, title))

    def read_toc_entries(self, body: str) -> None:
        """Take the sommaire's entries from a rendered body: its paragraphs in a style the sommaire lists."""
        self.toc_entries = []
        for p in parse_body(body, self.template.namespaces).iter(f"{_W}p"):
            level = heading_level(p, self.template.toc)
            if level is not None:
                self._add_toc_entry(level, "".join(p.itertext(f"{_W}t")))

    def bookmark_headings(self, body: bytes) -> list[tuple[int, int] | bytes]:
        """Return a rendered body (UTF-8) with a bookmark on each heading the sommaire lists, as the stretches of
        `body` it keeps (start, end) and the bytes it puts between them; take the sommaire's entries from those
        headings, in their order (the bookmarks' names: `SOMMAIRE_BOOKMARK` and the rank). The body stays bytes:
        a CRTE's is a megabyte, which decoding and encoding again would cost more than finding its fifty
        headings, and is not copied: the finished part is joined once (`template._with_superscripts`)."""
        levels = self.template.toc.levels_by_style
        self.toc_entries = []
        out: list[tuple[int, int] | bytes] = []
        start = 0
        for style in _heading_style(tuple(levels)).finditer(body):
            properties_end = body.find(b"</w:pPr>", style.end()) + len(b"</w:pPr>")
            paragraph_end = body.find(b"</w:p>", properties_end)  # a heading holds no paragraph of its own
            if properties_end < start or paragraph_end < 0:
                continue
            content = body[properties_end:paragraph_end]
            title = html.unescape(b"".join(_TEXT_ELEMENT.findall(content)).decode("utf-8")).strip()
            if not title:
                continue
            rank = len(self.toc_entries)
            self.toc_entries.append((levels[style.group(1).decode()], title))
            out += [(start, properties_end),
                    f'<w:bookmarkStart w:id="{rank}" w:name="{SOMMAIRE_BOOKMARK}{rank + 1:08}"/>'.encode(),
                    (properties_end, paragraph_end), f'<w:bookmarkEnd w:id="{rank}"/>'.encode()]
            start = paragraph_end
        out.append((start, len(body)))
        return out

    def sommaire(self) -> str:
        """Return the table of contents filled with the headings met, as Word would fill it: the field's
        paragraph holds the first entry, each further entry is a paragraph, the field ends on the last one.
        Each entry links to its heading's bookmark (`bookmark_headings`); its page number is written once the
        document is laid out (`wordml.pagination`), else Word recomputes it when it opens the document."""
        toc = self.template.toc
        begin = (_field_run("begin") + '<w:r><w:instrText xml:space="preserve">'
                 f"{xml_text(toc.instruction)}</w:instrText></w:r>" + _field_run("separate"))
        if not self.toc_entries:
            return f"<w:p>{toc.paragraph_properties}{begin}{_field_run('end')}</w:p>"
        out = []
        last = len(self.toc_entries) - 1
        for index, (level, title) in enumerate(self.toc_entries):
            out.append(f'<w:p><w:pPr><w:pStyle w:val="{xml_attribute(toc.entry_styles[level])}"/></w:pPr>'
                       f'{begin if index == 0 else ""}'
                       f'<w:hyperlink w:anchor="{SOMMAIRE_BOOKMARK}{index + 1:08}" w:history="1">{_run(title)}'
                       f'</w:hyperlink>{_field_run("end") if index == last else ""}</w:p>')
        return "".join(out)


def fit_table_grids(body) -> str:
    """Return the XML of the tables held by `body` with each grid fitted to its widest row (see
    `fitted_widths`); nested tables are fitted to their own rows."""
    for table in body.iter(_TBL):
        _fit_grid(table)
    # Serialized whole, the namespaces are declared once, on the wrapper, and the children are what it holds.
    xml = etree.tostring(body, encoding="unicode")
    return xml[xml.index(">") + 1 : xml.rindex("</")]


def _row_width(row) -> int:
    return sum(int(span.get(_VAL)) if (span := cell.find(_SPAN)) is not None else 1
               for cell in row.iterchildren(_TC))


def fitted_widths(widths: tuple[str, ...], widest: int) -> tuple[str, ...]:
    """Return the grid column widths for a table whose widest row spans `widest` columns (cells counted with
    their spans): columns added, all scaled to keep the table's width; or removed, their width shared by the
    others. docxtpl fits its `{%tc %}` tables the same way, but counts added columns without the spans."""
    values = [float(w or 0) for w in widths]
    if widest > len(widths) and widths:
        total = sum(values)
        return tuple(str(int(v * len(widths) / widest)) for v in values) + \
            (str(int(total / widest)),) * (widest - len(widths))
    if 0 < widest < len(widths):
        extra = int(sum(values[widest:]) / widest)
        return tuple(str(int(v + extra)) for v in values[:widest])
    return widths


def _fit_grid(table) -> None:
    grid = table.find(_GRID)
    if grid is None:
        return
    columns = grid.findall(_GRID_COL)
    widths = fitted_widths(tuple(c.get(_WIDTH) or "0" for c in columns),
                           max((_row_width(row) for row in table.iterchildren(_TR)), default=0))
    for column in columns:
        grid.remove(column)
    for width in widths:
        etree.SubElement(grid, _GRID_COL, {_WIDTH: width})


@dataclass(frozen=True)
class TableFitting:
    """What fitting a table's columns needs from its template: the width of the text of its page (twips) and,
    per paragraph style its cells use, the size of its text (half-points) and whether it is bold."""

    text_width: int
    sizes: tuple[tuple[str, int, bool], ...] = ()
    """(style id, size in half-points, bold); the first entry is the size of a paragraph without a style."""

    def __str__(self) -> str:
        return " ".join([str(self.text_width), *(f"{style}:{size}:{int(bold)}" for style, size, bold in self.sizes)])

    @classmethod
    @lru_cache(maxsize=256)
    def parse(cls, text: str) -> "TableFitting":
        """Return the fitting written by `str()` (a compiled template's capture argument)."""
        width, *sizes = text.split()
        return cls(int(width), tuple((style, int(size), bold == "1")
                                     for style, size, bold in (entry.rsplit(":", 2) for entry in sizes)))

    _by_style: dict = field(init=False, repr=False, compare=False, hash=False)
    """(half-points, bold) by style id, the first entry of a style in `sizes` winning."""
    _unstyled: tuple[int, bool] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_style", {style: (size, bold) for style, size, bold in reversed(self.sizes)})
        object.__setattr__(self, "_unstyled", (self.sizes[0][1], self.sizes[0][2]) if self.sizes else (22, False))

    def size_of(self, style_id: str | None) -> tuple[int, bool]:
        """Return (half-points, bold) of a paragraph style, or of a paragraph without one."""
        return self._by_style.get(style_id, self._unstyled)


# Advance widths of characters, in thousandths of an em, by class: measured on Carlito (metric-compatible with
# Calibri) and rounded up, the widest of each class weighing in (a column fitted to them never breaks a word).
_NARROW, _WIDE = frozenset("fijlrtI.,;:'’!|()[]-/ "), frozenset("mwMWŒœÆæ@%")
_SPACES = frozenset(" \u00a0\u202f\t")
_SAFETY = 1.04
"""Room left for what the estimate misses (kerning, a substituted font a little wider)."""
_DEFAULT_CELL_MARGIN = 108
"""Word's left and right cell margins when the table gives none (twips)."""


def _char_width(char: str) -> int:
    """Return the estimated advance width of a character in thousandths of an em, by its class."""
    if char == ADDRESS_BREAK:
        return 0
    if char in _SPACES:
        return 230
    if char in _NARROW:
        return 300
    if char in _WIDE:
        return 850
    if char.isdigit():
        return 510
    if char.isupper():
        return 600
    return 500


class _CharWidths(dict):
    """The width of each character met so far (`_char_width`): a text's width is then a sum of lookups."""

    def __missing__(self, char: str) -> int:
        width = self[char] = _char_width(char)
        return width


_CHAR_WIDTHS = _CharWidths()


@text_cache(maxsize=8192)
def _text_width(text: str, half_points: int, bold: bool) -> int:
    """Return the estimated width of a line of text in twips (a twentieth of a point)."""
    thousandths = sum(map(_CHAR_WIDTHS.__getitem__, text))
    return int(thousandths * half_points * 10 / 1000 * (1.04 if bold else 1) * _SAFETY) + 1


_BREAKS = re.compile(r"[ \t\u200b]+|(?<=-)")
"""Where a line of a cell may break: at a space (not a no-break one), a zero-width space, after a hyphen."""

ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)[^\s<>«»\"]*[^\s<>«»\".,;:!?)]")
"""An e-mail address or a web address, as a cell prints it."""

_ADDRESS_BREAKS = re.compile(r"(?<=@)|(?<=//)|(?<=\w)(?=\.)|(?<=\w)(?=/)")
"""Where an address may break when its column is narrower than it: after « @ » and « // », before a dot or a
slash (the line then ends on a whole part, the next one starts with the sign that says it goes on)."""

ADDRESS_BREAK = "\u200b"
"""The break opportunity given to an address: a zero-width space. LibreOffice and Word break a line there and
print nothing; it does not reach the text of the PDF (which a reader copies), and the link keeps its target."""


def with_address_breaks(text: str) -> str:
    """Return the text with a break opportunity at each of its addresses' breaking points."""
    return ADDRESS.sub(lambda match: _ADDRESS_BREAKS.sub(ADDRESS_BREAK, match.group()), text) \
        if ("@" in text or "://" in text or "www." in text) else text


class CellNeeds(NamedTuple):
    """What a cell's text needs from its column (twips, text only, never negative): its longest word (an address
    whole), its longest paragraph, its longest word when addresses may break, and its longest amount or number
    (which never breaks). A tuple: made for each distinct line, and a column's needs are its cells' transposed."""

    word: int = 0
    line: int = 0
    piece: int = 0
    amount: int = 0

    def __or__(self, other: "CellNeeds") -> "CellNeeds":
        return CellNeeds(max(self.word, other.word), max(self.line, other.line), max(self.piece, other.piece),
                         max(self.amount, other.amount))


@text_cache(maxsize=8192)
def _line_needs(line: str, size: int, bold: bool) -> CellNeeds:
    """Return the needs of one line of a cell's text (see `CellNeeds`)."""
    may_hold_address = "@" in line or "://" in line or "www." in line  # what `ADDRESS` needs to match
    if not may_hold_address and _ONE_WORD.fullmatch(line):  # a word, an amount: the line is its only token
        width = _text_width(line, size, bold)
        return CellNeeds(width, width, width, width if line[0].isdigit() else 0)
    word = piece = amount = 0
    for token in _BREAKS.split(line):
        if not token:
            continue
        width = _text_width(token, size, bold)
        word = max(word, width)
        if token[0].isdigit():
            amount = max(amount, width)
        if may_hold_address and ADDRESS.search(token):
            width = max(_text_width(part, size, bold) for part in _BREAKS.split(with_address_breaks(token)) if part)
        piece = max(piece, width)
    return CellNeeds(word, _text_width(line, size, bold), piece, amount)


_ONE_WORD = re.compile(r"[^ \t\u200b-]+")
"""A line `_BREAKS` does not split."""


def _cell_measures(cell, fitting: TableFitting) -> CellNeeds:
    """Return the needs of a cell's text (see `CellNeeds`)."""
    needs = CellNeeds()
    for paragraph in cell.iterchildren(f"{_W}p"):
        style = paragraph.find(_STYLE)
        size, bold = fitting.size_of(style.get(_VAL) if style is not None else None)
        text = "".join(e.text or "" if e.tag == f"{_W}t" else "\n" if e.tag == f"{_W}br" else " "
                       for e in paragraph.iter(f"{_W}t", f"{_W}br", f"{_W}tab"))
        for line in text.split("\n"):
            if line.strip():
                needs |= _line_needs(line.strip(), size, bold)
    return needs


def _cell_margins(table) -> int:
    margins = table.find(f"{_W}tblPr/{_W}tblCellMar")
    total = 0
    for sides in (("left", "start"), ("right", "end")):
        edge = None if margins is None else next(
            (e for side in sides if (e := margins.find(f"{_W}{side}")) is not None), None)
        total += int(edge.get(_WIDTH) or 0) if edge is not None else _DEFAULT_CELL_MARGIN
    return total


def fitted_column_widths(minimums: list[int], wishes: list[int], width: int, pieces: list[int] | None = None,
                         amounts: list[int] | None = None) -> list[int]:
    """Return column widths summing to `width`: each column at least as wide as its longest word
    (`minimums`), those whose longest line (`wishes`) is short as wide as it (numbers, dates, codes), the others
    sharing the width left in proportion to the square root of their longest line (a long description gets more
    than a short comment, two signature blocks nearly the same), and what remains once every wish is met in
    proportion to the wishes. When the longest words do not fit, the longest words with their addresses cut at
    their breaking points (`pieces`) stand for them; when even these do not fit, every column keeps the room
    of its longest amount (`amounts`: an amount never breaks) and the rest of the minimums are scaled down to
    the width left."""
    count = len(minimums)
    if not count:
        return []
    if pieces is not None and sum(minimums) >= width:
        minimums = list(pieces)
    wishes = [max(w, m, 1) for w, m in zip(wishes, minimums)]
    if sum(minimums) >= width:
        rigid = [min(a, m) for a, m in zip(amounts, minimums)] if amounts is not None else [0] * count
        if sum(rigid) >= width:
            rigid = [0] * count
        flexible = [m - r for m, r in zip(minimums, rigid)]
        left = width - sum(rigid)
        widths = [r + f * left / sum(flexible) for r, f in zip(rigid, flexible)] if sum(flexible) else \
            [width / count] * count
    else:
        weights = [w ** 0.5 for w in wishes]
        widths = [0.0] * count
        open_columns, left = set(range(count)), float(width)
        while open_columns:
            weight = sum(weights[c] for c in open_columns)
            share = {c: left * weights[c] / weight for c in open_columns}
            settled = {c for c in open_columns if wishes[c] <= share[c]} or \
                {c for c in open_columns if minimums[c] > share[c]}
            if not settled:
                for c in open_columns:
                    widths[c] = share[c]
                break
            for c in settled:
                widths[c] = wishes[c] if wishes[c] <= share[c] else minimums[c]
                left -= widths[c]
            open_columns -= settled
        spare = width - sum(widths)
        if spare > 0:
            widths = [w + spare * wish / sum(wishes) for w, wish in zip(widths, wishes)]
    rounded = [int(w) for w in widths]
    rounded[-1] += width - sum(rounded)
    return rounded


@dataclass
class ColumnNeeds:
    """What each column of a table needs (twips, with the cells' margins): see `CellNeeds`; a column without
    any amount needs no room for one."""

    minimums: list[int]
    wishes: list[int]
    pieces: list[int]
    amounts: list[int]

    def widths(self, width: int) -> list[int]:
        """Return the columns' widths within `width` (see `fitted_column_widths`)."""
        return fitted_column_widths(self.minimums, self.wishes, width, self.pieces, self.amounts)


def _column_needs(rows, count: int, margins: int, measure) -> ColumnNeeds:
    """Return what each of `count` columns needs (see `ColumnNeeds`), in twips with the cells' `margins`, from
    `rows` of (cell, columns spanned); `measure(cell)` gives a cell's `CellNeeds`. A merged cell's longest word
    is spread over the columns it spans."""
    single: list[list[CellNeeds]] = [[] for _ in range(count)]  # the cells of each column that span only it
    spanning = []
    for row in rows:
        column = 0
        for cell, span in row:
            if span == 1:
                if column < count:
                    single[column].append(measure(cell))
            elif span > 1:
                cell_needs = measure(cell)
                spanning.append((column, span, cell_needs.word + margins, cell_needs.piece + margins))
            column += span
    needs = ColumnNeeds(  # a column without a cell of its own, or without an amount, needs nothing for them
        [max(0, max([n.word for n in cells]) + margins) if cells else 0 for cells in single],
        [max(0, max([n.line for n in cells]) + margins) if cells else 0 for cells in single],
        [max(0, max([n.piece for n in cells]) + margins) if cells else 0 for cells in single],
        [max(0, max(amounts) + margins) if (amounts := [n.amount for n in cells if n.amount]) else 0
         for cells in single])
    for column, span, word, piece in spanning:
        for wanted, columns in ((word, needs.minimums), (piece, needs.pieces)):
            covered = columns[column : column + span]
            if sum(covered) < wanted:
                for c in range(column, min(column + span, count)):
                    columns[c] += (wanted - sum(covered)) // len(covered) + 1
    return needs


def _needs_address_breaks(needs: CellNeeds, width: int) -> bool:
    """Tell whether a cell `width` twips wide for its text is too narrow for one of its addresses whole."""
    return needs.piece < needs.word and needs.word > width


def _fit_table(table, width: int, fitting: TableFitting) -> None:
    """Fit a table's grid and cell widths to its text within `width` twips (see `fitted_column_widths`), then
    the tables its cells hold to their cells. An address wider than its cell gets its break opportunities
    (`with_address_breaks`): a line breaks there rather than in the middle of a word."""
    rows = [[(cell, int(span.get(_VAL)) if (span := cell.find(_SPAN)) is not None else 1)
             for cell in row.iterchildren(_TC)] for row in table.iterchildren(_TR)]
    count = max((sum(span for _, span in row) for row in rows), default=0)
    if not count:
        return
    margins = _cell_margins(table) + 30  # and the borders
    measures = {cell: _cell_measures(cell, fitting) for row in rows for cell, _ in row}
    widths = _column_needs(rows, count, margins, measures.__getitem__).widths(width)
    grid = table.find(_GRID)
    if grid is None:
        grid = etree.Element(_GRID)
        table.find(f"{_W}tblPr").addnext(grid)
    for column in list(grid):
        grid.remove(column)
    for value in widths:
        etree.SubElement(grid, _GRID_COL, {_WIDTH: str(value)})
    _set_table_width(table, width)
    for row in rows:
        column = 0
        for cell, span in row:
            cell_width = sum(widths[column : column + span])
            _set_cell_width(cell, cell_width)
            column += span
            if _needs_address_breaks(measures[cell], cell_width - margins):
                for text in cell.iter(f"{_W}t"):
                    if text.text:
                        text.text = with_address_breaks(text.text)
            for nested in cell.iterchildren(_TBL):
                _fit_table(nested, max(cell_width - margins, 0), fitting)


_TBL_PR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
                 "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar",
                 "tblLook", "tblCaption", "tblDescription")


def _child_in_order(parent, name: str, order: tuple[str, ...]):
    """Return the child `name` of `parent`, made and put in the schema's `order` when missing."""
    child = parent.find(f"{_W}{name}")
    if child is None:
        child = etree.Element(f"{_W}{name}")
        rank = order.index(name)
        successor = next((c for c in parent if etree.QName(c).localname in order[rank + 1:]), None)
        if successor is None:
            parent.append(child)
        else:
            successor.addprevious(child)
    return child


def _set_table_width(table, width: int) -> None:
    """Give a table its width and a fixed layout: the grid is the table's, not recomputed from its text."""
    properties = table.find(f"{_W}tblPr")
    if properties is None:
        properties = etree.Element(f"{_W}tblPr")
        table.insert(0, properties)
    table_width = _child_in_order(properties, "tblW", _TBL_PR_ORDER)
    table_width.set(_WIDTH, str(width))
    table_width.set(f"{_W}type", "dxa")
    _child_in_order(properties, "tblLayout", _TBL_PR_ORDER).set(f"{_W}type", "fixed")


def _set_cell_width(cell, width: int) -> None:
    properties = cell.find(f"{_W}tcPr")
    if properties is None:
        properties = etree.Element(f"{_W}tcPr")
        cell.insert(0, properties)
    cell_width = properties.find(f"{_W}tcW")
    if cell_width is None:
        cell_width = etree.Element(f"{_W}tcW")
        properties.insert(1 if len(properties) and properties[0].tag == f"{_W}cnfStyle" else 0, cell_width)
    cell_width.set(_WIDTH, str(width))
    cell_width.set(f"{_W}type", "dxa")


def fit_tables(body, fitting: TableFitting) -> str:
    """Return the XML of the tables held by `body`, each with its columns fitted to its text within the width
    of the page's text (`fitting`), the tables nested in its cells fitted to their cells."""
    for table in body.iterchildren(_TBL):
        _fit_table(table, fitting.text_width, fitting)
    # Serialized whole, the namespaces are declared once, on the wrapper, and the children are what it holds.
    xml = etree.tostring(body, encoding="unicode")
    return xml[xml.index(">") + 1 : xml.rindex("</")]


# --- The same fitting on the text of a table, without parsing it ---------------------------------------------
# A table as a template writes it (no table nested in a cell, a width on every cell) is fitted on its text: a
# CRTE renders some 220 tables, and parsing and serializing each one took ten times the rest of its render.

_TEXT_SPAN = re.compile(r'<w:gridSpan w:val="(\d+)"/>')
_TEXT_PARAGRAPH = re.compile(r"<w:p(?:(?:>| [^>]*[^/]>)(?:[^<]++|<(?!/w:p>))*+</w:p>|(?: [^>]*)?/>)")
"""A paragraph, up to its first end tag, or an empty one (the common start first: the engine searches for it)."""
_TEXT_STYLE = re.compile(r'<w:pStyle w:val="([^"]*)"/>')
_TEXT_RUN_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:(br|tab)\b[^>]*/>")
_TEXT_CELL_WIDTH = re.compile(r"<w:tcW [^>]*/>")
_TEXT_TABLE_WIDTH = re.compile(r"<w:tblW [^>]*/>")
_TEXT_LAYOUT = re.compile(r"<w:tblLayout [^>]*/>")
_TEXT_AFTER_LAYOUT = re.compile(r"<w:tblCellMar\b|<w:tblLook\b|<w:tblCaption\b|<w:tblDescription\b|</w:tblPr>")
_TEXT_GRID = re.compile(r"<w:tblGrid>.*?</w:tblGrid>|<w:tblGrid/>", re.S)
_TEXT_CELL_MARGIN = re.compile(r'<w:tblCellMar>.*?</w:tblCellMar>', re.S)
_TEXT_MARGIN_SIDE = re.compile(r'<w:(?:left|start|right|end) w:w="(\d+)"')
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}
_ENTITY = re.compile("|".join(_ENTITIES))


def cell_paragraphs(cell: str) -> Iterator[tuple[str | None, str]]:
    """Yield the style id (None for the default) and the text of each paragraph of a table cell's XML: a line
    break as « \\n », a tab as a space, entities decoded."""
    for paragraph in _TEXT_PARAGRAPH.findall(cell):
        style = _TEXT_STYLE.search(paragraph)
        runs = _TEXT_RUN_TEXT.findall(paragraph)  # (text, "") or ("", "br" or "tab")
        text = runs[0][0] if len(runs) == 1 and not runs[0][1] else \
            "".join([text if not kind else "\n" if kind == "br" else " " for text, kind in runs])
        if "&" in text:
            text = _ENTITY.sub(lambda match: _ENTITIES[match.group()], text)
        yield (style.group(1) if style else None), text


def cell_texts(cell: str) -> tuple[tuple[str | None, str], ...]:
    """Return `cell_paragraphs` of a table cell's XML, kept per process by what follows the cell's properties: the
    column fitting and the page flow read the same cells, the one before and the other after their widths are
    set."""
    end = cell.find("</w:tcPr>")
    return _cell_texts(cell[end + 9 :] if end >= 0 else cell)


@text_cache(maxsize=16384)
def _cell_texts(content: str) -> tuple[tuple[str | None, str], ...]:
    return tuple(cell_paragraphs(content))


_KNOWN_CELL_NEEDS: dict[TableFitting, dict[str, CellNeeds]] = text_store({})
"""The needs of the cells met, by the XML after their properties, per table fitting (a CRTE's 27 fiches repeat
their header cells, their empty cells, « 0 € »…): a dictionary per fitting, as the page flow keeps its cells'
heights."""


def _text_cell_needs(cell: str, fitting: TableFitting) -> CellNeeds:
    """Return the needs of a cell's text, read from its XML (see `CellNeeds`)."""
    return _paragraphs_needs(cell_texts(cell), fitting)


def _paragraphs_needs(paragraphs: tuple[tuple[str | None, str], ...], fitting: TableFitting) -> CellNeeds:
    """Return the needs of a cell's paragraphs, (style id, text) each (see `CellNeeds`)."""
    if len(paragraphs) == 1 and "\n" not in paragraphs[0][1]:  # a line: a label, an amount, a name
        line = paragraphs[0][1].strip()
        return _line_needs(line, *fitting.size_of(paragraphs[0][0])) if line else CellNeeds()
    lines = [_line_needs(line, size, bold)
             for style, text in paragraphs for size, bold in (fitting.size_of(style),)
             for part in text.split("\n") if (line := part.strip())]
    if len(lines) < 2:
        return lines[0] if lines else CellNeeds()
    return CellNeeds(*map(max, zip(*lines)))


def fit_table_text(xml: str, fitting: TableFitting) -> str | None:
    """Return the XML of a rendered table with its columns fitted as `fit_tables` does, worked out on its text;
    None for a piece of body that is not one table of the usual shape (a table in a cell, a cell without a
    width, a table without its properties), which `fit_tables` treats instead. Kept per contract: a CRTE's
    fiches repeat whole tables (an empty budget, the partners' table of a fiche without partners); a table of
    more than `KEPT_TABLE_CHARACTERS` is not kept."""
    xml = xml.strip()
    if len(xml) > KEPT_TABLE_CHARACTERS:
        return _fitted_table_text.__wrapped__(xml, fitting)
    return _fitted_table_text(xml, fitting)


KEPT_TABLE_CHARACTERS = 1 << 15
"""The largest table whose fitting (and page flow) is kept for the contract's next identical table. The tables a
CRTE's fiches repeat are a few thousand characters; a contract of 1000 fiches has maquette tables of megabytes,
never repeated, which kept for the contract held some 15 MiB at its peak."""


@text_cache(maxsize=2048)
def _fitted_table_text(xml: str, fitting: TableFitting) -> str | None:
    if not (xml.startswith("<w:tbl><w:tblPr>") and xml.endswith("</w:tr></w:tbl>")):
        return None
    head_end = xml.index("<w:tr")
    head = xml[:head_end]
    parsed = [_row_cells(row) for row in xml[head_end : -len("</w:tbl>")].split("</w:tr>")[:-1]]
    if None in parsed or "<w:tbl>" in head[7:] or any(row.nested for row in parsed):  # a table in a cell
        return None
    rows = [row.cells for row in parsed]
    count = max((row.columns for row in parsed), default=0)
    table_width = _TEXT_TABLE_WIDTH.search(head)
    if not count or table_width is None:
        return None
    margins_xml = _TEXT_CELL_MARGIN.search(head) if "<w:tblCellMar>" in head else None
    sides = _TEXT_MARGIN_SIDE.findall(margins_xml.group()) if margins_xml else []
    margins = (sum(map(int, sides)) if len(sides) == 2 else 2 * _DEFAULT_CELL_MARGIN) + 30
    known = _KNOWN_CELL_NEEDS.setdefault(fitting, {})
    if len(known) > 20_000:  # a batch renders many contracts
        known.clear()
    for row in parsed:
        for text in row.texts:
            if text not in known:
                known[text] = _paragraphs_needs(_cell_texts(text), fitting)
    plain = all(row.plain for row in parsed)  # no merged cell: a cell's column is its place in its row
    needs = _plain_column_needs([list(map(known.__getitem__, row.texts)) for row in parsed], count, margins) \
        if plain else _column_needs(rows, count, margins, known.__getitem__)
    widths = needs.widths(fitting.text_width)
    if plain:
        cell_widths = [width for row in parsed for width in widths[: len(row.texts)]]
    else:
        edges = [0]
        for width in widths:
            edges.append(edges[-1] + width)
        cell_widths = [edges[min(column + span, count)] - edges[column] for column, span in _spans(rows)]
    if (any(row.address for row in parsed) or "@" in head or "://" in head or "www." in head) and any(
            _needs_address_breaks(known[text], cell_width - margins)
            for text, cell_width in zip((text for row in parsed for text in row.texts), cell_widths)):
        return None  # an address to break: the tree does it (`_fit_table`)
    head = _TEXT_TABLE_WIDTH.sub(f'<w:tblW w:type="dxa" w:w="{fitting.text_width}"/>', head, count=1)
    layout = '<w:tblLayout w:type="fixed"/>'
    if "<w:tblLayout " in head:
        head = _TEXT_LAYOUT.sub(layout, head, count=1)
    else:
        at = _TEXT_AFTER_LAYOUT.search(head)
        head = head[: at.start()] + layout + head[at.start() :]
    grid = "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
    head, replaced = _TEXT_GRID.subn(grid, head, count=1)
    if not replaced:
        return None
    # each cell's width, the columns it spans, in place of the width it had: the text between the cells' widths
    if all(row.regular for row in parsed):  # row by row, as each row was read: its cells' texts and widths
        tags = list(map(_CELL_WIDTH_TAG.format, cell_widths))
        cells, rows_xml = [], []
        first = 0  # the row's first cell among the table's
        for row in parsed:
            last = first + len(row.texts)
            cells.append(tuple(zip(row.texts, cell_widths[first:last])))
            rows_xml.append(row.pieces[0] + "".join(map(str.__add__, tags[first:last], row.pieces[1:])))
            first = last
        fitted = head + "</w:tr>".join(rows_xml) + "</w:tr></w:tbl>"
        _LAST_FITTED["table"] = (fitted, rows_xml, cells)
        return fitted
    pieces = _TEXT_CELL_WIDTH.split(xml[head_end:])
    if len(pieces) > len(cell_widths) + 1:  # (a width outside the cells: the tree fits it)
        return None
    return "".join([head, pieces[0], *chain.from_iterable(zip(map(_CELL_WIDTH_TAG.format, cell_widths),
                                                              pieces[1:]))])


_CELL_WIDTH_TAG = '<w:tcW w:type="dxa" w:w="{}"/>'


def _plain_column_needs(rows: list[list[CellNeeds]], count: int, margins: int) -> ColumnNeeds:
    """Return `_column_needs` of `rows` of cells none of which spans several columns, given their needs."""
    columns = zip(*rows) if all(len(row) == count for row in rows) else \
        [[row[column] for row in rows if len(row) > column] for column in range(count)]
    needs = ColumnNeeds([], [], [], [])
    for cells in columns:
        if not cells:
            for each in (needs.minimums, needs.wishes, needs.pieces, needs.amounts):
                each.append(0)
            continue
        word, line, piece, amount = map(max, zip(*cells))  # each need's largest in the column
        needs.minimums.append(max(0, word + margins))
        needs.wishes.append(max(0, line + margins))
        needs.pieces.append(max(0, piece + margins))
        needs.amounts.append(max(0, amount + margins) if amount else 0)  # (no cell's amount: none)
    return needs


class _RowCells(NamedTuple):
    """The cells of a table row's XML, as `fit_table_text` reads them (see `_row_cells`)."""

    cells: tuple[tuple[str, int], ...]
    """(the XML after its properties, columns spanned) of each cell."""
    texts: tuple[str, ...]
    columns: int
    """The columns the row spans."""
    plain: bool
    """No cell spans several columns (nor none)."""
    regular: bool
    """Each cell's only width is a `<w:tcW …/>` in its properties, and there is none outside the cells: a cell's
    text and fitted width are then what `fitted_cells` says."""
    pieces: tuple[str, ...]
    """The row's XML around its cells' widths, when it is regular."""
    address: bool
    """The row may hold an address (`ADDRESS` needs « @ », « :// » or « www. »)."""
    nested: bool
    """The row holds a table."""


@text_cache(maxsize=1024)  # a contract's rows repeat within its few hundred distinct ones
def _row_cells(row: str) -> _RowCells | None:
    """Return the cells of a table row's XML; None when a cell has no width (or no plain start tag)."""
    cells = []
    regular = True
    for cell in row.split("</w:tc>")[:-1]:
        if "<w:tcW " not in cell or "<w:tc>" not in cell:
            return None
        span = _TEXT_SPAN.search(cell) if "<w:gridSpan " in cell else None
        start = cell.index("<w:tc>") + 6
        end = cell.find("</w:tcPr>", start)
        at = cell.find("<w:tcW ")
        regular = regular and start <= at < end and cell.find("</w:tcPr>") == end and \
            cell.find("<w:tcW ", at + 1) < 0 and _TEXT_CELL_WIDTH.match(cell, at) is not None
        cells.append((cell[end + 9 :] if end >= 0 else cell[start:], int(span.group(1)) if span else 1))
    spans = [span for _, span in cells]
    regular = regular and row.count("<w:tcW ") == len(cells)
    return _RowCells(tuple(cells), tuple(text for text, _ in cells), sum(spans), all(span == 1 for span in spans),
                     regular, tuple(_TEXT_CELL_WIDTH.split(row)) if regular else (),
                     "@" in row or "://" in row or "www." in row, "<w:tbl>" in row)


_LAST_FITTED: dict[str, tuple[str, list[str], list[tuple[tuple[str, int], ...]]]] = text_store({})
"""The last table `fit_table_text` wrote row by row ("table"): its XML, its rows' XML, and (text, width) of each
cell of each row."""


def fitted_cells(xml: str) -> tuple[list[str], list[tuple[tuple[str, int], ...]]] | None:
    """Return, for the XML of the table `fit_table_text` wrote last (the same string, each row's cells regular, see
    `_row_cells`), the XML of its rows and, for each cell of each row, the XML after its properties and its width
    (twips), as the page flow would read them from the table's XML; None for any other (once read, it is
    forgotten)."""
    last = _LAST_FITTED.get("table")
    if last is None or last[0] is not xml:
        return None
    del _LAST_FITTED["table"]
    return last[1], last[2]


def _spans(rows):
    """Yield (first column, span) of each cell of the rows, in order."""
    for row in rows:
        column = 0
        for _, span in row:
            yield column, span
            column += span
