"""A docxtpl template compiled once per process, then rendered into as many documents as asked.

Template authors keep docxtpl's language (`{%p %}`, `{%tr %}`, `{%tc %}`, `{{p }}`, `{{r }}`). What stock
docxtpl does for every document — load the package, serialize the body, run its regular expressions over it,
compile the Jinja template, re-parse the rendered XML, fix the tables and recompress every part — is done here
once per template: compiling also prepares what used to be done on each rendered document by walking it
(filling the sommaire, fitting the columns of tables in Paraphe's table style to their text, a `{%tc %}`
table's grid to its widest row) as Jinja filter blocks around the few elements concerned. A render is then the
Jinja render, a few string joins and the compression of the parts that changed; the other parts are copied as
the template stores them.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from jinja2 import nodes
from jinja2.sandbox import SecurityError
from lxml import etree

from ..container import Member, read_members, write_zip
from ..exposants import EXPOSANT_DEBUT, EXPOSANT_FIN, sans_marques
from .parts import CoreProperties, add_restarted_num, new_element, parse_part, qn, serialize_part
from .writer import (SOMMAIRE_MARK, DocumentWriter, SharedRegions, TableFitting, TemplateStyles, TocSpec,
                     add_setting, heading_level, parse_body, table_mark, xml_attribute)

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

_CORE_PROPERTIES_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def docx_template_class():
    """Return docxtpl's DocxTemplate, imported on first use: a template loaded already compiled from the cache
    (`template_cache`) needs nothing of docxtpl but `resolve_listing`, rarely.

    docxcompose 2.2, which docxtpl imports, rebinds python-docx's "cp" prefix to the custom-properties namespace
    (docxcompose/utils.py: `nsmap.update`): the core properties a document is stamped with (version, keywords…)
    would be written in that namespace, where Word, LibreOffice and the PDF's metadata never see them. The prefix
    is bound back after the import."""
    from docx.oxml.ns import nsmap
    from docxtpl import DocxTemplate

    nsmap["cp"] = _CORE_PROPERTIES_NS
    return DocxTemplate

# The filter the compiled template calls around the elements it must treat after rendering; the project's
# Jinja environment maps it to `DocumentWriter.capture` of the document being rendered.
CAPTURE_FILTER = "_wordml"
# The function the compiled template calls at the start and at the end of each region (`{% if _region(key) %}…
# {% endif %}{% if _region(key, True) %}{% endif %}`): the project's Jinja environment maps it to
# `DocumentWriter.region_start` and `region_end` of the document being rendered.
REGION_CALL = "_region"
# A region may be taken from another document instead of rendered: a template that binds names (or reaches other
# templates), whose bindings a region left out would not make, gets no region.
_BINDING_NODES = (nodes.Assign, nodes.AssignBlock, nodes.Macro, nodes.CallBlock, nodes.Import, nodes.FromImport,
                  nodes.Include, nodes.Extends, nodes.Block, nodes.With)

_TOC_LEVELS = re.compile(r'\\o\s+"(\d)-(\d)"')
_TOC_STYLES = re.compile(r'\\t\s+"([^"]*)"')
_STRUCTURE_TAGS = re.compile(r"\{[{%](p|tr|tc)\s")  # docxtpl tags that stand for their paragraph, row or cell
_PARAGRAPH_TAG = re.compile(r"\{[{%]p\s")  # docxtpl tags that stand for their paragraph
_BLOCK_TAG = re.compile(r"\{%-?\s*(p\s+|tr\s+|tc\s+|r\s+)?(\w+)(.*?)-?%\}", re.S)
_OPENERS = {"if", "for", "filter", "macro", "call", "with", "block", "autoescape", "raw"}
_CELL_TAGS = re.compile(r"\{%\s*(tc\b|colspan\b|cellbg\b|vm\b|hm\b)|\{#\s*tc\b")  # `{#tc #}` drops its cell
_COMPUTED_SPANS = re.compile(r"\{%\s*(colspan\b|vm\b|hm\b)")
FITTED_TABLE_STYLE = "Tableau Paraphe"
"""The table style of the tables whose columns a build fits to their text (and of those whose style is based on
it); any other table keeps the widths its author gave it, as docxtpl keeps them (docs/templates-docxtpl.md)."""
_BODY_MARK = "paraphe-body"
_JINJA_PARTS = re.compile(r"word/(header\d*|footer\d*|footnotes)\.xml")
_PARTS_A_DOCUMENT_CHANGES = ("word/settings.xml", "word/numbering.xml", "word/_rels/document.xml.rels",
                             "docProps/core.xml", "[Content_Types].xml", "word/footnotes.xml")
_PART_RELS = re.compile(r"word/_rels/(header\d*|footer\d*|footnotes)\.xml\.rels")
_LISTING_CHARACTERS = (b"\n", b"\t", b"\x07", b"\x0c")  # what docxtpl's `resolve_listing` turns into Word's
_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HYPERLINK_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_IMAGE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_FOOTNOTES_PART = "word/footnotes.xml"
_FOOTNOTES_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_FOOTNOTES_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_FOOTNOTE_ID = re.compile(rb'<w:footnote\b[^>]*\bw:id="(-?\d+)"')
_FOOTNOTE_SEPARATORS = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
                        'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
                        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
                        'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p>'
                        '</w:footnote>')
"""The line Word draws above the notes of a page, and above the rest of a note carried to the next page."""
_EMU_PER_TWIP = 635
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # docxtpl renders these
_ESCAPED_BRACES = {"{_{": "{{", "}_}": "}}", "{_%": "{%", "%_}": "%}"}  # docxtpl's way to print a Jinja brace
_TAG_MARK = re.compile(r"<\?paraphe-tag ([0-9a-f]+)\?>")  # see `_tag_mark`
_TAG_CONTENT = re.compile(r"(?<=\{[\{%])(.*?)(?=[\}%]\})")  # what docxtpl cleans of its XML escapes
_ESCAPED_BRACE = re.compile("|".join(map(re.escape, _ESCAPED_BRACES)))


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def _patched(docxtpl: DocxTemplate, xml: str) -> str:
    """Return a part's XML as the Jinja source docxtpl makes of it (its tags joined across runs…), with the
    braces the author escaped (`{_{` prints `{{`) printed by Jinja expressions: docxtpl searches every rendered
    part for them (1 ms per CRTE-sized body), and would also turn a `{_{` of the content into `{{`. (An escaped
    brace written inside a Jinja string or a `{% raw %}` block is turned too: docxtpl's escape is for text.)"""
    source = _TAG_MARK.sub(lambda match: bytes.fromhex(match.group(1)).decode("utf-8"), docxtpl.patch_xml(xml))
    if "&amp;" in source:  # an `&` the author typed in a tag is Jinja source, as docxtpl prints it (unescaped)
        source = _TAG_CONTENT.sub(lambda match: match.group().replace("&amp;", "&"), source)
    return _ESCAPED_BRACE.sub(lambda match: "{{ %r }}" % _ESCAPED_BRACES[match.group()], source)


def _tag_mark(tag: str):
    """Return the mark of a Jinja tag the compiler puts between the body's elements: a processing instruction,
    replaced by the tag once docxtpl's regular expressions have run over the body (`_patched`), so that they
    treat the template's own text as they would without it (docxtpl marks the text before a tag as preserving
    its spaces, say)."""
    return etree.ProcessingInstruction("paraphe-tag", tag.encode("utf-8").hex())


def _mark_text(element) -> str | None:
    """Return the tag of a mark `_tag_mark` made, None for anything else (None included)."""
    if not isinstance(element, etree._ProcessingInstruction) or element.target != "paraphe-tag":
        return None
    return bytes.fromhex(element.text).decode("utf-8")


def _toc_spec(body, style_ids: dict[tuple[str, str], str]):
    """Return the template's table of contents (its spec and its field paragraph), or (None, None)."""
    instr = next((i for i in body.iter(qn("w:instrText")) if i.text and i.text.strip().startswith("TOC")), None)
    if instr is None:
        return None, None
    names: dict[str, int] = {}
    levels = _TOC_LEVELS.search(instr.text)
    low, high = (int(levels.group(1)), int(levels.group(2))) if levels else (1, 3)
    for level in range(low, high + 1):
        names[f"Heading {level}"] = level
    styles = _TOC_STYLES.search(instr.text)
    if styles:
        parts = [p.strip() for p in re.split(r"[,;]", styles.group(1))]  # Word in French writes « ; »
        for name, level in zip(parts[::2], parts[1::2]):
            names[name] = int(level)
    # Word names its built-in styles in lower case (« toc 1 »), LibreOffice capitalized (« TOC 1 »)
    paragraph_ids = {name.casefold(): style_id for (kind, name), style_id in style_ids.items() if kind == "paragraph"}
    by_style = {paragraph_ids[name.casefold()]: level for name, level in names.items()
                if name.casefold() in paragraph_ids}
    missing = sorted({f"toc {level}" for level in by_style.values()} - set(paragraph_ids))
    if missing:
        raise KeyError(f"le modèle n'a pas de style « {missing[0]} » pour son sommaire")
    entry_styles = {level: paragraph_ids[f"toc {level}"] for level in set(by_style.values())}
    first = entry_styles.get(min(entry_styles)) if entry_styles else None
    properties = f'<w:pPr><w:pStyle w:val="{xml_attribute(first)}"/></w:pPr>' if first else ""
    return TocSpec(instr.text, by_style, entry_styles, properties), instr.getparent().getparent()


def _keep_section_breaks(body) -> None:
    """Move each section break that sits on a paragraph docxtpl replaces by its tag (`{%p %}`, `{{p }}`) to an
    empty paragraph of its own beside it, where the tag would otherwise take it away.

    Word and LibreOffice keep a section break in the last paragraph of its section; LibreOffice, saving a
    template as DOCX, puts it on the paragraph before the break, often a `{%p endfor %}`."""
    from docx.oxml import OxmlElement  # the elements of python-docx's tree, as it makes them

    for paragraph in list(body.iter(qn("w:p"))):
        properties = paragraph.find(qn("w:pPr"))
        section = properties.find(qn("w:sectPr")) if properties is not None else None
        text = _text(paragraph) if section is not None else ""
        if not _PARAGRAPH_TAG.search(text):
            continue
        holder, holder_properties = OxmlElement("w:p"), OxmlElement("w:pPr")
        holder_properties.append(section)  # moved from the tag's paragraph
        holder.append(holder_properties)
        tag = _BLOCK_TAG.search(text)
        if tag is not None and _role(tag) == "open":  # the section ends before the block the tag opens
            paragraph.addprevious(holder)
        else:
            paragraph.addnext(holder)


def _numbering(document):
    """Return the template's numbering element, or None when it has no numbering part (Word and LibreOffice
    leave it out of a document without lists; python-docx cannot make one)."""
    try:
        return document.part.numbering_part.element
    except NotImplementedError:
        return None


def _list_abstract_ids(document) -> dict[str, str]:
    """Return paragraph style id → abstract numbering id, for the styles that number their paragraphs."""
    from docx.enum.style import WD_STYLE_TYPE

    numbering = _numbering(document)
    if numbering is None:
        return {}
    out = {}
    for style in document.styles:
        ppr = style.element.pPr if style.type == WD_STYLE_TYPE.PARAGRAPH else None
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is not None and num_pr.numId is not None:
            try:
                num = numbering.num_having_numId(num_pr.numId.val)
            except KeyError:  # a style numbered by a list the part lacks (Word shows it unnumbered)
                continue
            out[style.style_id] = str(num.abstractNumId.val)
    return out


_FOOTNOTES_RELATIONSHIP_ID = "rIdParapheNotes"
"""The id of the relationship of a document to the footnotes part it adds (any id the template does not use)."""


def _next_footnote_id(document_part) -> int:
    """Return the id of a document's first footnote: past those of the template's footnotes part, if any."""
    for rel in document_part.rels.values():
        if rel.reltype == _FOOTNOTES_RELATIONSHIP and not rel.is_external:
            return max((int(i) for i in _FOOTNOTE_ID.findall(rel.target_part.blob)), default=0) + 1
    return 1


def _next_rel_id(part) -> int:
    numbers = [int(r[3:]) for r in part.rels if r.startswith("rId") and r[3:].isdigit()]
    return max(numbers, default=0) + 1


def _body_text_width_emu(body) -> int | None:
    """Return the width of the text between the margins of the body's last section, in EMU, or None."""
    section = body.find(qn("w:sectPr"))
    size = section.find(qn("w:pgSz")) if section is not None else None
    margins = section.find(qn("w:pgMar")) if section is not None else None
    try:
        width = int(size.get(qn("w:w"))) - int(margins.get(qn("w:left")) or 0) - int(margins.get(qn("w:right")) or 0)
    except (AttributeError, TypeError, ValueError):
        return None
    return width * _EMU_PER_TWIP if width > 0 else None


def part_label(name: str) -> str:
    """Return how a user names a part of a Word document, in French (« l'en-tête word/header1.xml »)."""
    if name == "word/document.xml":
        return "le corps du document"
    kind = re.sub(r"\d+$", "", name.rsplit("/", 1)[-1].removesuffix(".xml"))
    label = {"header": "l'en-tête", "footer": "le pied de page", "footnotes": "les notes de bas de page",
             "core": "les propriétés du document"}.get(kind, "la partie")
    return f"{label} {name}" if kind != "core" else label


class TemplatePartError(Exception):
    """A template that cannot be compiled or rendered: the part where it failed (`part_label`), the error, and
    whether it failed being compiled (whatever the content) or rendered (with some content)."""

    def __init__(self, part: str, error: Exception, compiling: bool = False):
        super().__init__(f"{part} : {error}")
        self.part, self.error, self.compiling = part, error, compiling


def _reserialized(xml: bytes) -> str:
    """Return a part's XML as lxml writes it, as docxtpl reads headers and footers: the entities a word processor
    wrote in text (`&quot;` for LibreOffice's quotes) written as characters, which docxtpl's tags can hold."""
    return etree.tostring(etree.fromstring(xml), encoding="unicode")


def _field_paragraphs(first) -> list:
    """Return the paragraphs a field starting in `first` spans (Word writes a filled sommaire over many, each
    entry holding fields of its own), up to the one where it ends."""
    paragraphs, depth, element = [], 0, first
    while element is not None:
        paragraphs.append(element)
        for char in element.iter(qn("w:fldChar")):
            depth += {"begin": 1, "end": -1}.get(char.get(qn("w:fldCharType")), 0)
        if depth <= 0:
            break
        element = element.getnext()
    return paragraphs


def _role(tag: re.Match) -> str | None:
    """Return what a block tag does to the nesting: "open", "middle" (`elif`, `else`), "close", or None."""
    name, rest = tag.group(2), tag.group(3)
    if name in _OPENERS or (name == "set" and "=" not in rest):  # `{% set x %}…{% endset %}` is a block
        return "open"
    if name in ("elif", "else"):
        return "middle"
    return "close" if name.startswith("end") else None


def _has_balanced_tags(text: str) -> bool:
    depth = 0
    for tag in _BLOCK_TAG.finditer(text):
        depth += {"open": 1, "close": -1}.get(_role(tag), 0)
        if depth < 0:
            return False
    return depth == 0


def _mark_for_capture(document, body, toc: TocSpec | None, toc_paragraph) -> TocSpec | None:
    """Put the filter blocks that treat elements after rendering around the headings the sommaire lists and
    the tables of the body in Paraphe's table style (each with the width of its page's text and the text sizes
    of its styles, to fit its columns to its text once rendered) and the other tables whose cells come from
    `{%tc %}` tags (to fit their grid to their widest row, as docxtpl does); put the sommaire's mark in place of
    its field.
    Return the sommaire's spec (read back from the rendered body when a heading holds an unbalanced block tag,
    which no filter block can enclose)."""
    if toc is not None:
        headings = [(p, level) for p in body.iter(qn("w:p"))
                    if (level := heading_level(p, toc)) is not None and not _STRUCTURE_TAGS.search(_text(p))]
        if all(_has_balanced_tags(_text(p)) for p, _ in headings):
            for p, level in headings:
                _wrap(p, f'"titre", {level}')
        else:
            toc = replace(toc, read_back=True)
        toc_paragraph.addprevious(_tag_mark(f'{{{{ ""|{CAPTURE_FILTER}("sommaire") }}}}'))
        for paragraph in _field_paragraphs(toc_paragraph):
            paragraph.getparent().remove(paragraph)
    sizes, fitted_styles, fitted = None, _fitted_table_styles(document), set()
    for table, text_width, text_height in _tables_and_text_widths(body):
        style = table.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}")
        if style is None or style.get(qn("w:val")) not in fitted_styles:
            continue
        if sizes is None:
            sizes = _text_sizes(document)
        used = {s.get(qn("w:val")) for s in table.iter(qn("w:pStyle"))}
        fitting = TableFitting(text_width, tuple((style, *sizes[style]) for style in [None, *sorted(used)]
                                                 if style in sizes))
        _wrap(table, f'"tableau", "{fitting}", {text_height}')
        fitted.add(table)
    for table in list(body.iter(qn("w:tbl"))):  # the others: a `{%tc %}` table's grid fitted as docxtpl does
        if any(t in fitted for t in table.iterancestors(qn("w:tbl"))) or table in fitted:
            continue
        _mark_cell_loops(table)
    return toc


