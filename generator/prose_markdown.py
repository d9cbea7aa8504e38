"""python-markdown's element tree of the constructs contract prose commonly uses, made without python-markdown.

Headings (`#`), bullet and numbered lists (sane lists, nested), quotes (`>`), footnotes (`[^1]` and `[^1]: …`),
inline links (`[texte](https://…)`, `[texte](#ancre "titre")`), autolinks (`<https://…>`, `<adresse@domaine.fr>`),
`**strong**`, `*emphasis*` and `***both***` paired simply, backslash escapes, the engine's `^{…}` superscripts and
paragraphs: `fast_tree` follows python-markdown's own steps for these (its whitespace preprocessor, its block
processors in their order with the parser's state, the footnotes' tree processor, the inline patterns in their
order and the inline processor's order of visit, the prettifier), so the tree is python-markdown's exactly: tags,
texts, tails, attributes. Whatever else a text holds (code, images, reference links, other `<`, `_`, line breaks, setext headings,
rules, `*` that do not pair simply…) makes it refuse the text (None), and `prose.parse` gives it to python-markdown.
`tests/test_prose_markdown.py` compares the trees.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET

_REFUSED_CHARACTERS = re.compile(r"[`_\t\r\x00-\x03]")
_LINE_BREAK = re.compile(r"  \n(?!\n)")
"""What the text may not hold at all, besides the footnotes' place marker: a character an inline pattern this
parser does not follow needs (`` ` `` code, `_` emphasis), two spaces before a line break, or a
character python-markdown's preprocessor changes (tab, carriage return, its placeholders STX and ETX; NUL and SOH
are this parser's own marks)."""

# python-markdown's block processors' regular expressions (tab length 4), as its source writes them
_HASH_HEADER = re.compile(r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)")
_SETEXT_HEADER = re.compile(r"^.*?\n(?:=+|-+)[ ]*(\n|$)", re.MULTILINE)
_RULE = re.compile(r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
                   r"(?P=atomicgroup)[ ]*$", re.MULTILINE)
_LIST_STARTS = frozenset(" 0123456789*+-")
"""The characters a list's block may start with."""
_OLIST = re.compile(r"^[ ]{0,3}\d+\.[ ]+(.*)")
_ULIST = re.compile(r"^[ ]{0,3}[*+-][ ]+(.*)")
_OLIST_ITEM = re.compile(r"^[ ]{0,3}((\d+\.))[ ]+(.*)")  # sane lists: a numbered list's items are numbered
_ULIST_ITEM = re.compile(r"^[ ]{0,3}(([*+-]))[ ]+(.*)")
_INDENTED_ITEM = re.compile(r"^[ ]{4,7}((\d+\.)|[*+-])[ ]+.*")
_INDENT = re.compile(r"^(([ ]{4})+)")
_QUOTE = re.compile(r"(^|\n)[ ]{0,3}>[ ]?(.*)")
_FOOTNOTE_DEFINITION = re.compile(r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$", re.MULTILINE)
_REFERENCE = re.compile(r"^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?"
                        r"""((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""", re.MULTILINE)
_FOOTNOTE_CALL = re.compile(r"\[\^([^\]]*)\]", re.DOTALL)
_FOOTNOTE_LABEL = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
"""The labels of footnote calls this parser takes (`1`, `note-2`): letters and digits, hyphens between."""
_STARS = re.compile(r"\*+")
_SPACES_LINE = re.compile(r"(?<=\n) +\n")

_BLOCK_LEVEL = frozenset({"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "hr"})
"""The tags this parser makes that python-markdown counts as block-level (its prettifier puts line breaks around
them)."""

FN_BACKLINK_TEXT = "\x02zz1337820767766393qq\x03"  # python-markdown's footnote placeholders (`_unescape` in prose)
NBSP_PLACEHOLDER = "\x02qq3936677670287331zz\x03"
_STASHED = "\x01"
"""Where an escaped character or a footnote call stands in a text while its emphasis is read (python-markdown has
a placeholder there: characters that are neither spaces nor `*`, as this one)."""
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_SUPERSCRIPT = re.compile(r"()\^\{(.+?)\}", re.DOTALL)  # as `prose.new_markdown` registers it
_ESCAPED_CHARS = frozenset("\\`*_{}[]()>#+-.!")
"""The characters a backslash escapes (python-markdown's ESCAPED_CHARS)."""
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>", re.DOTALL)  # python-markdown's AUTOLINK_RE
_AUTOMAIL = re.compile(r"<([^<> !]+@[^@<> ]+)>", re.DOTALL)  # its AUTOMAIL_RE
_LINK_PARENTHESIS = re.compile(r"""\(\s*(?:(<[^<>]*>)\s*(?:('[^']*'|"[^"]*")\s*)?\))?""", re.DOTALL)
"""LinkInlineProcessor.RE_LINK: the opening of a link's `(address "title")`."""
_TITLE_SPACE = re.compile(r"\s")  # LinkInlineProcessor.RE_TITLE_CLEAN


class _Refused(Exception):
    """The text holds something this parser does not follow: python-markdown parses it."""


def fast_tree(text: str, backlink_title: str) -> ET.Element | None:
    """Return the tree python-markdown (configured as `prose.new_markdown`) makes of a text, made without it; None
    when the text holds a construct this parser does not take. `backlink_title` is the footnotes' BACKLINK_TITLE
    (`{}` for the note's number)."""
    source = text + "\n\n"  # python-markdown's NormalizeWhitespace (what else it changes is refused)
    if "\n " in source:
        source = _SPACES_LINE.sub("\n", source)
    if _REFUSED_CHARACTERS.search(source) or "  \n" in source and _LINE_BREAK.search(source) \
            or "///Footnotes Go Here///" in source or not text.strip():
        return None
    try:
        return _Parser(backlink_title).document(source)
    except (_Refused, RecursionError):  # python-markdown stops reading quotes as such near the recursion limit
        return None


class _Parser:
    """One text's parse: python-markdown's block parser, footnotes and inline processor for the constructs taken."""

    def __init__(self, backlink_title: str):
        self.backlink_title = backlink_title
        self.state: list[str] = []  # python-markdown's BlockParser state: "list", "looselist", "blockquote"
        self.footnotes: dict[str, str] = {}
        self.used_refs: set[str] = set()
        self.found_refs: dict[str, int] = {}

    def document(self, source: str) -> ET.Element:
        root = ET.Element("div")
        self.blocks(root, source.split("\n\n"))
        notes = self.footnotes_div() if self.footnotes else None
        if notes is not None:
            root.append(notes)
        self.inline(root)
        if notes is not None:
            self.duplicate_backlinks(notes)
            for element in notes.iter():  # as `prose._unescape` puts them back
                if element.text and "\x02" in element.text:
                    element.text = _placeholders_replaced(element.text)
                if element.tail and "\x02" in element.tail:
                    element.tail = _placeholders_replaced(element.tail)
        _prettify(root)
        return root

    # --- blocks: BlockParser.parseBlocks and the block processors, in python-markdown's order ---------------

    def blocks(self, parent: ET.Element, blocks: list[str]) -> None:
        while blocks:
            block = blocks[0]
            if not block or block[0] == "\n":  # EmptyBlockProcessor
                blocks.pop(0)
                if block[1:]:
                    blocks.insert(0, block[1:])
                continue
            if block.startswith("    "):
                if (not self.state or self.state[-1] != "detabbed") and (
                        parent.tag == "li" or len(parent) and parent[-1].tag in ("ul", "ol")):
                    self.indented(parent, blocks)
                    continue
                raise _Refused  # CodeBlockProcessor
            # each expression is tried only when the text holds what it cannot match without
            match = _HASH_HEADER.search(block) if block[0] == "#" or "\n#" in block else None
            if match:
                self.heading(parent, blocks, match)
                continue
            second_line = block.find("\n") + 1
            if second_line and block[second_line:second_line + 1] in ("=", "-") and _SETEXT_HEADER.match(block):
                raise _Refused
            if ("--" in block or "- -" in block or "-  -" in block or "**" in block or "* *" in block
                    or "*  *" in block) and _RULE.search(block):  # a rule's marks, at most two spaces apart
                raise _Refused
            if block[0] in _LIST_STARTS:
                if _OLIST.match(block):
                    self.a_list(parent, blocks, "ol")
                    continue
                if _ULIST.match(block):
                    self.a_list(parent, blocks, "ul")
                    continue
            match = _QUOTE.search(block) if ">" in block else None
            if match:
                self.quote(parent, blocks, match)
                continue
            if "[" in block:
                match = _FOOTNOTE_DEFINITION.search(block)
                if match:
                    self.footnote_definition(blocks, match)
                    continue
                if _REFERENCE.search(block):
                    raise _Refused
            self.paragraph(parent, blocks)

    def heading(self, parent: ET.Element, blocks: list[str], match: re.Match) -> None:
        """HashHeaderProcessor."""
        block = blocks.pop(0)
        before, after = block[:match.start()], block[match.end():]
        if before:
            self.blocks(parent, [before])
        ET.SubElement(parent, f"h{len(match.group('level'))}").text = match.group("header").strip()
        if after:
            if self.state and self.state[-1] == "looselist":
                after = _loose_detab(after)
            blocks.insert(0, after)

    def a_list(self, parent: ET.Element, blocks: list[str], tag: str) -> None:
        """SaneOListProcessor and SaneUListProcessor."""
        items, start = self.list_items(blocks.pop(0), tag)
        sibling = parent[-1] if len(parent) else None
        if sibling is not None and sibling.tag == tag:
            lst = sibling
            if lst[-1].text:
                paragraph = ET.Element("p")
                paragraph.text = lst[-1].text
                lst[-1].text = ""
                lst[-1].insert(0, paragraph)
            last = lst[-1][-1] if len(lst[-1]) else None
            if last is not None and last.tail:
                ET.SubElement(lst[-1], "p").text = last.tail.lstrip()
                last.tail = ""
            item = ET.SubElement(lst, "li")
            self.state.append("looselist")
            self.blocks(item, [items.pop(0)])
            self.state.pop()
        elif parent.tag in ("ol", "ul"):
            lst = parent
        else:
            lst = ET.SubElement(parent, tag)
            if tag == "ol" and start != "1":
                lst.attrib["start"] = start
        self.state.append("list")
        for text in items:
            self.blocks(lst[-1] if text.startswith("    ") else ET.SubElement(lst, "li"), [text])
        self.state.pop()

    def indented(self, parent: ET.Element, blocks: list[str]) -> None:
        """ListIndentProcessor: an indented block inside the last item of a list (a nested list, an item's next
        paragraph)."""
        block = blocks.pop(0)
        level, sibling = self.indent_level(parent, block)
        block = _loose_detab(block, level)
        self.state.append("detabbed")
        if parent.tag == "li":
            self.blocks(parent[-1] if len(parent) and parent[-1].tag in ("ul", "ol") else parent, [block])
        elif sibling.tag == "li":
            self.blocks(sibling, [block])
        elif len(sibling) and sibling[-1].tag == "li":
            if sibling[-1].text:
                paragraph = ET.Element("p")
                paragraph.text = sibling[-1].text
                sibling[-1].text = ""
                sibling[-1].insert(0, paragraph)
            self.blocks(sibling[-1], block.split("\n\n"))
        else:
            self.blocks(ET.SubElement(sibling, "li"), [block])
        self.state.pop()

    def indent_level(self, parent: ET.Element, block: str) -> tuple[int, ET.Element]:
        """ListIndentProcessor.get_level: how many lists deep the block goes, and the element it goes in."""
        match = _INDENT.match(block)
        indent = len(match.group(1)) / 4 if match else 0
        level = 1 if self.state and self.state[-1] == "list" else 0  # a tight list's item is the parent already
        while indent > level:
            child = parent[-1] if len(parent) else None
            if child is None or child.tag not in ("ul", "ol", "li"):
                break
            if child.tag != "li":
                level += 1
            parent = child
        return level, parent

    @staticmethod
    def list_items(block: str, tag: str) -> tuple[list[str], str]:
        """OListProcessor.get_items (with sane lists' item expressions), and the number the list starts at."""
        item_re = _OLIST_ITEM if tag == "ol" else _ULIST_ITEM
        items: list[str] = []
        start = "1"
        for line in block.split("\n"):
            match = item_re.match(line)
            if match:
                if not items and tag == "ol":
                    start = re.match(r"\d+", match.group(1)).group()
                items.append(match.group(3))
            elif _INDENTED_ITEM.match(line):  # an item of a list inside the last one
                if items[-1].startswith("    "):
                    items[-1] = f"{items[-1]}\n{line}"
                else:
                    items.append(line)
            else:
                items[-1] = f"{items[-1]}\n{line}"
        return items, start

    def quote(self, parent: ET.Element, blocks: list[str], match: re.Match) -> None:
        """BlockQuoteProcessor."""
        block = blocks.pop(0)
        self.blocks(parent, [block[:match.start()]])
        block = "\n".join(_unquoted(line) for line in block[match.start():].split("\n"))
        sibling = parent[-1] if len(parent) else None
        quote = sibling if sibling is not None and sibling.tag == "blockquote" else ET.SubElement(parent,
                                                                                                "blockquote")
        self.state.append("blockquote")
        self.blocks(quote, block.split("\n\n"))
        self.state.pop()

    def footnote_definition(self, blocks: list[str], match: re.Match) -> None:
        """FootnoteBlockProcessor."""
        block = blocks.pop(0)
        preceding = block[:match.start()]
        for following in _FOOTNOTE_DEFINITION.finditer(block, match.end()):
            if block[match.end():following.start()].strip("\n"):
                break
            self.footnotes[match.group(1)] = match.group(2).rstrip()
            match = following
        label = match.group(1)
        note_blocks = [match.group(2)]
        rest = block[match.end():].lstrip("\n")
        following = _FOOTNOTE_DEFINITION.search(rest)
        if following:
            before = rest[:following.start()].rstrip("\n")
            note_blocks[0] = "\n".join([note_blocks[0], _detab(before)]).lstrip("\n")
            blocks.insert(0, rest[following.start():])
        else:
            note_blocks[0] = "\n".join([note_blocks[0], _detab(rest)]).strip("\n")
            while blocks and blocks[0].startswith("    "):  # detectTabbed
                indented = blocks.pop(0)
                inner = _FOOTNOTE_DEFINITION.search(indented)
                if inner:
                    note_blocks.append(_detab(indented[:inner.start()].rstrip("\n")))
                    blocks.insert(0, indented[inner.start():])
                    break
                note_blocks.append(_detab(indented))
        self.footnotes[label] = "\n\n".join(note_blocks).rstrip()
        if preceding.strip():
            blocks.insert(0, preceding.rstrip("\n"))

    def paragraph(self, parent: ET.Element, blocks: list[str]) -> None:
        """ParagraphProcessor (in a tight list item, the text goes to the item or the tail of its last child)."""
        block = blocks.pop(0)
        if not block.strip():
            return
        if self.state and self.state[-1] == "list":
            sibling = parent[-1] if len(parent) else None
            if sibling is not None:
                sibling.tail = f"{sibling.tail}\n{block}" if sibling.tail else f"\n{block}"
            elif parent.text:
                parent.text = f"{parent.text}\n{block}"
            else:
                parent.text = block.lstrip()
        else:
            ET.SubElement(parent, "p").text = block.lstrip()

    # --- footnotes: FootnoteExtension.makeFootnotesDiv and FootnotePostTreeprocessor -----------------------

    def footnotes_div(self) -> ET.Element:
        div = ET.Element("div")
        div.set("class", "footnote")
        ET.SubElement(div, "hr")
        ol = ET.SubElement(div, "ol")
        holder = ET.Element("div")
        if any("[^" in note for note in self.footnotes.values()):
            raise _Refused  # a call, or a definition python-markdown would add to the notes it is going through
        for number, label in enumerate(self.footnotes, start=1):
            item = ET.SubElement(ol, "li")
            item.set("id", f"fn:{label}")
            self.blocks(holder, self.footnotes[label].split("\n\n"))
            for element in list(holder):
                item.append(element)
                holder.remove(element)
            backlink = ET.Element("a")
            backlink.set("href", f"#fnref:{label}")
            backlink.set("class", "footnote-backref")
            backlink.set("title", self.backlink_title.format(number))
            backlink.text = FN_BACKLINK_TEXT
            if len(item):
                if item[-1].tag == "p":
                    item[-1].text = item[-1].text + NBSP_PLACEHOLDER
                    item[-1].append(backlink)
                else:
                    ET.SubElement(item, "p").append(backlink)
        return div

    def unique_ref(self, reference: str) -> str:
        """FootnoteExtension.unique_ref: the id of a call, numbered from the second call of the same note."""
        original = reference
        while reference in self.used_refs:
            ref, rest = reference.split(":", 1)
            match = re.match(r"(fnref)(\d+)", ref)
            reference = f"{match.group(1)}{int(match.group(2)) + 1}:{rest}" if match else f"{ref}2:{rest}"
        self.used_refs.add(reference)
        self.found_refs[original] = self.found_refs.get(original, 0) + 1
        return reference

    def duplicate_backlinks(self, notes: ET.Element) -> None:
        for item in notes.find("ol"):
            count = self.found_refs.get("fnref:" + item.get("id").split(":", 1)[1], 0)
            if count <= 1:
                continue
            for link in item.iter("a"):
                if link.get("class", "") == "footnote-backref":
                    ref, rest = link.get("href").split(":", 1)
                    last = item[-1]
                    for index in range(2, count + 1):
                        copied = copy.deepcopy(link)
                        copied.set("href", f"{ref}{index}:{rest}")
                        last.append(copied)
                    break

    # --- inlines: treeprocessors.InlineProcessor's order of visit, footnote calls and emphasis --------------

    def inline(self, root: ET.Element) -> None:
        # python-markdown reads again the texts and tails of the elements it made (a no-op: what they hold is what
        # no pattern took, its escaped characters still placeholders); here they are skipped, their escaped
        # characters being back already
        queue = [(root, 0)]
        while queue:
            element, position = queue.pop(0)
            while position < len(element):
                child = element[position]
                position += 1
                nested = len(child)  # the elements made of its text are put in after (as the processor does)
                made = 0
                if child.text:
                    pieces = self.inline_pieces(child.text)
                    if pieces is not None:
                        child.text = None
                        for made, node in enumerate(_link_text(child, pieces, is_text=True), start=1):
                            child.insert(made - 1, node)
                if child.tail:
                    pieces = self.inline_pieces(child.tail)
                    if pieces is not None:
                        child.tail = None
                        holder = ET.Element("d")
                        nodes = _link_text(holder, pieces, is_text=False)
                        child.tail = holder.tail
                        for index, node in enumerate(nodes):
                            element.insert(position + index, node)
                        position += len(nodes)  # the processor reads them again: nothing more to make
                if nested:
                    queue.append((child, made))

    def inline_pieces(self, text: str) -> list | None:
        """Return the pieces python-markdown makes of a text (strings, and elements for footnote calls and
        emphasis), or None when it leaves the text as it is.

        Its inline patterns run in turn over the text, each putting a placeholder where it matched: escapes
        first, then footnote calls, links, autolinks, superscripts, then emphasis, which sees the placeholders as
        characters that are neither spaces nor `*`. Here the placeholders are `_STASHED`, and `stash` holds what
        each stands for, in order.
        """
        if "*" not in text and "[" not in text and "\\" not in text and "^{" not in text and "<" not in text:
            return None
        stash: list = []
        if "\\" in text:
            text = self.escapes(text, stash)
        if "[" in text:
            text = self.calls(text, stash)
        if "[" in text:
            text = self.links(text, stash)
        if "<" in text:
            text = _autolinks(text, stash)
        return _spans(text, stash)

    @staticmethod
    def escapes(text: str, stash: list) -> str:
        """EscapeInlineProcessor: `\\*` is a placeholder for `*` (a character it does not escape stays, with its
        backslash)."""
        return _stashed(text, stash, [(match.start(), match.end(), match.group(1))
                                      for match in _ESCAPE.finditer(text) if match.group(1) in _ESCAPED_CHARS])

    def calls(self, text: str, stash: list) -> str:
        """FootnoteInlineProcessor: each `[^label]` of a defined note is a placeholder for its call (a call of an
        undefined note, or of a label with other characters than letters, digits and hyphens, is refused)."""
        found = []
        for match in _FOOTNOTE_CALL.finditer(text):
            label = match.group(1)
            if label not in self.footnotes or not _FOOTNOTE_LABEL.fullmatch(label):
                raise _Refused
            found.append((match.start(), match.end(), self.call(label)))
        return _stashed(text, stash, found)

    @staticmethod
    def links(text: str, stash: list) -> str:
        """LinkInlineProcessor (after the reference patterns, which find nothing: a text with a reference
        definition is refused): each `[text](address "title")` is a placeholder for its <a>, tried at each `[`
        in turn, from after the last link made. An image (`![`), brackets inside a link's text, an address in
        `<…>`, or a placeholder or `<` in an address or a title are refused."""
        if "![" in text:
            raise _Refused  # ImageInlineProcessor
        found = []
        position = text.find("[")
        while position >= 0:
            link = _link_at(text, position + 1)
            if link is None:
                position = text.find("[", position + 1)
                continue
            label, href, title, end = link
            if "[" in label or "]" in label or "<" in label or _STASHED in href or "<" in href \
                    or title is not None and _STASHED in title:
                raise _Refused
            found.append((position, end, (label, href, title)))
            position = text.find("[", end)
        return _stashed(text, stash, found, _link)

    def call(self, label: str) -> ET.Element:
        """FootnoteInlineProcessor: the call of a note, numbered in the order the notes are defined."""
        sup = ET.Element("sup")
        link = ET.SubElement(sup, "a")
        sup.set("id", self.unique_ref(f"fnref:{label}"))
        link.set("href", f"#fn:{label}")
        link.set("class", "footnote-ref")
        link.text = str(list(self.footnotes).index(label) + 1)
        return sup


def _link_at(text: str, index: int) -> tuple[str, str, str | None, int] | None:
    """LinkInlineProcessor.getText and getLink from just after a `[`: the link's text, address, title (None when
    it has none) and where it ends; None when there is no link there."""
    depth = 1  # getText: nested square brackets
    for position in range(index, len(text)):
        character = text[position]
        if character == "]":
            depth -= 1
        elif character == "[":
            depth += 1
        if depth == 0:
            label, index = text[index:position], position + 1
            break
    else:
        return None
    match = _LINK_PARENTHESIS.match(text, index)
    if not match:
        return None
    if match.group(1):
        raise _Refused  # `[text](<address>)`
    # getLink, as python-markdown writes it: nested parentheses, a title in quotes, and where to end when a
    # quote does not close
    href, title = "", None
    bracket_count = backtrack_count = 1
    start_index = index = match.end()
    last_bracket = -1
    quote = alt_quote = None
    start_quote = exit_quote = start_alt_quote = exit_alt_quote = -1
    ignore_matches = False
    last = ""
    for position in range(index, len(text)):
        character = text[position]
        if character == "(":
            if not ignore_matches:
                bracket_count += 1
            elif backtrack_count > 0:
                backtrack_count -= 1
        elif character == ")":
            if (exit_quote != -1 and quote == last) or (exit_alt_quote != -1 and alt_quote == last):
                bracket_count = 0
            elif not ignore_matches:
                bracket_count -= 1
            elif backtrack_count > 0:
                backtrack_count -= 1
                if backtrack_count == 0:
                    last_bracket = index + 1
        elif character in ("'", '"'):
            if not quote:
                ignore_matches = True
                backtrack_count = bracket_count
                bracket_count = 1
                start_quote = index + 1
                quote = character
            elif character != quote and not alt_quote:
                start_alt_quote = index + 1
                alt_quote = character
            elif character == quote:
                exit_quote = index + 1
            elif alt_quote and character == alt_quote:
                exit_alt_quote = index + 1
        index += 1
        if bracket_count == 0:
            if exit_quote >= 0 and quote == last:
                href = text[start_index:start_quote - 1]
                title = text[start_quote:exit_quote - 1]
            elif exit_alt_quote >= 0 and alt_quote == last:
                href = text[start_index:start_alt_quote - 1]
                title = text[start_alt_quote:exit_alt_quote - 1]
            else:
                href = text[start_index:index - 1]
            break
        if character != " ":
            last = character
    if bracket_count != 0 and backtrack_count == 0:
        href = text[start_index:last_bracket - 1]
        index = last_bracket
        bracket_count = 0
    if bracket_count != 0:
        return None
    if title is not None:
        title = title.strip()
        if title.startswith('"') and title.endswith('"') or title.startswith("'") and title.endswith("'"):
            title = title[1:-1]  # inlinepatterns.dequote
        title = _TITLE_SPACE.sub(" ", title)
    return label, href.strip(), title, index


def _link(parts: tuple[str, str, str | None], stash: list) -> ET.Element:
    """Return the <a> of a link (`parts`: its text, address and title; `stash`: the placeholders of its text, the
    next one last): its text goes through the patterns after the link's (superscripts, emphasis)."""
    label, href, title = parts
    link = ET.Element("a")
    link.set("href", href)
    if title is not None:
        link.set("title", title)
    if not label.strip():  # python-markdown leaves a blank text as it is
        link.text = label
        return link
    _link_text(link, _spans(label, stash[::-1]), is_text=True, into=link)
    return link


def _autolinks(text: str, stash: list) -> str:
    """AutolinkInlineProcessor then AutomailInlineProcessor: `<https://…>` and `<adresse@domaine.fr>` are
    placeholders for their <a>; any other `<`, and a placeholder inside one, is refused."""
    found = [(match.start(), match.end(), _autolink(match.group(1))) for match in _AUTOLINK.finditer(text)]
    text = _stashed(text, stash, found)
    if "<" not in text:
        return text
    found = [(match.start(), match.end(), _automail(match.group(1))) for match in _AUTOMAIL.finditer(text)]
    text = _stashed(text, stash, found)
    if "<" in text:
        raise _Refused
    return text


def _autolink(address: str) -> ET.Element:
    """Return the <a> of `<https://…>`: the address, as typed, is its text and its target."""
    if _STASHED in address:
        raise _Refused
    link = ET.Element("a")
    link.set("href", address)
    link.text = address
    return link


def _automail(address: str) -> ET.Element:
    """Return the <a> of `<adresse@domaine.fr>` (python-markdown writes its letters as entities, which
    `prose._unescape` turns back into letters: an address with a letter HTML names, `&` or `é` say, is refused)."""
    if _STASHED in address or not address.isascii() or "&" in address or '"' in address:
        raise _Refused
    address = address.removeprefix("mailto:")
    link = ET.Element("a")
    link.set("href", "mailto:" + address)
    link.text = address
    return link


def _spans(text: str, stash: list) -> list:
    """Return the pieces of a text once escapes, calls and links are placeholders (`stash`, in the text's order):
    the superscripts' pattern, then emphasis, which sees the placeholders as characters that are neither spaces
    nor `*`."""
    if "^{" in text:
        text = _superscripts(text, stash)
    stash.reverse()
    pieces: list = []
    end = 0
    if "*" in text:
        runs = list(_STARS.finditer(text))
        if len(runs) % 2:
            raise _Refused
        for opener, closer in zip(runs[::2], runs[1::2]):
            size, closing = opener.end() - opener.start(), closer.end() - closer.start()
            if text[opener.end()].isspace() or text[closer.start() - 1].isspace():
                raise _Refused
            literal = ""
            if closing != size:
                # `**strong***`: the star left after the closing pair is text (when nothing follows to pair)
                if (size, closing) != (2, 3) or closer is not runs[-1]:
                    raise _Refused
                literal = "*"
            elif size > 3:
                raise _Refused
            _unstashed(text[end:opener.start()], stash, pieces)
            inner: list = []
            _unstashed(text[opener.end():closer.start()], stash, inner)
            if size == 3:  # `***both***`: <strong><em>…</em></strong>, python-markdown leaving "" around
                emphasis = ET.Element("strong")
                emphasis.text = ""
                inside = ET.SubElement(emphasis, "em")
                _link_text(inside, inner, is_text=True, into=inside)
                inside.tail = ""
            else:
                emphasis = ET.Element("strong" if size == 2 else "em")
                _link_text(emphasis, inner, is_text=True, into=emphasis)
            pieces.append(emphasis)
            pieces.append(literal)
            end = closer.end()
    _unstashed(text[end:], stash, pieces)
    return pieces


def _superscripts(text: str, stash: list) -> str:
    """The engine's `^{…}` pattern: a placeholder for <sup>…</sup> (what it holds may not be emphasis or
    another superscript: python-markdown reads it again)."""
    found = []
    for match in _SUPERSCRIPT.finditer(text):
        inner = match.group(2)
        if "*" in inner or "^{" in inner:
            raise _Refused
        found.append((match.start(), match.end(), inner))
    return _stashed(text, stash, found, _superscript)


def _stashed(text: str, stash: list, found: list[tuple], make=None) -> str:
    """Return the text with a placeholder for each match of a pattern (`found`: start, end and what it stands for,
    in order), and put what each stands for in `stash`, among the placeholders already there, in the text's order.
    `make`, when given, makes what a match stands for of it and of the stashed things inside it."""
    if not found:
        return text
    parts, kept = [], stash[:]
    stash.clear()
    end = taken = 0
    for start, stop, item in found:
        before = text[end:start].count(_STASHED)
        stash.extend(kept[taken:taken + before])
        taken += before
        if make is not None:
            inside = text[start:stop].count(_STASHED)
            item = make(item, kept[taken:taken + inside][::-1])
            taken += inside
        parts.append(text[end:start])
        parts.append(_STASHED)
        stash.append(item)
        end = stop
    stash.extend(kept[taken:])
    parts.append(text[end:])
    return "".join(parts)


def _superscript(inner: str, stash: list) -> ET.Element:
    """Return <sup> of a superscript's text (its placeholders replaced by `stash`, the next one last)."""
    sup = ET.Element("sup")
    pieces: list = []
    _unstashed(inner, stash, pieces)
    _link_text(sup, pieces, is_text=True, into=sup)
    return sup


def _unstashed(text: str, stash: list, out: list) -> None:
    """Append the text's strings and elements to `out`, each placeholder replaced by what it stands for (`stash`,
    the next one last)."""
    if _STASHED not in text:
        out.append(text)
        return
    first, *rest = text.split(_STASHED)
    out.append(first)
    for part in rest:
        out.append(stash.pop())
        out.append(part)


def _link_text(parent: ET.Element, pieces: list, is_text: bool, into: ET.Element | None = None) -> list:
    """InlineProcessor.__processPlaceholders: text before the first element goes to the parent's text (or tail),
    text after an element to that element's tail; return the elements (appended to `into` when given)."""
    nodes: list[ET.Element] = []
    for piece in pieces:
        if isinstance(piece, str):
            if not piece:
                continue
            if nodes:
                nodes[-1].tail = nodes[-1].tail + piece if nodes[-1].tail else piece
            elif is_text:
                parent.text = parent.text + piece if parent.text else piece
            else:
                parent.tail = parent.tail + piece if parent.tail else piece
        else:
            nodes.append(piece)
            if into is not None:
                into.append(piece)
    return nodes


def _placeholders_replaced(text: str) -> str:
    """Return a text of the footnotes with python-markdown's placeholders replaced by what they stand for."""
    return text.replace(FN_BACKLINK_TEXT, "\u21a9").replace(NBSP_PLACEHOLDER, "\u00a0")


def _prettify(element: ET.Element) -> None:
    """PrettifyTreeprocessor: line breaks in block-level elements' texts and tails."""
    if (not element.text or not element.text.strip()) and len(element) and element[0].tag in _BLOCK_LEVEL:
        element.text = "\n"
    for child in element:
        if child.tag in _BLOCK_LEVEL:
            _prettify(child)
    if not element.tail or not element.tail.strip():
        element.tail = "\n"


def _unquoted(line: str) -> str:
    """BlockQuoteProcessor.clean: a line without its `>`."""
    match = _QUOTE.match(line)
    if line.strip() == ">":
        return ""
    return match.group(2) if match else line


def _detab(block: str) -> str:
    """FootnoteBlockProcessor.detab: lines indented by four spaces lose them."""
    return "\n".join(line.removeprefix("    ") for line in block.split("\n"))


def _loose_detab(text: str, level: int = 1) -> str:
    """BlockProcessor.looseDetab: lines indented by four spaces a level lose them."""
    indent = "    " * level
    return "\n".join(line.removeprefix(indent) for line in text.split("\n"))
