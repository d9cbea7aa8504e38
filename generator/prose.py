"""Markdown prose → Word content, through python-markdown's element tree and the `wordml` layer.

Raw HTML and entities in the content are not interpreted: what an author types is what the document shows.
Text gets French typography (`french.typographie`); URLs, e-mail addresses and times are left as typed. Links go
to http(s), mailto and tel addresses or to the document's own anchors only: the loader refuses the others
(`refused_links`, with file and line), and the renderers print them as plain text should one come through.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .caches import text_cache
from .french import typographie
from .prose_markdown import fast_tree
from .wordml import Block, DocumentWriter, Fragment, Inline
from .wordml.flow import block_keeps
from .wordml.writer import ADDRESS, ADDRESS_BREAK, with_address_breaks

if TYPE_CHECKING:  # imported when a text first needs it (`new_markdown`)
    import markdown


def new_markdown() -> markdown.Markdown:
    """Return a Markdown parser that does not interpret raw HTML or entities, and knows `^{…}` and footnotes
    (`[^1]` where the note is called, `[^1]: text of the note` anywhere in the text)."""
    # python-markdown is imported when a text first needs it (`parse`): a contract whose texts are all plain
    # paragraphs never loads it
    import markdown
    from markdown.extensions import Extension
    from markdown.extensions.footnotes import FootnoteExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.inlinepatterns import SimpleTagInlineProcessor

    class _Superscript(Extension):
        """`1^{er}` → <sup>er</sup>."""

        def extendMarkdown(self, md: markdown.Markdown) -> None:
            md.inlinePatterns.register(SimpleTagInlineProcessor(r"()\^\{(.+?)\}", "sup"), "paraphe_sup", 75)

    # extensions given as instances: a name ("sane_lists") makes python-markdown read every package's entry points
    md = markdown.Markdown(extensions=[_Superscript(), SaneListExtension(),
                                       FootnoteExtension(BACKLINK_TITLE=BACKLINK_TITLE)])
    md.preprocessors.deregister("html_block")
    for name in ("html", "entity"):
        md.inlinePatterns.deregister(name)
    return md


BACKLINK_TITLE = "Revenir à l’appel de la note %d"
"""The title of a footnote's link back to its call (python-markdown's BACKLINK_TITLE; `%d`: the note's number)."""

_PARSERS = threading.local()  # a Markdown parser is stateful: one per thread (Dask workers run tasks in threads)


def _parser() -> markdown.Markdown:
    """Return this thread's Markdown parser (made once: building one costs more than parsing a paragraph)."""
    if not hasattr(_PARSERS, "markdown"):
        _PARSERS.markdown = new_markdown()
    return _PARSERS.markdown


_PATTERN_NEEDS = {
    "backtick": ("`",), "escape": ("\\",), "reference": ("[",), "link": ("[",), "image_link": ("[",),
    "image_reference": ("[",), "short_reference": ("[",), "short_image_ref": ("[",), "autolink": ("<",),
    "automail": ("<",), "linebreak": ("  ",), "not_strong": ("*", "_"), "em_strong": ("*",), "em_strong2": ("_",),
    "paraphe_sup": ("^{",), "footnote": ("[^",),
}
"""Strings one of which each inline pattern's regular expression needs to match (python-markdown's delimiter
processor, when it has one, needs one of its delimiters; a pattern not named here is always tried)."""


def _inline_patterns(md: markdown.Markdown, source: str) -> list:
    """Return, in python-markdown's order, the inline patterns of `md` that may match in `source`."""
    if not hasattr(md, "paraphe_pattern_needs"):
        registry = md.inlinePatterns
        names = sorted((item.name for item in registry._priority), key=registry.get_index_for_name)
        md.paraphe_pattern_needs = [
            (registry[name], tuple(getattr(registry[name], "tokens", None) or ()) or _PATTERN_NEEDS.get(name))
            for name in names]
        md.paraphe_pattern_lists = {}
    may_match = tuple(needs is None or any(need in source for need in needs)
                      for _, needs in md.paraphe_pattern_needs)
    kept = md.paraphe_pattern_lists.get(may_match)
    if kept is None:
        kept = md.paraphe_pattern_lists[may_match] = [
            pattern for (pattern, _), keep in zip(md.paraphe_pattern_needs, may_match) if keep]
    return kept