def _fitted_table_styles(document) -> frozenset[str]:
    """Return the ids of the table styles whose tables are fitted: `FITTED_TABLE_STYLE` and those based on it."""
    from docx.enum.style import WD_STYLE_TYPE

    out = set()
    for style in document.styles:
        if style.type != WD_STYLE_TYPE.TABLE:
            continue
        current, seen = style, set()
        while current is not None and current.style_id not in seen:
            if (current.name or "").casefold() == FITTED_TABLE_STYLE.casefold():
                out.add(style.style_id)
                break
            seen.add(current.style_id)
            current = current.base_style
    return frozenset(out)


def _mark_cell_loops(table) -> None:
    """Put around a table whose cells come from `{%tc %}` tags the filter block that fits its grid to its widest
    row once rendered (with its column widths, and marks on its rows and columns); a table whose spans are
    computed (`colspan`, `vm`, `hm`) is read back instead."""
    text = _text(table)
    if not _CELL_TAGS.search(text):
        return
    if _COMPUTED_SPANS.search(text):  # spans known only once rendered: the table is read back
        _wrap(table, '"grille-calculee"')
        return
    grid = table.find(qn("w:tblGrid"))
    widths = " ".join(c.get(qn("w:w")) or "0" for c in grid.findall(qn("w:gridCol")))
    _wrap(table, f'"fin-tableau", "{widths}"')
    for column in list(grid):
        grid.remove(column)
    grid.append(table_mark("grille"))
    for row in table.iterchildren(qn("w:tr")):
        row.insert(0, table_mark("ligne"))
        for cell in row.iterchildren(qn("w:tc")):
            span = cell.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            for _ in range(int(span.get(qn("w:val"))) if span is not None else 1):
                cell.insert(0, table_mark("colonne"))


