"""Redline: the new version of a document, with Word tracked changes (w:ins, w:del) against the old one.

Part of the WordprocessingML layer (with `wordml`): it compares two rendered documents' bodies and writes real
revisions that Word and LibreOffice list, accept and reject. Blocks are matched paragraph by paragraph and
table row by table row; a paragraph changed in place gets a word-level diff. The table of contents is taken from
the new version as is: Word rebuilds it.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import re
import zipfile

from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn

from ..container import Member, read_members, write_zip
from .writer import add_setting

W_P, W_TBL, W_TR, W_R, W_T = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:r"), qn("w:t")
# The parts a redline reads and rewrites, at the names Word and python-docx give them
_DOCUMENT_PART, _SETTINGS_PART = "word/document.xml", "word/settings.xml"
_WORDS = re.compile(r"\s+|[^\s]+")


class _Revisions:
    """Creates revision elements with unique ids, one author and one date."""

    def __init__(self, author: str, when: dt.datetime):
        self.author = author
        self.date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.next_id = 1

    def mark(self, tag: str):
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(self.next_id))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.date)
        self.next_id += 1
        return element


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(W_T))


def _style(paragraph) -> str:
    ppr = paragraph.find(qn("w:pPr"))
    style = ppr.find(qn("w:pStyle")) if ppr is not None else None
    return style.get(qn("w:val")) if style is not None else ""


def _signature(element) -> str:
    if element.tag == W_P:
        return "p:" + _style(element) + ":" + _text(element)
    if element.tag == W_TBL:
        return "t:" + "|".join(_text(tr) for tr in element.iter(W_TR))
    return "x:" + element.tag


def _is_toc(element) -> bool:
    return element.tag == W_P and _style(element).lower().startswith("toc")


def _mark_paragraph_mark(paragraph, mark) -> None:
    """Mark the paragraph's own mark (its end) as inserted or deleted."""
    ppr = paragraph.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        paragraph.insert(0, ppr)
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
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
                trpr = OxmlElement("w:trPr")
                row.insert(0 if row.find(qn("w:tblPrEx")) is None else 1, trpr)
            if len(trpr) == 0:  # the schema wants a row property before the revision mark: one that changes nothing
                can_split = OxmlElement("w:cantSplit")
                can_split.set(qn("w:val"), "off")
                trpr.append(can_split)
            trpr.append(revisions.mark(f"w:{kind}"))
    return element


def _run_like(template_run, text: str, deleted: bool):
    run = OxmlElement("w:r")
    rpr = template_run.find(qn("w:rPr")) if template_run is not None else None
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    t = OxmlElement("w:delText" if deleted else "w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run.append(t)
    return run


def _diff_paragraph(old, new, revisions: _Revisions):
    """Return the new paragraph rewritten as a word-level redline of the old one."""
    old_words, new_words = _WORDS.findall(_text(old)), _WORDS.findall(_text(new))
    first_run = next(new.iter(W_R), None)
    result = copy.deepcopy(new)
    for child in list(result):
        if child.tag != qn("w:pPr"):
            result.remove(child)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            wrapper = revisions.mark("w:del")
            wrapper.append(_run_like(first_run, "".join(old_words[i1:i2]), deleted=True))
            result.append(wrapper)
        if op in ("insert", "replace"):
            wrapper = revisions.mark("w:ins")
            wrapper.append(_run_like(first_run, "".join(new_words[j1:j2]), deleted=False))
            result.append(wrapper)
        if op == "equal":
            result.append(_run_like(first_run, "".join(new_words[j1:j2]), deleted=False))
    return result


def _diff_table(old, new, revisions: _Revisions):
    """Return the new table with its inserted, deleted and changed rows marked."""
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
        elif op == "replace" and i2 - i1 == j2 - j1:
            for old_row, new_row in zip(old_rows[i1:i2], new_rows[j1:j2]):
                result.append(_diff_row(old_row, new_row, revisions))
        else:
            for row in old_rows[i1:i2]:
                result.append(_mark_block_row(copy.deepcopy(row), revisions, "del"))
            for row in new_rows[j1:j2]:
                result.append(_mark_block_row(copy.deepcopy(row), revisions, "ins"))
    return result


def _mark_block_row(row, revisions: _Revisions, kind: str):
    holder = OxmlElement("w:tbl")
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

    Only the bodies (`word/document.xml`) and the new document's settings are parsed, with python-docx's oxml
    layer and not its package: a package and its parts point at each other, a reference cycle that would hold
    both parsed documents until the collector's next full pass. The new document's other parts are copied as
    they are.
    """
    with zipfile.ZipFile(io.BytesIO(old_docx)) as archive:
        old_document = parse_xml(archive.read(_DOCUMENT_PART))
    with zipfile.ZipFile(io.BytesIO(new_docx)) as archive:
        new_document = parse_xml(archive.read(_DOCUMENT_PART))
        settings = parse_xml(archive.read(_SETTINGS_PART)) if _SETTINGS_PART in archive.namelist() else None
    revisions = _Revisions(author, when)
    old_body, new_body = old_document.body, new_document.body
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
        pairs = []
        if op == "replace" and len(olds) == len(news) and all(o.tag == n.tag for o, n in zip(olds, news)):
            for old, new in zip(olds, news):
                changed = _diff_paragraph(old, new, revisions) if new.tag == W_P else _diff_table(old, new, revisions)
                replacement[id(new)] = [changed]
            continue
        deleted = [_mark_block(copy.deepcopy(o), revisions, "del") for o in olds]
        for new in news:
            pairs.append(_mark_block(copy.deepcopy(new), revisions, "ins"))
        if news:
            replacement[id(news[0])] = deleted + pairs[:1]
            for new, marked in zip(news[1:], pairs[1:]):
                replacement[id(new)] = [marked]
        elif j1 < len(new_blocks):
            anchor = new_blocks[j1]
            replacement.setdefault(id(anchor), [anchor])
            replacement[id(anchor)] = deleted + replacement[id(anchor)]
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
            add_setting(settings, OxmlElement("w:trackRevisions"))
        changed[_SETTINGS_PART] = settings
    return write_zip([Member.compress(m.name, serialize_part_xml(changed[m.name])) if m.name in changed else m
                      for m in read_members(io.BytesIO(new_docx))])

