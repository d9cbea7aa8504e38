"""Redline: the new version of a document, with Word tracked changes (w:ins, w:del) against the old one.

Part of the WordprocessingML layer (with `wordml`): it compares two rendered documents' bodies and writes real
revisions that Word and LibreOffice list, accept and reject. Blocks are matched paragraph by paragraph and
table row by table row, a changed block paired with the old one it resembles; a paragraph changed in place gets
a diff on the tokens a reader sees as one thing (an amount with its unit « 120 000 € », a date, a number such as
« 2.3 » or « 3-1 », a word), neighbouring changes merged into one phrase, each run keeping its formatting;
a table is compared cell by cell, its unchanged rows untouched. The table of contents is taken from the new
version as is: Word rebuilds it.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import re
import zipfile

from ..caches import text_cache
from ..container import Member, read_members, write_zip
from .parts import new_element, parse_part, qn, serialize_part
from .writer import add_setting

W_P, W_TBL, W_TR, W_R, W_T = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:r"), qn("w:t")
# The parts a redline reads and rewrites, at the names Word and python-docx give them
_DOCUMENT_PART, _SETTINGS_PART = "word/document.xml", "word/settings.xml"
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_TOKENS = re.compile(
    r"\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?:,\d+)?[\u00a0\u202f ]?(?:€|%|euros?\b)"  # 120 000 €, spaces as typed
    r"|\d{1,3}(?:[\u00a0\u202f]\d{3})+(?:,\d+)?"  # 120 000
    rf"|\d{{1,2}}(?:er)?[\u00a0 ](?:{_MONTHS})[\u00a0 ]\d{{4}}"  # 9 juillet 2021
    r"|\d{1,2}/\d{1,2}/\d{2,4}"  # 15/03/2022
    r"|\d+(?:[.,\-]\d+)*(?:[\u00a0\u202f ]?(?:€|%))?"  # 2.3, 3-1, 1,5 %, 800 €
    r"|\w+(?:['’\-]\w+)*"  # a word: l’article, Pas-de-Calais
    r"|\s+"
    r"|.", re.IGNORECASE)
"""A reader's units: what a redline deletes or inserts whole (never « 120 » of « 120 000 € »)."""

_ALIGN_LIMIT = 2_000
"""Pairs of changed blocks (old × new) past which they are compared by a cheap test only."""

_SHORT_WORD = 3
"""Changes separated by spaces and at most one word this short (« de », « la ») are shown as one phrase."""


class _Revisions:
    """Creates revision elements with unique ids, one author and one date."""

    def __init__(self, author: str, when: dt.datetime):
        self.author = author
        self.date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.next_id = 1

    def mark(self, tag: str):
        element = new_element(tag)
        element.set(qn("w:id"), str(self.next_id))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.date)
        self.next_id += 1
        return element


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(W_T))


_W_PPR, _W_PSTYLE, _W_VAL = qn("w:pPr"), qn("w:pStyle"), qn("w:val")


def _style(paragraph) -> str:
    ppr = paragraph.find(_W_PPR)
    style = ppr.find(_W_PSTYLE) if ppr is not None else None
    return style.get(_W_VAL) if style is not None else ""


def _signature(element) -> str:
    if element.tag == W_P:
        return "p:" + _style(element) + ":" + _text(element)
    if element.tag == W_TBL:
        return "t:" + "|".join(_text(tr) for tr in element.iter(W_TR))
    return "x:" + element.tag


def _block_key(element) -> tuple[str, str, str]:
    """Return what tells two blocks apart when pairing them: kind, style and text."""
    return element.tag, _style(element) if element.tag == W_P else "", _text(element)


def _similar_blocks(old: tuple, new: tuple) -> bool:
    """Tell whether a new block (its `_block_key`) is the old one changed: two tables, or two paragraphs of one
    style whose texts are close."""
    if old[:2] != new[:2]:
        return False
    return old[0] == W_TBL or _similar_texts(old[2], new[2])


def _roughly_similar_blocks(old: tuple, new: tuple) -> bool:
    """Tell cheaply whether a new block may be the old one changed: same kind and style, same opening words."""
    return old[:2] == new[:2] and (old[0] == W_TBL or old[2][:24] == new[2][:24] != "")


def _is_toc(element) -> bool:
    return element.tag == W_P and _style(element).lower().startswith("toc")