def _tables_and_text_widths(body):
    """Yield each table of the body (not those nested in a cell) with the width and the height of the text of
    its section's pages, in twips: a section's properties close it (in its last paragraph, or at the end of the
    body)."""
    pending = []
    for element in body:
        if element.tag == qn("w:tbl"):
            pending.append(element)
            continue
        section = element.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if element.tag == qn("w:p") else \
            element if element.tag == qn("w:sectPr") else None
        if section is not None:
            width, height = _text_width(section), _text_height(section)
            yield from ((table, width, height) for table in pending)
            pending = []
    yield from ((table, _text_width(None), _text_height(None)) for table in pending)


def _text_width(section) -> int:
    """Return the width of the text of a section's pages (twips); an A4 page with 2 cm margins if unknown."""
    def twips(element, name: str, default: int) -> int:
        value = element.get(qn(f"w:{name}")) if element is not None else None
        return int(value) if value and value.lstrip("-").isdigit() else default

    size = section.find(qn("w:pgSz")) if section is not None else None
    margins = section.find(qn("w:pgMar")) if section is not None else None
    return twips(size, "w", 11906) - twips(margins, "left", 1134) - twips(margins, "right", 1134) - \
        twips(margins, "gutter", 0)


def _text_height(section) -> int:
    """Return the height of the text of a section's pages (twips), between its top and bottom margins; an A4
    portrait page with margins of 2.54 cm if unknown."""
    def twips(element, name: str, default: int) -> int:
        value = element.get(qn(f"w:{name}")) if element is not None else None
        return abs(int(value)) if value and value.lstrip("-").isdigit() else default

    size = section.find(qn("w:pgSz")) if section is not None else None
    margins = section.find(qn("w:pgMar")) if section is not None else None
    return twips(size, "h", 16838) - twips(margins, "top", 1440) - twips(margins, "bottom", 1440)


