"""The produced documents converted by the real LibreOffice (headless), as a user opening them would."""

import re
import shutil
import subprocess

import pytest

from .test_fidelity import DOCUMENTS, real_outputs  # noqa: F401 - the fixture is shared

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def pdf_pages(path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent : apt-get install libreoffice-writer-nogui")
def test_libreoffice_converts_every_document_to_pdf(real_outputs, tmp_path):  # noqa: F811
    sources = [real_outputs / slug / name for slug, name, _ in DOCUMENTS]
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), *map(str, sources)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pages = {}
    for source in sources:
        pdf = tmp_path / "pdf" / (source.stem + ".pdf")
        assert pdf.read_bytes().startswith(b"%PDF"), source
        pages[source.stem] = pdf_pages(pdf)
    assert pages["contrat"] > 60  # the CRTE: 27 fiches, the contract and the project
    assert pages["accord-cadre"] > 10 and pages["annexe"] > 10 and pages["programme"] > 10
    assert pages["communique"] == 1  # a press release holds on one page


def split_words(words: set[str], layout_text: str) -> set[str]:
    """Return the words printed split across two lines of a table cell, as « COMMENTAI/RE »: in the text of a
    PDF laid out by pdftotext, a token that is the start of a word ends its line, and the next line or the one
    after has the rest of the word at the same column."""
    lines = [[(m.start(), m.group()) for m in re.finditer(r"\S+", line)] for line in layout_text.splitlines()]
    starts: dict[str, list[str]] = {}
    for word in words:
        for cut in range(1, len(word)):
            starts.setdefault(word[:cut], []).append(word)
    found = set()
    for number, line in enumerate(lines):
        for column, token in line:
            for word in starts.get(token, ()):
                rest = word[len(token):]
                if token in words and rest in words:
                    continue  # two header words one above the other
                if any(abs(other_column - column) <= 3 and other == rest
                       for below in lines[number + 1 : number + 3] for other_column, other in below):
                    found.add(f"{token}/{rest}")
    return found


def test_split_words_finds_a_word_cut_in_its_cell():
    layout = "  N°PROJ     COMMENTAI   TOTAL\n  ET         RE\n"
    assert split_words({"N°PROJET", "COMMENTAIRE", "TOTAL"}, layout) == {"N°PROJ/ET", "COMMENTAI/RE"}
    assert split_words({"COMMENTAIRE", "TOTAL"}, "  COMMENTAIRE   TOTAL\n  RE\n") == set()


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or pdftotext absent : apt-get install libreoffice-writer-nogui poppler-utils")
def test_no_word_of_a_table_header_is_split_in_the_pdf(real_outputs, tmp_path):  # noqa: F811
    """The CRTE's header cells (« N° PROJET », « COMMENTAIRE », « FINANCEMENTS », « ÉCHÉANCIER »…) and the
    words of its échéanciers' labels (« investissement », « fonctionnement ») print whole in the PDF."""
    import zipfile
    from xml.etree import ElementTree as ET

    from .conftest import W

    source = real_outputs / "crte-lens-lievin" / "contrat.docx"
    root = ET.fromstring(zipfile.ZipFile(source).read("word/document.xml"))
    words = set()
    for table in root.iter(W + "tbl"):
        for paragraph in table.iter(W + "p"):
            style = paragraph.find(f"{W}pPr/{W}pStyle")
            text = "".join(t.text or "" for t in paragraph.iter(W + "t"))
            if style is not None and ("entete" in style.get(W + "val") or text.startswith("en ")):
                words.update(w.strip("():,") for w in text.split()
                             if len(w.strip("():,")) > 2 and any(c.isalpha() for c in w))  # a year never breaks
    assert {"COMMENTAIRE", "FINANCEMENTS", "ÉCHÉANCIER", "LANCEMENT", "investissement", "fonctionnement"} <= words
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    layout = subprocess.run(["pdftotext", "-layout", str(tmp_path / "contrat.pdf"), "-"], capture_output=True,
                            text=True, check=True).stdout
    assert "COMMENTAIRE" in layout and "FINANCEMENTS" in layout
    assert split_words(words, layout) == set()