def _mark_paragraph_mark(paragraph, mark) -> None:
    """Mark the paragraph's own mark (its end) as inserted or deleted."""
    ppr = paragraph.find(qn("w:pPr"))
    if ppr is None:
        ppr = new_element("w:pPr")
        paragraph.insert(0, ppr)
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = new_element("w:rPr")
        ppr.append(rpr)
    rpr.append(mark)


def _as_deleted_run(run):
    for t in run.iter(W_T):
        t.tag = qn("w:delText")
    for instr in run.iter(qn("w:instrText")):
        instr.tag = qn("w:delInstrText")
    return run


def _wrap_runs(paragraph, revisions: _Revisions, kind: str) -> None:
    """Put every run of the paragraph (links included) inside a w:ins or w:del."""
    for run in list(paragraph.iter(W_R)):
        parent = run.getparent()
        if parent.tag in (qn("w:ins"), qn("w:del")):
            continue
        wrapper = revisions.mark(f"w:{kind}")
        parent.replace(run, wrapper)
        wrapper.append(_as_deleted_run(run) if kind == "del" else run)


def _mark_block(element, revisions: _Revisions, kind: str):
    """Return the block (paragraph or table) marked whole as inserted or deleted."""
    paragraphs = [element] if element.tag == W_P else list(element.iter(W_P))
    for paragraph in paragraphs:
        _wrap_runs(paragraph, revisions, kind)
        _mark_paragraph_mark(paragraph, revisions.mark(f"w:{kind}"))
    if element.tag == W_TBL:
        for row in element.iter(W_TR):
            trpr = row.find(qn("w:trPr"))
            if trpr is None:
                trpr = new_element("w:trPr")
                row.insert(0 if row.find(qn("w:tblPrEx")) is None else 1, trpr)
            if len(trpr) == 0:  # the schema wants a row property before the revision mark: one that changes nothing
                can_split = new_element("w:cantSplit")
                can_split.set(qn("w:val"), "off")
                trpr.append(can_split)
            trpr.append(revisions.mark(f"w:{kind}"))
    return element