def _text_sizes(document) -> dict[str | None, tuple[int, bool]]:
    """Return the size (half-points) and boldness of the text of each paragraph style of a document, and of a
    paragraph without a style (key None), as their styles inherit them."""
    from docx.enum.style import WD_STYLE_TYPE

    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:sz')}")
    default_size = int(defaults.get(qn("w:val"))) if defaults is not None else 20
    out: dict[str | None, tuple[int, bool]] = {}
    for style in document.styles:
        if style.type != WD_STYLE_TYPE.PARAGRAPH:
            continue
        size = bold = None
        current = style
        while current is not None and (size is None or bold is None):
            if size is None and current.font.size is not None:
                size = int(current.font.size.pt * 2)
            if bold is None and current.font.bold is not None:
                bold = current.font.bold
            current = current.base_style
        out[style.style_id] = (size or default_size, bool(bold))
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)  # None when no style is marked the default
    out[None] = out[default.style_id] if default is not None else (default_size, False)
    return out


def _mark_regions(body) -> tuple[frozenset[str], list]:
    """Put the calls of `REGION_CALL` around each region of the body: a stretch of its elements, from the one
    where a block tag opens to the one where the tags are closed again, holding a loop. Return their keys (the
    hash of their XML, the same in every template that holds the same region) and the paragraphs put in."""
    keys, added, region, depth, has_loop = set(), [], [], 0, False
    for element in list(body):
        tags = list(_BLOCK_TAG.finditer(_text(element)))
        if not region and not tags:
            continue
        region.append(element)
        for tag in tags:
            depth += {"open": 1, "close": -1}.get(_role(tag), 0)
            has_loop = has_loop or tag.group(2) == "for"
        if depth > 0:
            continue
        if has_loop and depth == 0:  # (below 0, a tag closes what it did not open: Jinja says so when compiling)
            key = hashlib.sha256(b"".join(etree.tostring(e) for e in region)).hexdigest()[:32]
            added += [_tag_mark(f'{{% if {REGION_CALL}("{key}") %}}'),
                      _tag_mark(f'{{% endif %}}{{% if {REGION_CALL}("{key}", True) %}}{{% endif %}}')]
            first, last = region[0], region[-1]
            # a region wrapped whole by a capture's filter block (a fitted table holding a loop) takes the block
            # in: what the block prints is the region's, and the region's pieces reach the body as it prints them
            while (_mark_text(first.getprevious()) or "").startswith(f"{{% filter {CAPTURE_FILTER}(") and \
                    _mark_text(last.getnext()) == "{% endfilter %}":
                first, last = first.getprevious(), last.getnext()
            first.addprevious(added[-2])
            last.addnext(added[-1])
            keys.add(key)
        region, depth, has_loop = [], 0, False
    return frozenset(keys), added


def _region_call(node: nodes.Node) -> tuple[str, bool] | None:
    """Return the key of a region and whether it ends it, when `node` is an `{% if %}` the compiler put at the
    start or end of a region (its test `_region("key")` or `_region("key", True)`, nothing else); else None."""
    if not isinstance(node, nodes.If) or node.elif_ or node.else_:
        return None
    call = node.test
    if not (isinstance(call, nodes.Call) and isinstance(call.node, nodes.Name) and call.node.name == REGION_CALL
            and not (call.kwargs or call.dyn_args or call.dyn_kwargs) and 1 <= len(call.args) <= 2
            and all(isinstance(arg, nodes.Const) for arg in call.args)
            and isinstance(call.args[0].value, str) and call.args[1:] in ([], [nodes.Const(True)])):
        return None
    end = len(call.args) == 2
    if end and node.body:  # the end of a region holds nothing
        return None
    return call.args[0].value, end


def _prints_alike_in_regions(template: nodes.Template) -> bool:
    """Tell whether a parsed template's regions print what the same stretches would when taken from another
    document: it binds no name and reaches no other template, and each region stands at the top of the body,
    where what it prints goes to the body as it is printed (not into a block's buffer)."""
    at_top = sum(1 for node in template.body if _region_call(node) is not None)
    return not any(template.find_all(_BINDING_NODES)) and \
        at_top == sum(1 for node in template.find_all(nodes.If) if _region_call(node) is not None)