_NEEDS_PARSER = re.compile(r"[\\`*_\[<^\t\r\x02\x03]|  \n|^(?:[ #>=+-]|[0-9]+[.)])", re.M)
"""What may make python-markdown read a text as more than paragraphs of plain text: a character one of its inline
patterns needs (`` ` `` code, `\\` escape, `*` `_` emphasis, `[` links, images and footnotes, `<` autolinks,
`^{` superscripts, two spaces before a line break), one its preprocessor changes (tab, carriage return, its
placeholders STX and ETX), or a line starting with a space (code, list item continued) or with a block's marker:
`#` heading, `>` quote, `=` or `-` setext underline, `-` `+` `*` `_` list item or rule, `1.` numbered item."""


def _plain_tree(text: str) -> ET.Element | None:
    """Return the tree python-markdown makes of a text that is only paragraphs of plain text, made without it; None
    for a text it may read otherwise (`_NEEDS_PARSER`)."""
    if _NEEDS_PARSER.search(text):
        return None
    # python-markdown's steps on such a text: blocks split at blank lines, a block starting with a line break loses
    # it (its EmptyBlockProcessor), a blank block is dropped, any other is a paragraph (ParagraphProcessor); the
    # inline patterns find nothing to match; PrettifyTreeprocessor puts a line break in the root's text (when it
    # holds a paragraph) and in every tail.
    root = ET.Element("div")
    blocks = (text + "\n\n").split("\n\n")
    blocks.reverse()
    while blocks:
        block = blocks.pop()
        if block.startswith("\n"):
            if block[1:]:
                blocks.append(block[1:])
        elif block.strip():
            ET.SubElement(root, "p").text = block.lstrip()
    for paragraph in root:
        paragraph.tail = "\n"
    if len(root):
        root.text = "\n"
    root.tail = "\n"
    return root


_FAST_BACKLINK_TITLE = BACKLINK_TITLE.replace("%d", "{}")


def parse(text: str) -> ET.Element:
    """Return the element tree (HTML vocabulary) of a Markdown text."""
    if not text.strip():  # python-markdown makes no tree for blank text
        return ET.Element("div")
    # plain paragraphs first (the cheapest), then the common markup of contracts (`prose_markdown`), both made
    # into python-markdown's own tree without it; python-markdown for anything else
    tree = _plain_tree(text)
    if tree is None:
        tree = fast_tree(text, _FAST_BACKLINK_TITLE)
    return tree if tree is not None else _parsed(text)


def _parsed(text: str) -> ET.Element:
    """Return the element tree python-markdown makes of a Markdown text that is not blank."""
    md = _parser()
    md.reset()
    # python-markdown's `convert`, up to the finished tree (it serialises the tree to HTML after): preprocess,
    # parse the blocks, run the tree processors. The inline processor tries only the patterns that may match:
    # a pattern whose regular expression needs a character the text does not hold never matches (and
    # python-markdown tries each pattern on each piece of text, which was most of the parse).
    lines = text.split("\n")
    for preprocessor in md.preprocessors:
        lines = preprocessor.run(lines)
    root = md.parser.parseDocument(lines).getroot()
    md.treeprocessors["inline"].inlinePatterns = _inline_patterns(md, "\n".join(lines))
    for treeprocessor in md.treeprocessors:
        new_root = treeprocessor.run(root)
        if new_root is not None:
            root = new_root
    _unstash(md, root)
    return root


