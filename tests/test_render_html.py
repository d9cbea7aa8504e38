"""The web page: its headings and tables as written, then every seed contract's page measured in Debian's headless
Chromium at a phone's, a tablet's and a laptop's width, and printed, against the Word document built with it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from generator.pipeline import build
from generator.render_html import with_level_headings, with_scrolling_tables

from .conftest import REAL_CONTENT, ROOT

A11Y = ROOT / "tests" / "a11y"
CHROMIUM = Path("/usr/bin/chromium")
WIDTHS = (375, 768, 1280)
PAGES = ["accord-cadre-region-mel/accord-cadre.html", "annexe-aap-contrat-de-ville/annexe.html",
         "communique-mel-caph/communique.html", "crte-lens-lievin/avenant-01/contrat.html",
         "crte-lens-lievin/contrat.html", "programme-travail-2022/programme.html"]
"""Every kind's page, and the CRTE consolidated after its avenant."""
CRTE_ANNEXES = ["1 – Architecture du contrat", "2 – Fiches-projet", "3 – Récapitulatif des fiches",
                "4 – Indicateurs d’évaluation"]


# --- the page as written -------------------------------------------------------------------------------------


def levels(page: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])\b", page)]


def test_a_heading_never_goes_more_than_one_level_below_the_one_before():
    page = ("<h1>Titre</h1><h2>Partie</h2><h4 id='a'>Encadré</h4><h5>Dedans</h5><h4>Autre encadré</h4>"
            "<h3>Section</h3><h2>Partie 2</h2><h6>Très bas</h6><h6>Voisin</h6><h1>Fin</h1>")
    assert levels(with_level_headings(page)) == [1, 2, 3, 4, 3, 3, 2, 3, 3, 1]
    assert "<h3 id='a'>Encadré</h3>" in with_level_headings(page)  # attributes and text kept, closing tag too


def test_headings_without_jumps_are_left_as_they_are():
    page = "<h1>a</h1><h2>b</h2><h3>c</h3><h2>d</h2><h3>e</h3><h4>f</h4><h2>g</h2>"
    assert with_level_headings(page) == page


def test_every_table_gets_a_scrolling_region_named_by_its_caption():
    page = ("<p>x</p><table><caption>Budget – fiche n° 1.1</caption><tr><td>1</td></tr></table>"
            "<table class='t'><tr><td>2</td></tr></table>")
    assert with_scrolling_tables(page) == (
        '<p>x</p><div class="tableau" role="region" tabindex="0" aria-labelledby="legende-tableau-1">'
        '<table><caption id="legende-tableau-1">Budget – fiche n° 1.1</caption><tr><td>1</td></tr></table></div>'
        '<div class="tableau" role="region" tabindex="0" aria-label="Tableau 2">'
        "<table class='t'><tr><td>2</td></tr></table></div>")


# --- the pages in Chromium -----------------------------------------------------------------------------------


def chromium_available() -> bool:
    return shutil.which("node") is not None and CHROMIUM.exists() and (
        A11Y / "node_modules" / "playwright-core").is_dir()


needs_chromium = pytest.mark.skipif(not chromium_available(),
                                    reason="chromium, node or playwright-core absent (bash .ci/run installs them)")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    output_dir = tmp_path_factory.mktemp("pages")
    build(sorted(p.parent for p in REAL_CONTENT.glob("*/contrat.yaml")), output_dir, formats=("docx", "html"))
    return output_dir


@pytest.fixture(scope="module")
def measured(built) -> dict:
    """Every page measured at every width and printed, in one launch of Chromium."""
    pages = sorted(p.relative_to(built).as_posix() for p in built.rglob("*.html"))
    assert pages == PAGES
    urls = [(built / page).as_uri() for page in pages]
    result = subprocess.run(["node", str(A11Y / "page-check.mjs"), ",".join(map(str, WIDTHS)), *urls],
                            capture_output=True, text=True, timeout=600, cwd=A11Y)
    assert result.returncode == 0, result.stderr
    return {page: data for page, data in zip(pages, json.loads(result.stdout).values())}


def screens(measured):
    for page, data in measured.items():
        for width in WIDTHS:
            yield page, width, data[str(width)]