def _check_region_calls(template: nodes.Template, keys: frozenset[str], count: int) -> None:
    """Raise SecurityError when the template names `REGION_CALL` anywhere but in the `count` starts and ends the
    compiler put around its regions (a template author's call would take a region's place in every document)."""
    names = sum(1 for node in template.find_all(nodes.Name) if node.name == REGION_CALL)
    calls = [call for node in template.find_all(nodes.If) if (call := _region_call(node)) is not None]
    starts = [key for key, end in calls if not end]
    ends = [key for key, end in calls if end]
    if names != 2 * count or len(calls) != 2 * count or set(starts) != keys or sorted(starts) != sorted(ends) \
            or len(set(starts)) != count:
        raise SecurityError(f"{REGION_CALL} est réservé au modèle compilé")


def check_block_structure(body) -> None:
    """Raise ValueError when a Jinja block tag and the tag that closes it (or its `else`) stand at different
    levels of the document (one in a paragraph of the body, the other in a table cell, say): whatever the
    content, skipping or repeating what lies between them would cut elements in two. docxtpl's `{%p %}`,
    `{%tr %}` and `{%tc %}` stand for their paragraph, row or cell."""
    stack = []
    for p in body.iter(qn("w:p")):
        text = _text(p)
        if "{%" not in text:
            continue
        path = tuple(etree.QName(a).localname for a in reversed(list(p.iterancestors()))) + ("p",)
        for match in _BLOCK_TAG.finditer(text):
            role, level = _role(match), _level(path, (match.group(1) or "").strip())
            if role == "open":
                stack.append((match.group(0), level))
            elif role is not None:
                if not stack:
                    continue  # Jinja reports the missing opener itself
                opening, opening_level = stack.pop() if role == "close" else stack[-1]
                if opening_level != level:
                    raise ValueError(
                        f"les balises « {opening} » et « {match.group(0)} » ne sont pas au même niveau du "
                        f"document (l'une dans {_where(opening_level)}, l'autre dans {_where(level)}) : utilisez "
                        "{%p …%}, {%tr …%} ou {%tc …%} pour des paragraphes, des lignes ou des cellules entiers")


