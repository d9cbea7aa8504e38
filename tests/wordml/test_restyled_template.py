"""A template restyled in a word processor keeps working: the CRTE's contract template, restyled in LibreOffice
through UNO as communications staff would restyle it in Writer, builds a document with the new look and every
Jinja tag still at work (docs/restyler-un-modele.md tells them how)."""

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from generator import TEMPLATES_DIR
from generator.pipeline import build

from ..conftest import REAL_CONTENT

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SYSTEM_PYTHON = Path("/usr/bin/python3")  # Debian's python3-uno is for the system's Python, not a venv's
RESTYLE = Path(__file__).with_name("uno_restyle.py")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

FONT, COLOUR = "Caladea", "C0392B"
FOOTER_TEXT = "Communauté d’agglomération de Lens-Liévin — page "


def _uno_missing() -> str | None:
    """Return why LibreOffice cannot be driven through UNO here, or None when it can."""
    if SOFFICE is None:
        return "LibreOffice absent : apt-get install libreoffice-writer-nogui"
    if not SYSTEM_PYTHON.is_file() or subprocess.run([SYSTEM_PYTHON, "-c", "import uno"],
                                                     capture_output=True).returncode != 0:
        return "UNO absent pour /usr/bin/python3 : apt-get install python3-uno"
    return None


def _paragraph_texts(docx: Path, part: str) -> list[str]:
    """Return the text of each paragraph of a part of a DOCX file."""
    root = etree.fromstring(zipfile.ZipFile(docx).read(part))
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


def _parts(docx: Path, pattern: str) -> list[str]:
    return [name for name in zipfile.ZipFile(docx).namelist() if Path(name).match(pattern)]


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """The CRTE of Lens-Liévin's contract document, built with the templates as they are."""
    root = REAL_CONTENT / "crte-lens-lievin"
    output = tmp_path_factory.mktemp("plain")
    build([root], output)
    return output / root.name / "contrat.docx"


@pytest.fixture(scope="module")
def restyled_and_plain(tmp_path_factory, plain):
    """Build the CRTE of Lens-Liévin with its templates as they are and with its contract template restyled
    in LibreOffice; return both contract documents."""
    missing = _uno_missing()
    if missing:
        pytest.skip(missing)
    work = tmp_path_factory.mktemp("restyled")
    templates = work / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    restyled = work / "contrat-restyle.docx"
    result = subprocess.run([SYSTEM_PYTHON, RESTYLE, templates / "crte" / "contrat.docx", restyled, FONT, COLOUR,
                             FOOTER_TEXT], capture_output=True, text=True, timeout=300, env={**os.environ, "SOFFICE": SOFFICE})
    assert result.returncode == 0, result.stderr
    shutil.copy(restyled, templates / "crte" / "contrat.docx")
    root = REAL_CONTENT / "crte-lens-lievin"
    build([root], work / "restyled", templates)
    return work / "restyled" / root.name / "contrat.docx", plain


@pytest.mark.libreoffice
def test_the_restyled_heading_style_reaches_the_document(restyled_and_plain):
    restyled, _ = restyled_and_plain
    styles = etree.fromstring(zipfile.ZipFile(restyled).read("word/styles.xml"))
    heading = next(s for s in styles.iter(f"{W}style")
                   if s.find(f"{W}name").get(f"{W}val").casefold() == "heading 1")
    assert heading.find(f"{W}rPr/{W}rFonts").get(f"{W}ascii") == FONT
    assert heading.find(f"{W}rPr/{W}color").get(f"{W}val").upper() == COLOUR


@pytest.mark.libreoffice
def test_the_restyled_footer_text_reaches_the_document_with_its_page_number(restyled_and_plain):
    restyled, _ = restyled_and_plain
    footers = _parts(restyled, "word/footer*.xml")
    assert footers
    unnumbered = []
    for footer in footers:
        assert _paragraph_texts(restyled, footer)[0].startswith(FOOTER_TEXT)
        if b" PAGE " not in zipfile.ZipFile(restyled).read(footer):  # elsewhere the page number is still a field
            unnumbered.append(_paragraph_texts(restyled, footer))
    assert unnumbered == [[FOOTER_TEXT]]  # the back cover's: the restyler's text, no page number


@pytest.mark.libreoffice
def test_every_tag_of_the_restyled_template_still_works(restyled_and_plain):
    restyled, plain = restyled_and_plain
    texts = _paragraph_texts(restyled, "word/document.xml")
    left = [t for t in texts if "{{" in t or "{%" in t or "{#" in t or "%}" in t or "}}" in t]
    assert left == []
    assert "Article 1er – Objet du contrat" in texts  # a heading of the template
    assert any(t.startswith("FAIRE LEVIER EN UTILISANT LES COMPÉTENCES DE LA CALL POUR FAVORISER") for t in texts)
    assert any(t.startswith("DEUXIÈME PARTIE – LE CONTRAT") for t in texts[:200])  # the sommaire is filled
    assert texts == _paragraph_texts(plain, "word/document.xml")  # restyling changed no word of the document


def _orientations(docx: Path) -> list[str]:
    root = etree.fromstring(zipfile.ZipFile(docx).read("word/document.xml"))
    return [s.find(f"{W}pgSz").get(f"{W}orient", "portrait") for s in root.iter(f"{W}sectPr")]


@pytest.mark.libreoffice
def test_the_restyled_template_keeps_its_landscape_section(restyled_and_plain):
    """LibreOffice saves the section break before the maquette on a `{%p endfor %}` paragraph; the maquette
    still gets its landscape pages."""
    restyled, plain = restyled_and_plain
    # the contract, the maquette in landscape, the annexes after it, the back cover (a section of its own)
    assert _orientations(restyled) == _orientations(plain) == ["portrait", "landscape", "portrait", "portrait"]


def test_what_libreoffice_changes_in_a_template_is_read_as_word_writes_it(tmp_path, plain):
    """Without LibreOffice: the two changes its DOCX export makes that a build must read alike — the sommaire's
    styles named « TOC 1 » (Word: « toc 1 »), a section break on the `{%p endfor %}` before it — made by hand
    on the CRTE's contract template give the same document."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    template = templates / "crte" / "contrat.docx"
    with zipfile.ZipFile(template) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["word/styles.xml"] = parts["word/styles.xml"].replace(b'w:val="toc ', b'w:val="TOC ')
    body = etree.fromstring(parts["word/document.xml"])
    first_break = next(body.iter(f"{W}sectPr")).getparent().getparent()  # an empty paragraph, in the template
    tag_before = first_break.getprevious()
    assert "".join(tag_before.itertext()) == "{%p endfor %}"
    tag_before.insert(0, first_break.find(f"{W}pPr"))
    first_break.getparent().remove(first_break)
    parts["word/document.xml"] = etree.tostring(body, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    root = REAL_CONTENT / "crte-lens-lievin"
    build([root], tmp_path / "output", templates)
    changed = tmp_path / "output" / root.name / "contrat.docx"
    assert _orientations(changed) == ["portrait", "landscape", "portrait", "portrait"]
    assert _paragraph_texts(changed, "word/document.xml") == _paragraph_texts(plain, "word/document.xml")