def _run_like(template_run, text: str, deleted: bool):
    run = new_element("w:r")
    rpr = template_run.find(qn("w:rPr")) if template_run is not None else None
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    t = new_element("w:delText" if deleted else "w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    return run


@text_cache(maxsize=8192)  # a block's text is cut once, however many blocks it is compared with
def tokens(text: str) -> tuple[str, ...]:
    """Return the text cut into the tokens a redline compares: amounts with their unit, dates, numbers, words,
    spaces and signs (joined, they are the text)."""
    return tuple(_TOKENS.findall(text))


def _is_glue(parts: list[str]) -> bool:
    """Tell whether unchanged tokens between two changes are too little to stand apart: spaces, signs, or one
    short word."""
    words = [p for p in parts if p.strip() and (p[0].isalnum())]
    return len(words) == 0 or (len(words) == 1 and len(words[0]) <= _SHORT_WORD and len(parts) <= 3)


def phrase_changes(old_text: str, new_text: str) -> list[tuple[str, str, str]]:
    """Return the diff of two texts as (op, old part, new part), op « = » or « ~ »: tokens compared, then each
    change merged with its neighbours when only spaces or one short word stand between them."""
    old_tokens, new_tokens = list(tokens(old_text)), list(tokens(new_text))
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    segments: list[list] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old_part, new_part = old_tokens[i1:i2], new_tokens[j1:j2]
        if op == "equal":
            segments.append(["=", old_part, new_part])
        else:
            segments.append(["~", old_part, new_part])
    merged: list[list] = []
    for index, segment in enumerate(segments):
        between = (segment[0] == "=" and 0 < index < len(segments) - 1 and merged and merged[-1][0] == "~"
                   and _is_glue(segment[1]))
        if between or (segment[0] == "~" and merged and merged[-1][0] == "~"):
            merged[-1][1] = merged[-1][1] + segment[1]
            merged[-1][2] = merged[-1][2] + segment[2]
        else:
            merged.append(list(segment))
    result = []
    for op, old_part, new_part in merged:
        old_part, new_part = "".join(old_part), "".join(new_part)
        if op == "~":
            # spaces shared at both ends stay outside the change: « ~~120 000 €~~ 234 000 € », not « ~~120 000 € ~~ »
            lead = len(old_part) - len(old_part.lstrip())
            lead = min(lead, len(new_part) - len(new_part.lstrip()))
            if lead and old_part[:lead] == new_part[:lead]:
                result.append(("=", old_part[:lead], new_part[:lead]))
                old_part, new_part = old_part[lead:], new_part[lead:]
            trail = min(len(old_part) - len(old_part.rstrip()), len(new_part) - len(new_part.rstrip()))
            tail = ("=", old_part[len(old_part) - trail:], new_part[len(new_part) - trail:]) if trail and \
                old_part[len(old_part) - trail:] == new_part[len(new_part) - trail:] else None
            if tail:
                old_part, new_part = old_part[:len(old_part) - trail], new_part[:len(new_part) - trail]
            result.append(("~", old_part, new_part))
            if tail:
                result.append(tail)
        else:
            result.append(("=", old_part, new_part))
    return _spaced_replacements([change for change in result if change[1] or change[2]])


def _spaced_replacements(changes: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Return the changes with a space between a deleted phrase and the phrase inserted in its place, as a
    reader expects (« ~~six~~ sept », not « sixsept »): the space the unchanged text has just before (else just
    after) the replacement joins both of its sides, so that accepting and rejecting the revisions both give the
    texts back. A replacement with no space beside it is left as it is (`_diff_paragraph` separates it)."""
    changes = [list(change) for change in changes]
    for index, (op, old_part, new_part) in enumerate(changes):
        if op != "~" or not old_part or not new_part or old_part[-1].isspace() or new_part[0].isspace():
            continue
        before = changes[index - 1] if index and changes[index - 1][0] == "=" else None
        after = changes[index + 1] if index + 1 < len(changes) and changes[index + 1][0] == "=" else None
        if before and before[1][-1:].isspace() and not old_part[0].isspace():
            space = before[1][-1]
            before[1], before[2] = before[1][:-1], before[2][:-1]
            changes[index][1], changes[index][2] = space + old_part, space + new_part
        elif after and after[1][:1].isspace() and not new_part[-1].isspace():
            space = after[1][0]
            after[1], after[2] = after[1][1:], after[2][1:]
            changes[index][1], changes[index][2] = old_part + space, new_part + space
    return [(op, old_part, new_part) for op, old_part, new_part in changes if old_part or new_part]


def _run_spans(paragraph) -> list[tuple[int, int, object]]:
    """Return (start, end, run) of the text of each run of the paragraph, in the order of `_text`."""
    spans, position = [], 0
    for run in paragraph.iter(W_R):
        length = sum(len(t.text or "") for t in run.iter(W_T))
        if length:
            spans.append((position, position + length, run))
            position += length
    return spans


def _runs_for(spans, start: int, end: int, text: str, deleted: bool) -> list:
    """Return runs holding `text` (the paragraph's characters start to end), each with its source run's format."""
    runs = []
    for span_start, span_end, run in spans:
        low, high = max(start, span_start), min(end, span_end)
        if low < high:
            runs.append(_run_like(run, text[low - start:high - start], deleted))
    if not runs and text:
        runs.append(_run_like(spans[0][2] if spans else None, text, deleted))
    return runs


def _diff_paragraph(old, new, revisions: _Revisions):
    """Return the new paragraph rewritten as a redline of the old one, phrase by phrase, formats kept."""
    old_spans, new_spans = _run_spans(old), _run_spans(new)
    result = copy.deepcopy(new)
    bookmark_ends = []
    for child in list(result):
        if child.tag == qn("w:bookmarkEnd"):  # ends after the whole redlined text, old and new
            bookmark_ends.append(child)
        if child.tag not in (qn("w:pPr"), qn("w:bookmarkStart")):  # a heading keeps its sommaire's target
            result.remove(child)
    old_at = new_at = 0
    for op, old_part, new_part in phrase_changes(_text(old), _text(new)):
        if op == "=":
            result.extend(_runs_for(new_spans, new_at, new_at + len(new_part), new_part, deleted=False))
        else:
            if old_part:
                wrapper = revisions.mark("w:del")
                wrapper.extend(_runs_for(old_spans, old_at, old_at + len(old_part), old_part, deleted=True))
                if new_part and not old_part[-1].isspace() and not new_part[0].isspace():
                    # nothing to share stands beside the replacement (a whole cell: « 120 000 € » changed):
                    # a deleted space keeps it from touching what is inserted; accepted, the text is exact
                    wrapper.append(_run_like(wrapper[-1], " ", deleted=True))
                result.append(wrapper)
            if new_part:
                wrapper = revisions.mark("w:ins")
                wrapper.extend(_runs_for(new_spans, new_at, new_at + len(new_part), new_part, deleted=False))
                result.append(wrapper)
        old_at += len(old_part)
        new_at += len(new_part)
    result.extend(bookmark_ends)
    return result


def _similar_texts(old_text: str, new_text: str) -> bool:
    """Tell whether a changed text is the old one edited (paired and diffed) rather than another one."""
    if not old_text.strip() or not new_text.strip():
        return old_text.strip() == new_text.strip()
    matcher = difflib.SequenceMatcher(None, tokens(old_text), tokens(new_text), autojunk=False)
    # the cheap upper bounds first: most pairs compared while aligning are far apart
    return matcher.real_quick_ratio() >= 0.5 and matcher.quick_ratio() >= 0.5 and matcher.ratio() >= 0.5


def align(olds: list, news: list, similar, roughly=None) -> list[tuple[int | None, int | None]]:
    """Return the old and new items paired in order (the longest run of similar pairs), each unpaired item
    alone: (i, j), (i, None) for a deleted one, (None, j) for an inserted one.

    Past `_ALIGN_LIMIT` pairs, `roughly` (a cheap test) stands for `similar`; past a hundred times more, or
    without it, items are paired in order when they are as many, else none is.
    """
    n, m = len(olds), len(news)
    if n * m > _ALIGN_LIMIT:
        if roughly is None or n * m > 100 * _ALIGN_LIMIT:
            if n == m:
                return [(i, i) for i in range(n)]
            return [(i, None) for i in range(n)] + [(None, j) for j in range(m)]
        similar = roughly
    is_similar = [[similar(old, new) for new in news] for old in olds]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1], best[i + 1][j + 1] + 1 if is_similar[i][j] else 0)
    pairs, i, j = [], 0, 0
    while i < n or j < m:
        if i < n and j < m and is_similar[i][j] and best[i][j] == best[i + 1][j + 1] + 1:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif i < n and (j == m or best[i + 1][j] >= best[i][j + 1]):
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    return pairs


def _cells_text(row) -> list[str]:
    return [_text(cell) for cell in row.findall(qn("w:tc"))]


def _columns_text(row) -> list[str]:
    """Return the text of each grid column of a row: a merged cell's text once for every column it spans (the
    maquette's « TOTAL » spans the columns of the axis and the fiche number)."""
    columns = []
    for cell in row.findall(qn("w:tc")):
        span = cell.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
        columns += [_text(cell)] * (int(span.get(qn("w:val"))) if span is not None else 1)
    return columns


def _row_key(row) -> tuple[tuple[str, ...], str]:
    """Return what tells two rows apart when pairing them: their grid columns' texts and their whole text."""
    return tuple(_columns_text(row)), "".join(_cells_text(row))


def _similar_rows(old: tuple, new: tuple) -> bool:
    """Tell whether a new row (its `_row_key`) is the old one changed: the same first two columns (the maquette's
    axis and fiche number), or a close text."""
    if len(old[0]) == len(new[0]) >= 2 and old[0][:2] == new[0][:2] and any(old[0][:2]):
        return True
    return _similar_texts(old[1], new[1])


def _same_key_rows(old: tuple, new: tuple) -> bool:
    """Tell cheaply whether a new row may be the old one changed: the same first two columns."""
    return len(old[0]) == len(new[0]) and old[0][:2] == new[0][:2]


def _diff_table(old, new, revisions: _Revisions):
    """Return the new table with its inserted and deleted rows marked and its changed rows compared cell by
    cell; unchanged rows are left untouched."""
    old_rows, new_rows = list(old.iter(W_TR)), list(new.iter(W_TR))
    result = copy.deepcopy(new)
    for row in list(result.iter(W_TR)):
        result.remove(row)
    matcher = difflib.SequenceMatcher(None, [_text(r) for r in old_rows], [_text(r) for r in new_rows],
                                      autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for row in new_rows[j1:j2]:
                result.append(copy.deepcopy(row))
            continue
        olds, news = old_rows[i1:i2], new_rows[j1:j2]
        for i, j in align([_row_key(r) for r in olds], [_row_key(r) for r in news], _similar_rows,
                          _same_key_rows):
            if j is None:
                result.append(_mark_block_row(copy.deepcopy(olds[i]), revisions, "del"))
            elif i is None:
                result.append(_mark_block_row(copy.deepcopy(news[j]), revisions, "ins"))
            else:
                result.append(_diff_row(olds[i], news[j], revisions))
    return result


def _mark_block_row(row, revisions: _Revisions, kind: str):
    holder = new_element("w:tbl")
    holder.append(row)
    _mark_block(holder, revisions, kind)
    holder.remove(row)
    return row


def _diff_row(old_row, new_row, revisions: _Revisions):
    result = copy.deepcopy(new_row)
    old_cells, new_cells = old_row.findall(qn("w:tc")), result.findall(qn("w:tc"))
    if len(old_cells) != len(new_cells):
        return _mark_block_row(result, revisions, "ins")
    for old_cell, new_cell in zip(old_cells, new_cells):
        if _text(old_cell) == _text(new_cell):
            continue
        old_ps, new_ps = old_cell.findall(W_P), new_cell.findall(W_P)
        if len(old_ps) == len(new_ps):
            for old_p, new_p in zip(old_ps, new_ps):
                if _text(old_p) != _text(new_p):
                    new_cell.replace(new_p, _diff_paragraph(old_p, new_p, revisions))
        else:
            for old_p in old_ps:
                new_cell.insert(new_cell.index(new_ps[0]), _mark_block(copy.deepcopy(old_p), revisions, "del"))
            for new_p in new_ps:
                _mark_block(new_p, revisions, "ins")
    return result


def redline(old_docx: bytes, new_docx: bytes, *, author: str, when: dt.datetime) -> bytes:
    """Return the new document with tracked changes that turn the old one into it.

    Only the bodies (`word/document.xml`) and the new document's settings are parsed, with lxml as python-docx
    parses them (`parts`), not through python-docx's package: a package and its parts point at each other, a
    reference cycle that would hold both parsed documents until the collector's next full pass. The new
    document's other parts are copied as they are.
    """
    with zipfile.ZipFile(io.BytesIO(old_docx)) as archive:
        old_document = parse_part(archive.read(_DOCUMENT_PART))
    with zipfile.ZipFile(io.BytesIO(new_docx)) as archive:
        new_document = parse_part(archive.read(_DOCUMENT_PART))
        settings = parse_part(archive.read(_SETTINGS_PART)) if _SETTINGS_PART in archive.namelist() else None
    revisions = _Revisions(author, when)
    old_body, new_body = old_document.find(qn("w:body")), new_document.find(qn("w:body"))
    old_blocks = [e for e in old_body if e.tag in (W_P, W_TBL) and not _is_toc(e)]
    new_children = list(new_body)
    new_blocks = [e for e in new_children if e.tag in (W_P, W_TBL) and not _is_toc(e)]
    replacement: dict[int, list] = {}  # id of a new block → the elements that stand for it
    deleted_at_end: list = []
    matcher = difflib.SequenceMatcher(None, [_signature(e) for e in old_blocks], [_signature(e) for e in new_blocks],
                                      autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = old_blocks[i1:i2], new_blocks[j1:j2]
        deleted: list = []
        pairs = align([_block_key(e) for e in olds], [_block_key(e) for e in news], _similar_blocks,
                      _roughly_similar_blocks)
        for i, j in pairs:
            if j is None:
                deleted.append(_mark_block(copy.deepcopy(olds[i]), revisions, "del"))
                continue
            new = news[j]
            if i is None:
                changed = _mark_block(copy.deepcopy(new), revisions, "ins")
            elif new.tag == W_P:
                changed = _diff_paragraph(olds[i], new, revisions)
            else:
                changed = _diff_table(olds[i], new, revisions)
            replacement[id(new)] = deleted + [changed]
            deleted = []
        if not deleted:
            continue
        if j2 < len(new_blocks):  # deleted blocks go before the next unchanged one
            anchor = new_blocks[j2]
            replacement[id(anchor)] = deleted + replacement.get(id(anchor), [anchor])
        else:
            deleted_at_end.extend(deleted)
    for child in new_children:
        elements = replacement.get(id(child))
        if elements is None:
            continue
        for element in elements:
            if element is not child:
                child.addprevious(element)
        if not any(element is child for element in elements):
            new_body.remove(child)
    sect_pr = new_body.find(qn("w:sectPr"))
    for element in deleted_at_end:
        if sect_pr is not None:
            sect_pr.addprevious(element)
        else:
            new_body.append(element)
    changed = {_DOCUMENT_PART: new_document}
    # Word goes on tracking the reader's own changes; a document without settings shows the marks all the same
    if settings is not None:
        if settings.find(qn("w:trackRevisions")) is None:
            add_setting(settings, new_element("w:trackRevisions"))
        changed[_SETTINGS_PART] = settings
    return write_zip([Member.compress(m.name, serialize_part(changed[m.name])) if m.name in changed else m
                      for m in read_members(io.BytesIO(new_docx))])