@needs_chromium
def test_no_page_scrolls_sideways_at_any_width(measured):
    wider = {(page, width): screen["scrollWidth"] for page, width, screen in screens(measured)
             if screen["scrollWidth"] > screen["innerWidth"]}
    assert wider == {}
    assert {screen["innerWidth"] for _, _, screen in screens(measured)} == set(WIDTHS)


@needs_chromium
def test_a_table_wider_than_the_window_scrolls_in_its_own_named_focusable_region(measured):
    for page, width, screen in screens(measured):
        for table in screen["tables"]:
            where = (page, width, table["caption"])
            assert table["boxClass"] == "tableau" and table["boxRole"] == "region", where
            assert table["boxTabIndex"] == 0 and table["boxOverflowX"] == "auto", where
            assert table["boxName"] == table["caption"] != "", where  # every seed table has a caption
            assert table["boxRight"] <= width, where
            if table["tableWidth"] > table["boxClientWidth"] + 1:
                assert table["boxScrollWidth"] > table["boxClientWidth"], where
    # the maquette, a column per year, is wider than a phone and than the page's column on a laptop: it scrolls
    for width in (375, 1280):
        maquette = [t for t in measured["crte-lens-lievin/contrat.html"][str(width)]["tables"]
                    if "MAQUETTE FINANCIÈRE" in t["caption"]]
        assert len(maquette) == 1 and maquette[0]["tableWidth"] > maquette[0]["boxClientWidth"] + 100
        assert maquette[0]["boxScrollWidth"] >= maquette[0]["tableWidth"] - 1


@needs_chromium
def test_heading_levels_never_jump(measured):
    for page, width, screen in screens(measured):
        found = [heading["level"] for heading in screen["headings"]]
        assert found[0] == 1 and found.count(1) == 1, (page, width)
        jumps = [(screen["headings"][i - 1]["text"], heading["text"]) for i, heading in enumerate(screen["headings"])
                 if i and heading["level"] > found[i - 1] + 1]
        assert jumps == [], (page, width)


def same_words(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " ")).strip().casefold()


@needs_chromium
def test_the_sommaire_carries_the_documents_numbers_once(measured):
    for page, data in measured.items():
        sommaire = data["375"]["sommaire"]
        for entry in sommaire:
            assert entry["marker"] == "none" and entry["before"] in ("none", "normal"), (page, entry)
            assert entry["target"] is not None and same_words(entry["text"]) == same_words(entry["target"]), (
                page, entry)
        if page == "communique-mel-caph/communique.html":
            assert sommaire == []  # a one-page press release has none
        else:
            assert sommaire
    entries = [entry["text"] for entry in measured["crte-lens-lievin/contrat.html"]["375"]["sommaire"]]
    assert "Article 1er – Objet du contrat" in entries and "Article 13 – Traitement des litiges" in entries
    assert entries[-len(CRTE_ANNEXES) - 5:] == [
        CRTE_ANNEXES[0], CRTE_ANNEXES[1], "Axe 1 - TRAVAILLER (Fiches n° 1.1 à 1.9)",
        "Axe 2 - BOUGER (Fiches n° 2.1 et 2.2)", "Axe 3 - HABITER (Fiches n° 3.1 à 3.5)",
        "Axe 4 - RESPIRER (Fiches n° 4.1 à 4.6)", "Axe 5 - RASSEMBLER (Fiches n° 5.1 à 5.5)",
        CRTE_ANNEXES[2], CRTE_ANNEXES[3]]


def docx_annexes(path: Path) -> list[str]:
    """The headings of the annexes of a CRTE's Word document: its third part's second-level headings."""
    paragraphs = Document(str(path)).paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1" and "ANNEXES" in p.text)
    return [p.text for p in paragraphs[start + 1:] if p.style.name == "Heading 2"]


def page_annexes(screen: dict) -> list[str]:
    headings = screen["headings"]
    start = next(i for i, h in enumerate(headings) if h["text"] == "Troisième partie – annexes")
    level = headings[start]["level"]
    annexes = []
    for heading in headings[start + 1:]:
        if heading["level"] <= level:
            break
        if heading["level"] == level + 1:
            annexes.append(heading["text"])
    return annexes