def _level(path: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    """Return where a tag acts: `{%p %}` in place of its paragraph, `{%tr %}` of its row, `{%tc %}` of its
    cell, any other tag inside the text of its paragraph."""
    if prefix in ("p", "tr", "tc"):
        return path[: len(path) - 1 - path[::-1].index(prefix)]
    return path + ("r",)


def _where(level: tuple[str, ...]) -> str:
    if level[-1] == "r":
        return "le texte d'une cellule de tableau" if "tc" in level else "le texte d'un paragraphe"
    return {"tc": "une cellule de tableau", "tr": "une ligne de tableau", "tbl": "un tableau"}.get(
        level[-1], "le corps du document")


def _wrap(element, arguments: str) -> None:
    element.addprevious(_tag_mark(f"{{% filter {CAPTURE_FILTER}({arguments}) %}}"))
    element.addnext(_tag_mark("{% endfilter %}"))


class CompiledTemplate:
    """A docxtpl template ready to render: its body compiled once, its unchanged parts kept compressed."""

    def __init__(self, path: Path, env):
        """Compile the template at `path` with the Jinja environment `env`; TemplatePartError names the part
        (body, header, footer…) that cannot be compiled, and why."""
        try:
            self._docxtpl = docx_template_class()(str(path))  # its text transformations keep docxtpl's template language
            document = self._docxtpl.get_docx()
        except Exception as exc:  # not a package python-docx reads: any of its errors, or zipfile's, or lxml's
            raise TemplatePartError("le fichier", ValueError("ce n'est pas un document Word lisible"), True) from exc
        try:
            self._compile_body(document, env)
        except Exception as exc:
            raise TemplatePartError(part_label("word/document.xml"), exc, True) from exc
        self._compile_other_parts(path, env)

    def _compile_body(self, document, env) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        root, body = document.element, document.element.body
        _keep_section_breaks(body)
        style_types = {WD_STYLE_TYPE.PARAGRAPH: "paragraph", WD_STYLE_TYPE.CHARACTER: "character"}
        style_ids = {(style_types[s.type], s.name): s.style_id for s in document.styles if s.type in style_types}
        toc, toc_paragraph = _toc_spec(body, style_ids)
        check_block_structure(body)
        toc = _mark_for_capture(document, body, toc, toc_paragraph)
        region_keys, added = _mark_regions(body)
        source = _patched(self._docxtpl, self._docxtpl.get_xml())
        parsed = env.parse(source)
        if region_keys and not _prints_alike_in_regions(parsed):
            region_keys = frozenset()
            for paragraph in added:
                paragraph.getparent().remove(paragraph)
            added = []
            source = _patched(self._docxtpl, self._docxtpl.get_xml())
            parsed = env.parse(source)
        _check_region_calls(parsed, region_keys, len(added) // 2)
        numbering = _numbering(document)
        self.styles = TemplateStyles(
            style_ids=style_ids, list_abstract_ids=_list_abstract_ids(document),
            next_num_id=max((n.numId for n in numbering.num_lst), default=0) + 1 if numbering is not None else 1,
            next_rel_id=_next_rel_id(document.part), toc=toc, region_keys=region_keys,
            namespaces=" ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in root.nsmap.items() if prefix),
            next_rel_ids={name: _next_rel_id(rel.target_part) for rel in document.part.rels.values()
                          if not rel.is_external and _JINJA_PARTS.fullmatch(name := rel.target_part.partname[1:])},
            text_width=_body_text_width_emu(body), next_footnote_id=_next_footnote_id(document.part))

        self._body = env.from_string(parsed)
        self._has_drawings = "docPr" in source
        # document.xml is the text before the body, the rendered body, the text after it
        root.replace(body, etree.SubElement(root, _BODY_MARK))
        self._document_head, self._document_tail = serialize_part(root).split(f"<{_BODY_MARK}/>".encode())

    def _compile_other_parts(self, path: Path, env) -> None:
        """Compile the headers, footers and footnotes that hold tags; keep the parts a document changes."""
        self._members = read_members(path)
        with zipfile.ZipFile(path) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()
                     if _JINJA_PARTS.fullmatch(name) or name in _PARTS_A_DOCUMENT_CHANGES}
            self._part_rels = {name: archive.read(name) for name in archive.namelist()
                               if _PART_RELS.fullmatch(name)}  # a picture in a header adds to them
        self._parts_with_tags = {}  # headers, footers and footnotes that hold tags (once docxtpl joined them)
        for name, xml in parts.items():
            if not _JINJA_PARTS.fullmatch(name) or b"{" not in xml:
                continue
            try:
                patched = _patched(self._docxtpl, _reserialized(xml))
                if "{{" in patched or "{%" in patched:
                    self._parts_with_tags[name] = env.from_string(patched)
            except Exception as exc:
                raise TemplatePartError(part_label(name), exc, True) from exc
        self._settings = self._settings_xml = None
        if "word/settings.xml" in parts:
            self._settings_xml = _asking_to_update_fields(parts["word/settings.xml"])
            self._settings = Member.compress("word/settings.xml", self._settings_xml)
        self._numbering = parts.get("word/numbering.xml")
        self._footnotes = {name: xml for name, xml in parts.items() if name == _FOOTNOTES_PART}
        self._rels = parts["word/_rels/document.xml.rels"]
        self._content_types = parts["[Content_Types].xml"]
        self._core = parts.get("docProps/core.xml")
        self._property_templates = {}  # core properties written as templates (plain text: never escaped)
        if self._core is not None:
            properties = CoreProperties(parse_part(self._core))
            for name in _PROPERTIES:
                value = getattr(properties, name)
                if "{{" in value or "{%" in value:
                    source = "{% autoescape false %}" + value + "{% endautoescape %}"
                    try:
                        self._property_templates[name] = env.from_string(source)
                    except Exception as exc:
                        raise TemplatePartError(part_label("docProps/core.xml"), exc, True) from exc

    def new_document(self, shared_regions: SharedRegions | None = None) -> DocumentWriter:
        """Return the writer of a new document made from this template (prose renderers write through it);
        `shared_regions`, one for the documents of a contract, lets them render their common regions once."""
        return DocumentWriter(self.styles, shared_regions=shared_regions)

    def render(self, writer: DocumentWriter, context: dict[str, Any],
               set_properties: Callable[[CoreProperties], None] | None = None, when: datetime | None = None) -> bytes:
        """Return the .docx bytes of the template rendered with `context` (which gives `writer`'s capture
        filter and prose renderer); any error is raised as TemplatePartError, naming the part being rendered.
        `set_properties` stamps the core properties."""
        # The body is encoded in chunks as Jinja yields its pieces, never held whole as text: most of it is regions,
        # which a contract's documents share and encode once.
        part = "word/document.xml"
        try:
            writer.part = part
            body = writer.encoded_body(self._body.generate(context))
            read_back = writer.has_sommaire and self.styles.toc.read_back
            if self._has_drawings or read_back or writer.pictures:
                text = body.decode("utf-8")
                if self._has_drawings or writer.pictures:
                    text = _renumber_drawings(text, self.styles.namespaces)
                if read_back:
                    writer.read_toc_entries(text)
                body = text.encode("utf-8")
            body = _without_empty_last_section(_finish_part(self._docxtpl, body))
            # one copy of the body from here to the part (a contract of 1000 fiches has a body of 26 MB): the
            # bookmarks, the sommaire and the superscripts are put between stretches of it, joined once
            segments: list[tuple[int, int] | bytes] = [(0, len(body))]
            if writer.has_sommaire:
                segments = _replace_first(body, writer.bookmark_headings(body), SOMMAIRE_MARK.encode(),
                                          writer.sommaire().encode("utf-8"))
            changed = {part: _with_superscripts(body, self._document_head, self._document_tail, segments)}
            del body
            if self._settings is not None:
                changed["word/settings.xml"] = self._settings
            links = len(writer.hyperlinks)
            for part, template in self._parts_with_tags.items():
                writer.part = part
                changed[part] = _with_superscripts(_finish_part(self._docxtpl, template.render(context).encode("utf-8")))
                if len(writer.hyperlinks) > links:  # a header's links would need relationships of its own
                    raise ValueError("un lien dans un en-tête, un pied de page ou une note n'est pas pris en charge")
            part = "word/document.xml"
            writer.part = part
            if writer.new_nums:
                if self._numbering is None:
                    raise ValueError("le modèle n'a pas de numérotation (word/numbering.xml) pour ses listes")
                changed["word/numbering.xml"] = _add_nums(self._numbering, writer.new_nums)
            if writer.footnotes:
                part = _FOOTNOTES_PART
                self._add_footnotes(changed, writer)
                if self._settings_xml is not None:
                    changed["word/settings.xml"] = _with_footnote_separators(self._settings_xml)
                part = "word/document.xml"
            if writer.hyperlinks or writer.pictures or writer.footnotes:
                self._add_relationships(changed, writer)
            if self._core is not None:
                part = "docProps/core.xml"
                changed[part] = self._core_properties(context, set_properties)
        except TemplatePartError:
            raise
        except Exception as exc:  # Jinja's errors, a filter's, a value the template cannot print
            raise TemplatePartError(part_label(part), exc) from exc
        members = []
        for member in self._members:
            data = changed.pop(member.name, member)
            members.append(data if isinstance(data, Member) else Member.compress(member.name, data))
        members += [Member.compress(name, data) for name, data in changed.items()]  # parts the template lacks
        return write_zip(members, when)

    def _add_relationships(self, changed: dict[str, bytes], writer: DocumentWriter) -> None:
        """Put in `changed` the relationship parts the document's hyperlinks and pictures add to, its media parts,
        and the content types of these."""
        by_part: dict[str, list[tuple[str, str, str, bool]]] = {}
        for rel_id, url in writer.hyperlinks:
            by_part.setdefault("word/document.xml", []).append((rel_id, _HYPERLINK_RELATIONSHIP, url, True))
        for part, rel_id, media in writer.pictures:
            by_part.setdefault(part, []).append((rel_id, _IMAGE_RELATIONSHIP, "media/" + media.rsplit("/", 1)[1],
                                                 False))
        new_footnotes_part = bool(writer.footnotes) and _FOOTNOTES_PART not in self._footnotes
        if new_footnotes_part:
            by_part.setdefault("word/document.xml", []).append(
                (_FOOTNOTES_RELATIONSHIP_ID, _FOOTNOTES_RELATIONSHIP, "footnotes.xml", False))
        for part, relationships in by_part.items():
            folder, name = part.rsplit("/", 1)
            rels_name = f"{folder}/_rels/{name}.rels"
            existing = self._rels if part == "word/document.xml" else self._part_rels.get(rels_name)
            changed[rels_name] = _add_relationships(existing, relationships)
        for media, (_, data) in writer.media.items():
            changed[media] = data
        overrides = {f"/{media}": content_type for media, (content_type, _) in writer.media.items()}
        if new_footnotes_part:
            overrides[f"/{_FOOTNOTES_PART}"] = _FOOTNOTES_CONTENT_TYPE
        if overrides:
            changed["[Content_Types].xml"] = _add_overrides(self._content_types, overrides)

    def _add_footnotes(self, changed: dict[str, bytes], writer: DocumentWriter) -> None:
        """Put in `changed` the footnotes part with the document's notes: the template's own (rendered), or a new
        one with Word's separators."""
        existing = changed.get(_FOOTNOTES_PART, self._footnotes.get(_FOOTNOTES_PART))
        notes = "".join(writer.footnotes).encode("utf-8")
        if existing is None:
            changed[_FOOTNOTES_PART] = (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {self.styles.namespaces}>'
                f'{_FOOTNOTE_SEPARATORS}').encode("utf-8") + notes + b"</w:footnotes>"
        else:
            end = existing.rindex(b"</w:footnotes>")
            changed[_FOOTNOTES_PART] = existing[:end] + notes + existing[end:]

    def _core_properties(self, context, set_properties) -> bytes:
        element = parse_part(self._core)
        properties = CoreProperties(element)
        for name, template in self._property_templates.items():
            setattr(properties, name, sans_marques(template.render(context)))
        if set_properties is not None:
            set_properties(properties)
        return serialize_part(element)


_SECTION_BREAK = re.compile(rb"<w:p>(?:(?!<w:p>).)*?<w:pPr>(?:(?!</w:pPr>).)*?"
                            rb"(<w:sectPr[ >](?:(?!</w:sectPr>).)*</w:sectPr>)"
                            rb"</w:pPr></w:p>\s*(<w:sectPr[ >].*?</w:sectPr>)\s*(?:</w:body>\s*)?$", re.S)


def _without_empty_last_section(body: bytes) -> bytes:
    """Return a rendered body whose last section, when nothing is left in it (a template ending in landscape
    pages for a table, say), is dropped: the section before it ends the document, instead of a blank page."""
    if not body.rstrip().endswith((b"</w:sectPr>", b"</w:sectPr></w:body>")):
        return body
    match = _SECTION_BREAK.search(body, max(0, len(body) - 20_000))
    if match is None:
        return body
    paragraph = body[match.start() : match.start(2)]
    if b"<w:t" in paragraph or b"<w:drawing" in paragraph or b"<w:br" in paragraph:
        return body  # the paragraph ending the section before prints something: the last section is not empty
    view = memoryview(body)  # joined from the body itself: no copy of its two stretches first
    joined = b"".join((view[: match.start()], match.group(1), view[match.end(2) :]))
    view.release()
    return joined


_MARKED_RUN = re.compile(rb"<w:r>(<w:rPr>(?:(?!</w:rPr>).)*</w:rPr>)?<w:t(?: xml:space=\"preserve\")?>([^<]*)"
                         rb"</w:t></w:r>", re.S)
_MARK, _END_MARK = EXPOSANT_DEBUT.encode("utf-8"), EXPOSANT_FIN.encode("utf-8")
_MARKED = re.compile(f"{EXPOSANT_DEBUT}(.*?){EXPOSANT_FIN}", re.S)
_AFTER_VERT_ALIGN = re.compile(rb"<w:(?:rtl|cs|em|lang|eastAsianLayout|specVanish|oMath)\b")


def _replace_first(body: bytes, segments: list[tuple[int, int] | bytes], old: bytes, new: bytes
                   ) -> list[tuple[int, int] | bytes]:
    """Return the segments of a part (stretches of `body`, bytes put between them) with the first `old` of the
    stretches replaced by `new` (the bytes put in hold no `old`)."""
    at = body.find(old)
    if at < 0:
        return segments
    for index, segment in enumerate(segments):
        if isinstance(segment, tuple) and segment[0] <= at and at + len(old) <= segment[1]:
            return [*segments[:index], (segment[0], at), new, (at + len(old), segment[1]), *segments[index + 1:]]
    return segments


def _with_superscripts(part: bytes, head: bytes = b"", tail: bytes = b"",
                       segments: list[tuple[int, int] | bytes] | None = None) -> bytes:
    """Return a rendered part whose marked letters (the ordinals of printed values: `exposants.EXPOSANT_DEBUT`)
    are runs in superscript; a mark anywhere else (an attribute, a field's instruction) is removed. With `head`
    and `tail`, the part is put between them (the body between the text of document.xml before and after it);
    with `segments`, the part is those stretches of `part` (start, end) and the bytes put between them (no run
    crosses from one to another: they are cut at a paragraph's properties and at its end)."""
    if segments is None:
        segments = [(0, len(part))]
    if _MARK not in part and not any(isinstance(s, bytes) and _MARK in s for s in segments):
        # a search for a rare byte: the marks cost nothing to a part without any
        if not head and not tail and segments == [(0, len(part))]:
            return part
    view = memoryview(part)  # the unchanged stretches are joined from the part itself, not copied first
    out = [head]
    for segment in segments:
        if isinstance(segment, bytes):
            out += _superscripted(segment, memoryview(segment), 0, len(segment)) if _MARK in segment else [segment]
        else:
            out += _superscripted(part, view, *segment)
    out.append(tail)
    joined = b"".join(out)
    del out
    view.release()
    if _MARK in joined:
        joined = joined.replace(_MARK, b"")
    return joined.replace(_END_MARK, b"") if _END_MARK in joined else joined


def _superscripted(part: bytes, view: memoryview, done: int, end: int) -> list:
    """Return the stretch `done`:`end` of `part` as pieces whose marked runs are made superscript runs."""
    out = []
    while (at := part.find(_MARK, done, end)) >= 0:
        start = part.rfind(b"<w:r>", done, at)
        run = _MARKED_RUN.match(part, start, end) if start >= 0 else None
        if run is None or run.end() < at:
            out.append(view[done : at + len(_MARK)])
            done = at + len(_MARK)
            continue
        out += [view[done:start], _superscript_run(run)]
        done = run.end()
    out.append(view[done:end])
    return out


def _superscript_run(match: re.Match) -> bytes:
    properties, text = match.group(1) or b"", match.group(2).decode("utf-8")
    pieces = _MARKED.split(text)  # text, raised letters, text…
    if b"w:vertAlign" in properties:
        return _run_bytes(properties, "".join(pieces))
    if properties:
        at = _AFTER_VERT_ALIGN.search(properties)
        cut = at.start() if at else len(properties) - len(b"</w:rPr>")
        raised = properties[:cut] + b'<w:vertAlign w:val="superscript"/>' + properties[cut:]
    else:
        raised = b'<w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
    return b"".join(_run_bytes(raised if index % 2 else properties, piece)
                    for index, piece in enumerate(pieces) if piece)


def _run_bytes(properties: bytes, text: str) -> bytes:
    return b"<w:r>" + properties + b'<w:t xml:space="preserve">' + text.encode("utf-8") + b"</w:t></w:r>"


def _with_footnote_separators(settings_xml: bytes) -> bytes:
    """Return settings.xml naming the separator notes of the footnotes part, as Word writes it."""
    settings = parse_part(settings_xml)
    if settings.find(qn("w:footnotePr")) is None:
        properties = new_element("w:footnotePr")
        for note_id in ("-1", "0"):
            separator = new_element("w:footnote")
            separator.set(qn("w:id"), note_id)
            properties.append(separator)
        add_setting(settings, properties)
    return serialize_part(settings)


def _asking_to_update_fields(settings_xml: bytes) -> bytes:
    """Return settings.xml asking Word to refresh the fields (the sommaire, page numbers) on opening."""
    settings = parse_part(settings_xml)
    if settings.find(qn("w:updateFields")) is None:
        update = new_element("w:updateFields")
        update.set(qn("w:val"), "true")
        add_setting(settings, update)
    return serialize_part(settings)


def _add_nums(numbering: bytes, new_nums: list[tuple[int, str]]) -> bytes:
    """Return numbering.xml with numbering instances that restart their abstract numbering at 1."""
    root = parse_part(numbering)
    for num_id, abstract_id in new_nums:
        add_restarted_num(root, num_id, abstract_id)
    return serialize_part(root)


def _finish_part(docxtpl: DocxTemplate, data: bytes) -> bytes:
    """Return a rendered part (UTF-8) after docxtpl's last step: the line breaks, tabs, new paragraphs (\\a) and
    page breaks (\\f) of the text made Word's; a listing character left outside a run's text (XML forbids
    them) is removed. They are looked for in the bytes, where the search is ten times faster than in the text.
    Prose comes with its line breaks and tabs already Word's (`writer._prose_run`); a printed value holding one
    has docxtpl's `resolve_listing` run over its own paragraph only, not the whole part (some 50 ms a body)."""
    if any(character in data for character in _LISTING_CHARACTERS):
        if b"txbxContent" in data or _SELF_CLOSED_PARAGRAPH.search(data):
            # paragraphs in paragraphs, or empty ones: docxtpl's pass over the whole part
            data = docxtpl.resolve_listing(data.decode("utf-8")).encode("utf-8")
        else:
            data = _resolve_listing_by_paragraph(docxtpl, data)
        if b"\x07" in data or b"\x0c" in data:
            data = data.replace(b"\x07", b"").replace(b"\x0c", b"")
    return data


_SELF_CLOSED_PARAGRAPH = re.compile(rb"<w:p [^>]*/>")


def _resolve_listing_by_paragraph(docxtpl: DocxTemplate, data: bytes) -> bytes:
    """Return the part (UTF-8) as docxtpl's `resolve_listing` makes it, run only over the paragraphs that hold a
    listing character. `resolve_listing` changes a paragraph (`<w:p…>` to the first `</w:p>`) only where it holds
    one; when no paragraph is inside another or self-closed, the one holding a character is the last opened
    before it, if not closed before it. A character outside any paragraph is left as it is."""
    positions = []
    for character in _LISTING_CHARACTERS:  # found by memchr, faster than a regular expression's scan
        position = data.find(character)
        while position >= 0:
            positions.append(position)
            position = data.find(character, position + 1)
    view = memoryview(data)  # the stretches between those paragraphs are joined from the part, not copied first
    out, done = [], 0
    for position in sorted(positions):
        if position < done:
            continue
        start = max(data.rfind(b"<w:p>", done, position), data.rfind(b"<w:p ", done, position))
        if start < 0:
            continue
        end = data.find(b"</w:p>", start)
        if end < position:  # closed before the character (or never closed: docxtpl's regex matches nothing)
            continue
        end += len(b"</w:p>")
        out.append(view[done:start])
        out.append(docxtpl.resolve_listing(data[start:end].decode("utf-8")).encode("utf-8"))
        done = end
    out.append(view[done:])
    joined = b"".join(out)
    del out
    view.release()
    return joined


def _add_relationships(rels: bytes | None, relationships: list[tuple[str, str, str, bool]]) -> bytes:
    """Return a relationships part (made when `rels` is None) with relationships (id, type, target, external)
    added."""
    root = etree.fromstring(rels) if rels is not None else etree.Element(f"{{{_RELATIONSHIPS_NS}}}Relationships",
                                                                       nsmap={None: _RELATIONSHIPS_NS})
    namespace = root.nsmap[None]
    for rel_id, kind, target, external in relationships:
        attributes = {"Id": rel_id, "Type": kind, "Target": target}
        if external:
            attributes["TargetMode"] = "External"
        etree.SubElement(root, f"{{{namespace}}}Relationship", attributes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_overrides(content_types: bytes, overrides: dict[str, str]) -> bytes:
    """Return [Content_Types].xml with the content type of each new part name (`/word/media/…`) given."""
    root = etree.fromstring(content_types)
    for name, content_type in overrides.items():
        etree.SubElement(root, f"{{{_CONTENT_TYPES_NS}}}Override", PartName=name, ContentType=content_type)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _renumber_drawings(body: str, namespaces: str) -> str:
    """Return the body with unique ids on its drawings (a `{%p for %}` repeats a picture with its id)."""
    [tree] = parse_body(body, namespaces)
    for number, element in enumerate(tree.iter("{http://schemas.openxmlformats.org/drawingml/2006/"
                                               "wordprocessingDrawing}docPr"), start=1):
        element.set("id", str(number))
    return etree.tostring(tree, encoding="unicode")