def _unstash(md: markdown.Markdown, root: ET.Element) -> None:
    """Put back the text python-markdown set aside (escaped characters like `\\*`)."""
    from markdown.util import STX

    def restore(text: str | None) -> str | None:
        if not text:
            return text
        for index in range(len(md.htmlStash.rawHtmlBlocks)):
            placeholder = md.htmlStash.get_placeholder(index)
            text = text.replace(placeholder, str(md.htmlStash.rawHtmlBlocks[index]))
        return _unescape(text)

    for element in root.iter():
        element.text = restore(element.text)
        element.tail = restore(element.tail)
        if STX in element.get("href", ""):  # an e-mail autolink's address
            element.set("href", restore(element.get("href")))


_ENTITY = re.compile(r"#([0-9]+);")


def _unescape(text: str) -> str:
    """Turn python-markdown's placeholders for backslash-escaped characters back into the characters."""
    from markdown.extensions.footnotes import FN_BACKLINK_TEXT, NBSP_PLACEHOLDER
    from markdown.util import ETX, STX

    if STX not in text:
        return text
    # the footnotes' placeholders, which python-markdown's serializer would replace
    text = text.replace(FN_BACKLINK_TEXT, "\u21a9").replace(NBSP_PLACEHOLDER, "\u00a0")
    out, i = [], 0
    while i < len(text):
        if text[i] == STX:
            end = text.index(ETX, i)
            body = text[i + 1 : end]
            i = end + 1
            if body == "amp":  # an e-mail autolink's letters, as entities « &#97; » behind an ampersand placeholder
                entity = _ENTITY.match(text, i)
                if entity:
                    out.append(chr(int(entity.group(1))))
                    i = entity.end()
                else:
                    out.append("&")
            else:
                out.append(chr(int(body)))
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


ALLOWED_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
"""The protocols a link of the content may use (besides `#anchor`, a place in the document itself)."""

_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")  # what browsers strip or drop from an address


def link_problem(url: str) -> str | None:
    """Return why a link's address is refused (in French), or None for http(s), mailto, tel and `#anchor`.

    The address is read as a browser or Word would: blanks and control characters dropped, protocol in any
    case (« JaVa\tScript: » is « javascript: »). An address without protocol (a file next to the document,
    `//host`) is refused too: it would point at a file of the reader's machine or a site of its choice.
    """
    cleaned = _IGNORED_IN_URLS.sub("", url)
    if cleaned.startswith("#"):
        return None
    shown = url if len(url) <= 60 else url[:57] + "…"
    match = _SCHEME.match(cleaned)
    if match and match.group(1).lower() in ALLOWED_SCHEMES:
        return None
    if match:
        return (f"lien « {shown} » refusé : protocole « {match.group(1)}: » interdit (seuls http://, https://, "
                "mailto:, tel: et les renvois internes « # » sont permis)")
    if not cleaned:
        return "lien sans adresse refusé : écrivez l'adresse entre les parenthèses (https://…)"
    return (f"lien « {shown} » refusé : adresse sans protocole ; écrivez l'adresse complète (https://…, "
            "mailto:…) ou un renvoi interne « #… »")


_FOOTNOTE_DEFINITION_MARK = re.compile(r"\[\^[^\[\]\n]*\]:")
"""A footnote definition's `[^label]:` (a label without brackets or line breaks)."""


def _could_hold_links(text: str) -> bool:
    """Tell whether a text may hold a link other than its footnotes' own (`#fn:…`, `#fnref:…`, always allowed): an
    inline link `](`, an autolink `<`, a reference `][`, or a reference definition's `]:` (one that is not a
    footnote definition's `[^1]:`).

    A `]:` inside a removed `[^label]:` cannot end a reference definition `[label]: address`: that definition's
    `[` starts its line and its label holds no bracket, so it would be the `[` of `[^label]:`, a line
    python-markdown's footnote block processor, which runs before the reference one, always takes."""
    if "](" in text or "<" in text or "][" in text:
        return True
    return "]:" in text and "]:" in _FOOTNOTE_DEFINITION_MARK.sub("", text)


_CHECKED_TREES: dict[str, ET.Element] = {}
"""The trees `refused_links` parsed, each left for the first render of the same text to take (`_tree`): a content
file is checked when loaded, then rendered, and parsing a text with links is the larger part of its cost."""
_CHECKED_TREES_KEPT = 512
"""The most trees left waiting (the texts of a few contracts): a build renders them soon after it checks them."""


