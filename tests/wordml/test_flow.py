"""Page flow (`generator.wordml.flow`): the keep properties worked out by hand, then the rules of a professional
layout checked on the real contracts as LibreOffice lays them out (where each paragraph of the .docx falls in the
PDF, read back with pdftotext)."""

from __future__ import annotations

import bisect
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from generator.pipeline import build
from generator.prose import ProseStyles, word_blocks
from generator.wordml.flow import (EDGE_LINES, block_keeps, estimated_lines, introduces, keep_table_rows,
                                   kept_rows, with_keep_next)
from generator.wordml.writer import TableFitting

from ..conftest import REAL_CONTENT

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# --- the keeps, by hand ---------------------------------------------------------------------------------------

def test_an_introduction_ending_with_a_colon_keeps_with_what_it_announces():
    assert introduces("Il est convenu ce qui suit\u00a0:")
    assert introduces("Plan d'action 2021-2026 : ")
    assert not introduces("Article 3 : objet du contrat.")
    keeps = block_keeps(["En particulier\u00a0:", "un point", "un autre"], [False] * 3)
    assert keeps == [(True, False), (False, False), (False, False)]


def test_a_short_box_stays_whole_and_the_text_after_it_is_free():
    keeps = block_keeps(["Encadré 1", "Un paragraphe court.", "Source : Insee", "Après la boîte."],
                        [True, True, True, False])
    assert keeps == [(True, True), (True, True), (False, True), (False, False)]


def test_a_long_box_keeps_its_first_and_last_lines_together_and_breaks_in_between():
    long_paragraph = "mot " * 400  # some fifteen lines on a 17 cm line
    texts = ["Encadré 2", long_paragraph, long_paragraph, long_paragraph, "Source : Insee, RP - 2017"]
    keeps = block_keeps(texts, [True] * 5)
    # the title with the first paragraph, whose first lines it needs; the one-line source with the paragraph
    # before it; nothing else: the box may break between its long paragraphs
    assert [keep_next for keep_next, _ in keeps] == [True, False, False, True, False]
    assert keeps[0][1] and keeps[4][1]  # the lines of the short ones stay together
    assert not keeps[1][1]


def test_estimated_lines_grow_with_the_text_and_count_each_line_break():
    assert estimated_lines("court", 9000) == 1
    assert estimated_lines("mot " * 400, 9000) > estimated_lines("mot " * 100, 9000) > 1
    assert estimated_lines("un\ndeux\ntrois", 9000) == 3
    assert EDGE_LINES >= 2  # a box never leaves a lone line on a page


def test_prose_carries_the_keeps_into_its_paragraphs():
    blocks = word_blocks("Les objectifs :\n\n- un\n- deux\n\n> ### Encadré\n>\n> Texte.\n", 0, "Body Text",
                         ProseStyles())
    assert [(b.style, b.keep_with_next, b.keep_lines) for b in blocks] == [
        ("Body Text", True, False), ("List Bullet", False, False), ("List Bullet", False, False),
        ("Encadre titre", True, True), ("Encadre", False, True)]


def test_a_table_that_fits_on_a_page_keeps_every_row_with_the_next_but_the_last():
    assert kept_rows([300] * 6, 1, 14000) == [True] * 5 + [False]


def test_a_long_table_keeps_its_header_with_two_rows_and_its_last_two_rows_together():
    # 3 header rows, 40 rows of data of 600 twips: 25 800 twips, more than a page of 14 000
    keeps = kept_rows([600] * 43, 3, 14000)
    assert [index for index, keep in enumerate(keeps) if keep] == [0, 1, 2, 3, 41]


def test_keep_next_goes_after_the_paragraph_style_or_makes_the_properties():
    assert with_keep_next('<w:p><w:pPr><w:pStyle w:val="Cellule"/><w:jc w:val="right"/></w:pPr></w:p>') == \
        '<w:p><w:pPr><w:pStyle w:val="Cellule"/><w:keepNext/><w:jc w:val="right"/></w:pPr></w:p>'
    assert with_keep_next("<w:p><w:r><w:t>x</w:t></w:r></w:p>") == \
        "<w:p><w:pPr><w:keepNext/></w:pPr><w:r><w:t>x</w:t></w:r></w:p>"
    assert with_keep_next("<w:p/>") == "<w:p><w:pPr><w:keepNext/></w:pPr></w:p>"


def _row(texts, header=False):
    properties = "<w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if header else "") + "</w:trPr>"
    return "<w:tr>" + properties + "".join(
        f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="3000"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="Cellule"/></w:pPr>'
        f"<w:r><w:t>{text}</w:t></w:r></w:p></w:tc>" for text in texts) + "</w:tr>"