@needs_chromium
@pytest.mark.parametrize("page", ["crte-lens-lievin/contrat.html", "crte-lens-lievin/avenant-01/contrat.html"])
def test_the_crte_page_has_the_annexes_of_the_signed_document_with_their_numbers(built, measured, page):
    signed = docx_annexes(built / page.replace(".html", ".docx"))
    assert signed == CRTE_ANNEXES  # annexes 1 and 4 are empty in the seed: the document keeps their headings
    assert page_annexes(measured[page]["1280"]) == signed


def docx_page_starts(path: Path) -> tuple[bool, list[str]]:
    """Whether a Word document's first page is a cover (nothing but « Couverture » paragraphs), and the text that
    starts each page by a page break (the paragraph's or its style's, a page-break run, a new section), but the
    sommaire and the back cover, which the web page has not: a break on an empty paragraph goes to the next, one
    on a fiche's first label to the fiche's title."""
    starts, pending, first_page_styles, first_page_over = [], False, set(), False
    paragraphs = Document(str(path)).paragraphs
    for index, paragraph in enumerate(paragraphs):
        style, before = paragraph.style, paragraph.paragraph_format.page_break_before
        while before is None and style is not None:
            before, style = style.paragraph_format.page_break_before, style.base_style
        pending = pending or bool(before) or any(
            br.get(qn("w:type")) == "page" for br in paragraph._p.iter(qn("w:br")))
        if pending and paragraph.text.strip():
            first_page_over = True
        elif not first_page_over and paragraph.text.strip():
            first_page_styles.add(paragraph.style.name.split()[0])
        if pending and paragraph.text.strip():
            if paragraph.style.name not in ("TOC Heading", "Dos titre"):
                title = paragraphs[index + 1] if paragraph.style.name == "Fiche label saut" else paragraph
                starts.append(title.text)
            pending = False
        section = paragraph._p.pPr.find(qn("w:sectPr")) if paragraph._p.pPr is not None else None
        if section is not None:
            kind = section.find(qn("w:type"))
            pending = pending or kind is None or kind.get(qn("w:val")) != "continuous"
    return first_page_styles == {"Couverture"}, starts


@needs_chromium
@pytest.mark.parametrize("page", PAGES)
def test_printing_starts_pages_where_the_word_document_does(built, measured, page):
    printed = measured[page]["print"]
    cover, word = docx_page_starts(built / page.replace(".html", ".docx"))
    assert len(printed["pageStarts"]) == len(word), (printed["pageStarts"], word)
    for html_text, word_text in zip(printed["pageStarts"], word):
        assert same_words(word_text) in same_words(html_text)
    document = Document(str(built / page.replace(".html", ".docx")))
    assert printed["coverPage"] == cover
    assert printed["headingsKeepWithNext"] and printed["headerRowsRepeat"] and printed["rowsWhole"]
    assert printed["tablesUnclipped"]
    landscape = [s for s in document.sections if s.orientation == WD_ORIENT.LANDSCAPE]
    assert len(printed["landscape"]) == len(landscape)


@needs_chromium
def test_the_seed_documents_break_pages_where_expected(built, measured):
    """Written by hand from the Word templates: the three parts, an axis but the first, the maquette (landscape),
    the annexe after it (fiches follow each other below a rule); the accord-cadre's annexes; the programme's
    parts."""
    crte = measured["crte-lens-lievin/contrat.html"]["print"]
    assert crte["pageStarts"][:4] == ["Première partie – le projet de territoire", "Deuxième partie – le contrat",
                                      "Troisième partie – annexes", "Axe 2 - BOUGER (Fiches n° 2.1 et 2.2)"]
    assert crte["pageStarts"][-2:] == CRTE_ANNEXES[2:] and crte["landscape"] == [CRTE_ANNEXES[2]]
    assert len(crte["pageStarts"]) == 3 + 4 + 2 and crte["coverPage"]
    assert measured["accord-cadre-region-mel/accord-cadre.html"]["print"]["pageStarts"] == ["Annexes"]
    assert measured["communique-mel-caph/communique.html"]["print"]["pageStarts"] == []
    programme = measured["programme-travail-2022/programme.html"]["print"]
    assert programme["pageStarts"][:2] == ["Avant-propos", "UNE EXPERTISE PLURIDISCIPLINAIRE AU SERVICE DES "
                                                           "TERRITOIRES"]