def _tree(text: str) -> ET.Element:
    """Return the element tree of a Markdown text, to be changed at will: the one `refused_links` left, else a new
    one."""
    tree = _CHECKED_TREES.pop(text, None)
    return tree if tree is not None else parse(text)


@text_cache(maxsize=4096)
def refused_links(text: str) -> tuple[tuple[int, str], ...]:
    """Return the links of a Markdown text that are refused: (line, reason in French) for each, in order."""
    if not _could_hold_links(text):
        return ()
    refused = []
    searched_from = 0
    tree = parse(text)
    if len(_CHECKED_TREES) >= _CHECKED_TREES_KEPT:
        _CHECKED_TREES.clear()
    _CHECKED_TREES[text] = tree
    for element in tree.iter("a"):
        href = element.get("href", "")
        problem = link_problem(href)
        if problem is None:
            continue
        position = text.find(href, searched_from) if href else -1
        if position < 0:
            position = text.find(href) if href else -1
        else:
            searched_from = position + len(href)
        line = text.count("\n", 0, position) + 1 if position >= 0 else 1
        refused.append((line, problem))
    return tuple(refused)


@dataclass(frozen=True)
class ProseStyles:
    """Names of the template's styles that prose uses (a template restyles them, never the code)."""

    body: str = "Body Text"
    headings: tuple[str, ...] = ("Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5", "Heading 6")
    bullets: tuple[str, ...] = ("List Bullet", "List Bullet 2", "List Bullet 3")
    numbers: tuple[str, ...] = ("List Number", "List Number 2", "List Number 3")
    boxed: str = "Encadre"
    boxed_heading: str = "Encadre titre"
    code: str = "macro"
    strong: str = "Strong"
    emphasis: str = "Emphasis"
    superscript: str = "Exposant"
    code_inline: str = "Code"
    link: str = "Hyperlink"
    footnote: str = "Footnote Text"
    footnote_reference: str = "Footnote Reference"


_BLOCKS = {"p", "ul", "ol", "blockquote", "pre", "hr", "table", "div"} | {f"h{i}" for i in range(1, 7)}


class ProseRenderer:
    """Writes Markdown prose into a Word document with the template's named styles; its pictures
    (`![description](carte.png)`) are files of `images_dir`, the contract's folder."""

    def __init__(self, writer: DocumentWriter, styles: ProseStyles = ProseStyles(), images_dir: Path | None = None):
        self.writer = writer
        self.styles = styles
        if images_dir is not None:
            writer.image_loader = partial(load_image, images_dir)

    def render(self, text: str, heading_offset: int = 0, body_style: str | None = None,
               source: str | None = None) -> Fragment:
        """Return the fragment of a Markdown text; `#` becomes heading level 1 + `heading_offset`, and
        paragraphs take `body_style` when given (a table cell's style, say) instead of the body text style.
        `source`, the content file the text comes from, is marked around its paragraphs (for `relire`)."""
        return self.writer.fragment(word_blocks(text, heading_offset, body_style or self.styles.body, self.styles),
                                    source)


@text_cache(maxsize=1024)
def word_blocks(text: str, heading_offset: int, body_style: str, styles: ProseStyles) -> tuple[Block, ...]:
    """Return the Word paragraphs of a Markdown text (kept per process: the articles of many contracts share
    their wording)."""
    blocks: list[Block] = []
    root = _tree(text)
    _Blocks(styles, body_style, blocks, _notes(root)).blocks(root, heading_offset, boxed=False, depth=0)
    return with_keeps(blocks, styles)


def with_keeps(blocks: list[Block], styles: ProseStyles) -> tuple[Block, ...]:
    """Return the paragraphs with what keeps them together across pages (`wordml.flow.block_keeps`): an
    introduction with what it announces, a box's paragraphs."""
    keeps = block_keeps(["".join(inline.text for inline in block.inlines) for block in blocks],
                        [block.style in (styles.boxed, styles.boxed_heading) for block in blocks])
    return tuple(replace(block, keep_with_next=keep_next, keep_lines=keep_lines) if keep_next or keep_lines
                 else block for block, (keep_next, keep_lines) in zip(blocks, keeps))