def test_a_rendered_short_table_gets_keep_next_in_every_row_but_the_last():
    xml = "<w:tbl><w:tblPr/><w:tblGrid/>" + _row(["Libellé", "Montant"], header=True) + \
        _row(["Travaux", "10 €"]) + _row(["Total", "10 €"]) + "</w:tbl>"
    kept = keep_table_rows(xml, TableFitting(9000, ((None, 20, False), ("Cellule", 16, False))), 14000)
    rows = kept.split("</w:tr>")[:-1]
    assert [row.count("<w:keepNext/>") for row in rows] == [2, 2, 0]
    assert kept.replace("<w:keepNext/>", "") == xml


# --- the rules, on the real contracts as LibreOffice lays them out ---------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                                       reason="LibreOffice ou pdftotext absent : apt-get install "
                                              "libreoffice-writer-nogui poppler-utils")
SLUGS = ["crte-lens-lievin", "accord-cadre-region-mel", "annexe-aap-contrat-de-ville", "programme-travail-2022"]
DOCUMENTS = ["crte-lens-lievin/contrat", "crte-lens-lievin/annexes", "crte-lens-lievin/avenant-01/avenant",
             "crte-lens-lievin/avenant-01/contrat", "accord-cadre-region-mel/accord-cadre",
             "annexe-aap-contrat-de-ville/annexe", "programme-travail-2022/programme"]
BOX_STYLES = ("Encadre", "Encadre titre")


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory) -> Path:
    """The seed contracts (the CRTE with its avenant) built as DOCX and PDF/A."""
    output = tmp_path_factory.mktemp("flow")
    build([REAL_CONTENT / slug for slug in SLUGS], output, formats=("docx", "pdf"))
    return output


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@dataclass
class Paragraph:
    """A paragraph of a .docx, in the order of the body, with where it sits."""

    text: str
    style: str
    table: int | None = None
    row: int | None = None
    header_row: bool = False
    starts_page: bool = False
    starts_part: bool = False
    """It starts a new page as a part does: a heading the document breaks the page before, a new section."""
    first_word: int | None = None
    """Where its first word is among the PDF's words (`pdf_words`), and its last."""
    last_word: int | None = None
    first_page: int | None = None
    last_page: int | None = None


def docx_paragraphs(docx: Path) -> list[Paragraph]:
    """Return the paragraphs of a .docx's body in order, those of its tables with their table and row (tables
    in cells are read as their cell's text), each marked when the document asks for a new page before it, and
    when it does so for a part (a heading, a section)."""
    archive = zipfile.ZipFile(docx)
    styles = ET.fromstring(archive.read("word/styles.xml"))
    breaks, based_on, headings = {}, {}, set()
    for style in styles.iter(f"{W}style"):
        style_id = style.get(f"{W}styleId")
        based = style.find(f"{W}basedOn")
        based_on[style_id] = based.get(f"{W}val") if based is not None else None
        page_break = style.find(f"{W}pPr/{W}pageBreakBefore")
        if page_break is not None:
            breaks[style_id] = page_break.get(f"{W}val", "true") not in ("0", "false")
        if style.find(f"{W}pPr/{W}outlineLvl") is not None:
            headings.add(style_id)

    def breaks_before(style_id):
        while style_id is not None:
            if style_id in breaks:
                return breaks[style_id]
            style_id = based_on.get(style_id)
        return False

    def is_heading(style_id):
        while style_id is not None:
            if style_id in headings:
                return True
            style_id = based_on.get(style_id)
        return False

    def text_of(element):
        return "".join(t.text or "" for t in element.iter(f"{W}t"))

    body = ET.fromstring(archive.read("word/document.xml")).find(f"{W}body")
    out, new_section, table_count = [], False, 0
    for element in body:
        if element.tag == f"{W}p":
            style = element.find(f"{W}pPr/{W}pStyle")
            style_id = style.get(f"{W}val") if style is not None else "Normal"
            direct = element.find(f"{W}pPr/{W}pageBreakBefore")
            starts = breaks_before(style_id) if direct is None else direct.get(f"{W}val", "true") not in ("0",
                                                                                                      "false")
            out.append(Paragraph(text_of(element), style_id, starts_page=starts or new_section,
                                 starts_part=new_section or starts and is_heading(style_id)))
            new_section = element.find(f"{W}pPr/{W}sectPr") is not None
        elif element.tag == f"{W}tbl":
            for row_index, row in enumerate(element.findall(f"{W}tr")):
                header = row.find(f"{W}trPr/{W}tblHeader") is not None
                for cell in row.findall(f"{W}tc"):
                    for paragraph in cell.findall(f"{W}p"):
                        out.append(Paragraph(text_of(paragraph), "", table_count, row_index, header,
                                             starts_page=new_section, starts_part=new_section))
                        new_section = False
            table_count += 1
    return out