def _is_notes(element: ET.Element) -> bool:
    """Tell whether an element is the list of footnotes python-markdown puts at the end of a text."""
    return element.tag == "div" and element.get("class") == "footnote"


def _notes(root: ET.Element) -> dict[str, ET.Element]:
    """Return the footnotes of a parsed text by the id their calls link to (`#fn:1` → the note's `li`)."""
    return {f"#{item.get('id')}": item for holder in root if _is_notes(holder) for item in holder.iter("li")}


class _Blocks:
    """Walks python-markdown's element tree into Word paragraphs."""

    def __init__(self, styles: ProseStyles, body_style: str, out: list[Block],
                 notes: dict[str, ET.Element] | None = None):
        self.styles = styles
        self.body_style = body_style
        self.out = out
        self.numbered_lists = 0
        self.notes = notes or {}
        self.called: set[str] = set()  # the notes already called: a second call refers to the same note

    def paragraph(self, style: str, inlines=(), numbered_list: int | None = None) -> None:
        self.out.append(Block(style, tuple(inlines), numbered_list))

    # --- blocks -------------------------------------------------------------------------------------------

    def blocks(self, parent: ET.Element, offset: int, boxed: bool, depth: int) -> None:
        for element in parent:
            tag = element.tag
            if _is_notes(element):
                continue  # each note goes with its call (`_footnote`)
            if tag == "p":
                self.paragraph(self.styles.boxed if boxed else self.body_style, self._inlines(element))
            elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                level = min(int(tag[1]) + offset, len(self.styles.headings))
                style = self.styles.boxed_heading if boxed else self.styles.headings[level - 1]
                self.paragraph(style, self._inlines(element))
            elif tag in ("ul", "ol"):
                self._list(element, offset, boxed, depth)
            elif tag == "blockquote":
                self.blocks(element, offset, boxed=True, depth=depth)
            elif tag == "pre":
                self.paragraph(self.styles.code, [Inline("".join(element.itertext()))])
            elif tag == "hr":
                self.paragraph(self.body_style)
            else:
                self.paragraph(self.body_style, self._inlines(element))

    def _list(self, element: ET.Element, offset: int, boxed: bool, depth: int) -> None:
        is_numbered = element.tag == "ol"
        styles = self.styles.numbers if is_numbered else self.styles.bullets
        style = styles[min(depth, len(styles) - 1)]
        numbered_list = None
        if is_numbered:  # each numbered list starts again at 1
            numbered_list = self.numbered_lists
            self.numbered_lists += 1
        for item in element:
            if item.tag != "li":
                continue
            # A loose item holds <p> children; a tight one holds its text directly.
            children = list(item)
            first_block = next((c for c in children if c.tag in _BLOCKS), None)
            if first_block is not None and first_block.tag == "p":
                self.paragraph(style, self._inlines(first_block), numbered_list)
                rest = [c for c in children if c is not first_block]
            else:
                inline_part = ET.Element("span")
                inline_part.text = item.text
                for child in children:
                    if child.tag in _BLOCKS:
                        break
                    inline_part.append(child)
                self.paragraph(style, self._inlines(inline_part), numbered_list)
                rest = [c for c in children if c.tag in _BLOCKS]
            for child in rest:
                if child.tag in ("ul", "ol"):
                    self._list(child, offset, boxed, depth + 1)
                else:
                    holder = ET.Element("div")
                    holder.append(child)
                    self.blocks(holder, offset, boxed, depth)

    # --- inlines ------------------------------------------------------------------------------------------

    def _inlines(self, element: ET.Element) -> list[Inline]:
        out: list[Inline] = []
        self._walk_inline(element, (), out, include_tail=False)
        return out

    def _walk_inline(self, element: ET.Element, styles: tuple[str, ...], out: list[Inline], include_tail: bool):
        tag = element.tag
        own = styles
        if tag in ("strong", "b"):
            own = styles + (self.styles.strong,)
        elif tag in ("em", "i"):
            own = styles + (self.styles.emphasis,)
        elif tag == "sup":
            own = styles + (self.styles.superscript,)
        elif tag == "code":
            own = styles + (self.styles.code_inline,)

        if tag == "br":
            out.append(Inline("", is_line_break=True))
        elif tag == "img":
            out.append(Inline(element.get("alt", ""), image=element.get("src", "")))
        elif tag == "sup" and len(element) == 1 and element[0].get("class") == "footnote-ref":
            out.append(self._footnote(element[0].get("href", "")))
        elif tag == "a":
            label = typographie("".join(element.itertext()))
            url = element.get("href", "")
            if link_problem(url) is None:
                out.append(Inline(label, own, url=url))
            else:  # refused when the content was loaded: never a hyperlink, whatever reached here
                out.append(Inline(label, own))
        else:
            if element.text:
                text = element.text if tag == "code" else typographie(element.text)
                out.append(Inline(text, own))
            for child in element:
                self._walk_inline(child, own, out, include_tail=True)
        if include_tail and element.tail:
            out.append(Inline(typographie(element.tail), styles))

    def _footnote(self, target: str) -> Inline:
        """Return the call of the footnote `target` (`#fn:1`): the note's paragraphs, at its first call; a
        later call of the same note refers to it."""
        note = self.notes.get(target)
        call = (self.styles.footnote_reference,)
        if note is None or target in self.called:
            return Inline("", call, footnote=(), footnote_key=target)
        self.called.add(target)
        paragraphs = []
        for child in note:
            for backlink in [a for a in child.iter("a") if a.get("class") == "footnote-backref"]:
                _remove(child, backlink)
            inlines = [_plain_link(inline) for inline in self._inlines(child)]
            if inlines and inlines[-1].text.endswith("\u00a0"):  # what stood before the backlink
                inlines[-1] = Inline(inlines[-1].text.rstrip("\u00a0"), inlines[-1].styles)
            paragraphs.append(Block(self.styles.footnote, tuple(inlines)))
        return Inline("", call, footnote=tuple(paragraphs), footnote_key=target)