def pdf_words(pdf: Path) -> list[tuple[str, int, int]]:
    """Return the words of a PDF in the order it draws them (pdftotext -raw), each with its page (from 1) and
    line (a number counted over the whole document)."""
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    out, line_number = [], 0
    for page, page_text in enumerate(text.split("\f")[:-1], 1):
        for line in page_text.split("\n"):
            line_number += 1
            out += [(word, page, line_number) for word in _words(line)]
    return out


def locate(paragraphs: list[Paragraph], words: list[tuple[str, int, int]]) -> None:
    """Set the first and last page of each paragraph, found in order among the PDF's words (the running header
    and footer in between are passed over); a paragraph of fewer than three words is sought near the last one
    found only, and one not found keeps None."""
    positions: dict[str, list[int]] = {}
    for index, (word, _, _) in enumerate(words):
        positions.setdefault(word, []).append(index)
    at = 0

    def find(sequence, start, window):
        for index in positions.get(sequence[0], [])[bisect.bisect_left(positions.get(sequence[0], []), start):]:
            if index > start + window:
                return None
            if [w for w, _, _ in words[index:index + len(sequence)]] == sequence:
                return index
        return None

    for paragraph in paragraphs:
        tokens = _words(paragraph.text)
        if not tokens:
            continue
        head = find(tokens[:6], at, 4000 if len(tokens) >= 3 else 40)
        if head is None:
            continue
        tail = find(tokens[-3:], head + max(len(tokens) - 3, 0), 200) if len(tokens) > 6 else head + len(tokens) - 1
        tail = tail + min(len(tokens), 3) - 1 if tail is not None and len(tokens) > 6 else tail
        paragraph.first_word, paragraph.last_word = head, tail
        paragraph.first_page = words[head][1]
        paragraph.last_page = words[tail][1] if tail is not None else None
        at = (tail if tail is not None else head) + 1


@pytest.fixture(scope="module")
def located(laid_out) -> dict[str, tuple[list[Paragraph], list[tuple[str, int, int]]]]:
    out = {}
    for name in DOCUMENTS:
        paragraphs = docx_paragraphs(laid_out / f"{name}.docx")
        words = pdf_words(laid_out / f"{name}.pdf")
        locate(paragraphs, words)
        out[name] = (paragraphs, words)
    return out


@needs_libreoffice
@pytest.mark.libreoffice
def test_nearly_every_paragraph_is_found_in_the_pdf(located):
    """The reading of the layout the other tests rely on: the paragraphs of the .docx are found in the PDF."""
    for name, (paragraphs, _) in located.items():
        worded = [p for p in paragraphs if len(_words(p.text)) >= 3]
        found = [p for p in worded if p.first_page is not None]
        assert len(found) >= 0.97 * len(worded), name


@needs_libreoffice
@pytest.mark.libreoffice
def test_an_introduction_ending_with_a_colon_is_never_the_last_line_of_a_page(located):
    for name, (paragraphs, _) in located.items():
        for paragraph, following in zip(paragraphs, paragraphs[1:]):
            if paragraph.table is None and introduces(paragraph.text) and following.text.strip() and \
                    paragraph.last_page and following.first_page and not following.starts_page:
                assert paragraph.last_page == following.first_page, (name, paragraph.text)


def _tables(paragraphs: list[Paragraph]) -> dict[int, dict[int, list[Paragraph]]]:
    tables: dict[int, dict[int, list[Paragraph]]] = {}
    for paragraph in paragraphs:
        if paragraph.table is not None:
            tables.setdefault(paragraph.table, {}).setdefault(paragraph.row, []).append(paragraph)
    return tables


def _row_pages(row: list[Paragraph]) -> set[int]:
    return {p.first_page for p in row if p.first_page is not None}


SHORT_TABLE_ROWS, SHORT_TABLE_WORDS = 12, 250
"""A table of at most 12 rows and 250 words (the fiches' budgets, échéanciers, financements) fits on a page."""


@needs_libreoffice
@pytest.mark.libreoffice
def test_a_short_table_is_on_one_page_with_its_title(located):
    checked = 0
    for name, (paragraphs, _) in located.items():
        tables = _tables(paragraphs)
        for number, rows in tables.items():
            words = sum(len(_words(p.text)) for row in rows.values() for p in row)
            if len(rows) > SHORT_TABLE_ROWS or words > SHORT_TABLE_WORDS:
                continue
            pages = set().union(*(_row_pages(row) for row in rows.values()))
            assert len(pages) <= 1, (name, number, [p.text for p in rows[0]])
            checked += 1
            title = next((p for p in reversed(paragraphs[:paragraphs.index(rows[0][0])]) if p.text.strip()),
                         None)
            if title is not None and title.table is None and introduces(title.text) and pages and \
                    title.last_page is not None:
                assert {title.last_page} == pages, (name, title.text)
    assert checked >= 100  # the CRTE's fiches alone have more than a hundred