def _remove(parent: ET.Element, element: ET.Element) -> None:
    """Remove `element` from the tree under `parent`, its tail kept in its place."""
    for holder in parent.iter():
        children = list(holder)
        if element in children:
            index = children.index(element)
            if element.tail:
                if index:
                    children[index - 1].tail = (children[index - 1].tail or "") + element.tail
                else:
                    holder.text = (holder.text or "") + element.tail
            holder.remove(element)
            return


def _plain_link(inline: Inline) -> Inline:
    """Return a link of a footnote as text (a note's part has no links of its own): its label, and its address
    after it when the label is not the address."""
    if inline.url is None:
        return inline if inline.image is None else Inline(inline.text, inline.styles)
    address = inline.url.removeprefix("mailto:").removeprefix("tel:")
    return Inline(inline.text if inline.text == address else f"{inline.text} ({address})", inline.styles)


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff")
"""The pictures prose may show: files of the contract's folder with these suffixes."""


def load_image(images_dir: Path, name: str) -> tuple[bytes, str]:
    """Return the bytes and file name of the picture `name` of a prose text: a file inside `images_dir` (the
    contract's folder), by a relative path; ValueError says, in French, why it cannot be shown."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", name) or name.startswith(("/", "\\")):
        raise ValueError(f"l'image « {name} » doit être un fichier du dossier du contrat, donné par son chemin "
                         "relatif (carte.png, images/carte.png)")
    folder = images_dir.resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder):
        raise ValueError(f"l'image « {name} » est hors du dossier du contrat")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(f"« {name} » n'est pas une image (formats acceptés : {', '.join(IMAGE_SUFFIXES)})")
    try:
        return path.read_bytes(), path.name
    except OSError:
        raise ValueError(f"l'image « {name} » est introuvable dans le dossier du contrat") from None


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|^-])")


def markdown_escape(text: str) -> str:
    """Return text that Markdown prints literally (for data spliced into prose: names, labels)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_link(label: str, url: str) -> str:
    """Return a Markdown link whose label is printed literally."""
    return f"[{markdown_escape(label)}]({url})"


_NOTE_ID = re.compile(r"(#?)fn(ref)?(\d*):(.+)")
"""python-markdown's ids of a note (`fn:1`) and of its calls (`fnref:1`, `fnref2:1` for the second), and links
to them."""


def _break_address(link: ET.Element) -> None:
    """Give the address a link prints its break opportunities (`<wbr>`, as `with_address_breaks` does in Word):
    a narrow table cell or a phone's screen breaks it after « @ » or before a dot, never inside a word, and a
    reader copying it gets it whole."""
    first, *rest = with_address_breaks(link.text).split(ADDRESS_BREAK)
    link.text = first
    for part in rest:
        ET.SubElement(link, "wbr").tail = part


class HtmlProseRenderer:
    """Writes Markdown prose as HTML for the web page: French typography, shifted headings with anchors."""

    def __init__(self):
        self.used_ids: set[str] = set()
        self.texts_with_notes = 0

    def anchor(self, text: str) -> str:
        """Return a unique id for a heading of the page."""
        base = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", text).encode("ascii", "ignore")
                      .decode().lower()).strip("-")[:60] or "section"
        candidate, counter = base, 1
        while candidate in self.used_ids:
            counter += 1
            candidate = f"{base}-{counter}"
        self.used_ids.add(candidate)
        return candidate

    def _name_notes(self, root: ET.Element) -> None:
        """Give the footnotes of a text, and their calls, ids of their own in the page (each text numbers its
        notes from 1): `note-2-1` for note 1 of the second text with notes, `appel-2-1` for its call."""
        self.texts_with_notes += 1
        text = self.texts_with_notes

        def renamed(value: str) -> str:
            match = _NOTE_ID.fullmatch(value)
            if match is None:
                return value
            hash_, call, repeat, label = match.groups()
            name = f"appel-{text}-{label}" + (f"-{repeat}" if repeat else "") if call else f"note-{text}-{label}"
            return hash_ + name

        for element in root.iter():
            for attribute in ("id", "href"):
                if element.get(attribute):
                    element.set(attribute, renamed(element.get(attribute)))
            if element.get("class") == "footnote-ref":
                element.set("aria-label", f"note {''.join(element.itertext())}")
            if _is_notes(element):
                element.set("role", "doc-endnotes")

    def render(self, text: str, heading_offset: int = 0, body_style: str | None = None,
               source: str | None = None) -> str:
        """Return the HTML of a Markdown text; `#` becomes `<h{1 + heading_offset}>` (at most h6). (`source` is
        for Word documents only.)"""
        root = _tree(text)
        if any(_is_notes(element) for element in root):
            self._name_notes(root)
        for element in root.iter():
            if element.tag in ("code", "pre"):
                continue
            if element.text:
                element.text = typographie(element.text)
            if element.tail:
                element.tail = typographie(element.tail)
            if re.fullmatch(r"h[1-6]", element.tag):
                element.tag = f"h{min(int(element.tag[1]) + heading_offset, 6)}"
                element.set("id", self.anchor("".join(element.itertext())))
            if element.tag == "blockquote":
                element.tag = "aside"
                element.set("class", "encadre")
            if element.tag == "a" and link_problem(element.get("href", "")) is not None:
                element.tag = "span"  # refused when the content was loaded: never a link, whatever reached here
                element.attrib.clear()
            elif element.tag == "a" and not len(element) and element.text and ADDRESS.search(element.text):
                _break_address(element)
        if body_style:
            for paragraph in root.iter("p"):
                paragraph.set("class", body_style.lower())
        return "".join(ET.tostring(child, encoding="unicode", method="html") for child in root)