@needs_libreoffice
@pytest.mark.libreoffice
def test_a_long_table_never_leaves_its_header_with_fewer_than_two_rows_nor_a_lone_last_row(located):
    for name, (paragraphs, _) in located.items():
        for number, rows in _tables(paragraphs).items():
            ordered = [rows[index] for index in sorted(rows)]
            headers = sum(1 for row in ordered if all(p.header_row for p in row))
            if len(ordered) < headers + 2:
                continue
            top = set().union(*(_row_pages(row) for row in ordered[:headers + 2]))
            assert len(top) <= 1, (name, number, "en-tête séparé de ses deux premières lignes")
            bottom = _row_pages(ordered[-1]) | _row_pages(ordered[-2])
            assert len(bottom) <= 1, (name, number, "dernière ligne seule sur sa page")


def _boxes(paragraphs: list[Paragraph]) -> list[list[Paragraph]]:
    boxes, current = [], []
    for paragraph in paragraphs:
        if paragraph.table is None and paragraph.style in BOX_STYLES:
            current.append(paragraph)
        elif current:
            boxes.append(current)
            current = []
    return boxes + ([current] if current else [])


SHORT_BOX_WORDS = 250
"""A box of at most 250 words (some twenty lines) fits easily on a page."""


@needs_libreoffice
@pytest.mark.libreoffice
def test_a_short_box_is_on_one_page_and_a_long_one_leaves_no_lone_line(located):
    paragraphs, words = located["crte-lens-lievin/contrat"]
    boxes = _boxes(paragraphs)
    assert len(boxes) == 3  # the CRTE's three encadrés
    for box in boxes:
        pages = {p.first_page for p in box} | {p.last_page for p in box}
        pages.discard(None)
        if sum(len(_words(p.text)) for p in box) <= SHORT_BOX_WORDS:
            assert len(pages) == 1, box[0].text
            continue
        # the lines of a long box on each page it runs on: at least two
        start, end = box[0].first_word, box[-1].last_word
        assert start is not None and end is not None
        for page in pages:
            lines = {line for _, on, line in words[start:end + 1] if on == page}
            assert len(lines) >= 2, (box[0].text, page)


def page_lines(pdf: Path) -> list[tuple[float, float, list[tuple[str, float, float, float]]]]:
    """Return, for each page of a PDF, its width, its height and its lines of text (pdftotext -bbox-layout):
    (text, left, top, bottom) in points."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xml))
    html = "{http://www.w3.org/1999/xhtml}"
    out = []
    for page in root.iter(f"{html}page"):
        lines = [(" ".join(word.text or "" for word in line.iter(f"{html}word")), float(line.get("xMin")),
                  float(line.get("yMin")), float(line.get("yMax"))) for line in page.iter(f"{html}line")]
        out.append((float(page.get("width")), float(page.get("height")), lines))
    return out


MARGIN = 72.0
"""The top and bottom margins of the contracts' pages (2.54 cm, in points): the running header and the footer
are printed in them."""
NEARLY_EMPTY = 0.5
"""A page whose text stops above half of its height is nearly empty."""


@needs_libreoffice
@pytest.mark.libreoffice
def test_no_page_is_nearly_empty_but_before_a_part_that_starts_a_new_page(laid_out, located):
    for name in ("crte-lens-lievin/contrat", "crte-lens-lievin/annexes", "crte-lens-lievin/avenant-01/contrat",
                 "accord-cadre-region-mel/accord-cadre", "programme-travail-2022/programme"):
        paragraphs, _ = located[name]
        pages = page_lines(laid_out / f"{name}.pdf")
        for number, (_, height, lines) in enumerate(pages[:-1], 1):
            body = [bottom for _, _, top, bottom in lines if top > MARGIN * 0.9 and bottom < height - MARGIN * 0.9]
            fill = (max(body, default=MARGIN) - MARGIN) / (height - 2 * MARGIN)
            if fill >= NEARLY_EMPTY:
                continue
            following = next((p for p in paragraphs if p.first_page == number + 1), None)
            assert following is not None and following.starts_part, (name, number, round(fill, 2))


@needs_libreoffice
@pytest.mark.libreoffice
def test_the_cover_sets_the_partners_side_by_side_above_the_title(laid_out):
    width, _, lines = page_lines(laid_out / "crte-lens-lievin" / "contrat.pdf")[0]
    state = next(line for line in lines if line[0].startswith("PRÉFET"))
    authority = next(line for line in lines if line[0] == "CALL")
    title = next(line for line in lines if line[0].startswith("CONTRAT DE RELANCE"))
    assert state[1] < width / 2 < authority[1]  # the State on the left, the local authority on the right
    assert abs(state[2] - authority[2]) < 12  # on one band
    assert title[2] > max(state[3], authority[3])  # the title below them
