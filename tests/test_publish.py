"""Publishing: PDF/A and ODT through LibreOffice, the accessible web page, the maquette as a spreadsheet,
provenance and reproducible bytes."""

import http.server
import io
import json
import os
import re
import shutil
import subprocess
import threading
import zipfile
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from generator.errors import BuildFailed
from generator.pipeline import build, read_and_compute
from generator.render_office import ConversionFailed, convert

from .conftest import REAL_CONTENT, ROOT, write_contract

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
A11Y = ROOT / "tests" / "a11y"
ALL = sorted(p.parent for p in REAL_CONTENT.glob("*/contrat.yaml"))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("published")
    build(ALL, output_dir, formats=("docx", "pdf", "odt", "html", "xlsx"))
    return output_dir


# --- PDF/A and ODT ---------------------------------------------------------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent")
def test_pdf_is_pdf_a_2b_tagged_with_embedded_fonts_and_the_contracts_pages(published):
    pdf = (published / "crte-lens-lievin" / "contrat.pdf").read_bytes()
    xmp = pdf[pdf.index(b"<x:xmpmeta"):pdf.index(b"</x:xmpmeta>")]
    assert b"<pdfaid:part>2</pdfaid:part>" in xmp and b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert b"/StructTreeRoot" in pdf          # tagged
    assert b"/FontFile2" in pdf or b"/FontFile" in pdf  # fonts embedded
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) > 60
    assert b"Paraphe" in xmp                  # provenance in the metadata: engine, sources hash, date
    assert re.search(rb"<pdf:Keywords>Paraphe, [\d.]+, sources, [0-9a-f]{64}</pdf:Keywords>", xmp)
    assert re.search(rb"Produit par Paraphe [\d.]+ le \d{4}-\d\d-\d\d", xmp)


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent")
def test_odt_opens_and_holds_the_text_and_the_provenance(published):
    with zipfile.ZipFile(published / "crte-lens-lievin" / "contrat.odt") as odt:
        content = odt.read("content.xml").decode("utf-8")
        meta = odt.read("meta.xml").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", content)
    assert "Objet du contrat" in text and "MAQUETTE FINANCIÈRE" in text
    assert "Paraphe" in meta


def fake_soffice(tmp_path, script: str) -> str:
    path = tmp_path / "soffice"
    path.write_text("#!/usr/bin/env python3\n" + script, encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_a_hanging_conversion_is_killed_and_tried_again(tmp_path, monkeypatch):
    marker = tmp_path / "first-run-done"
    monkeypatch.setenv("PARAPHE_SOFFICE", fake_soffice(tmp_path, f'''
import sys, time, pathlib
marker = pathlib.Path({str(marker)!r})
if not marker.exists():
    marker.touch(); time.sleep(60)
args = sys.argv[1:]
out = pathlib.Path(args[args.index("--outdir") + 1]); out.mkdir(parents=True, exist_ok=True)
for source in [a for a in args if a.endswith(".docx")]:
    (out / (pathlib.Path(source).stem + ".pdf")).write_bytes(b"%PDF converted")
'''))
    result = convert({"a.docx": b"x"}, "pdf", timeout=2)
    assert result == {"a.docx": b"%PDF converted"}
    assert marker.exists()


def test_a_conversion_that_always_hangs_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("PARAPHE_SOFFICE", fake_soffice(tmp_path, "import time\ntime.sleep(60)\n"))
    with pytest.raises(ConversionFailed) as caught:
        convert({"contrat.docx": b"x"}, "pdf", timeout=1)
    assert "LibreOffice n'a pas pu le convertir en pdf (après 2 essais)" in str(caught.value)


def test_missing_libreoffice_says_how_to_install_it(tmp_path, monkeypatch, contract_dir):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere
    monkeypatch.delenv("PARAPHE_SOFFICE", raising=False)
    with pytest.raises(BuildFailed) as caught:
        build([contract_dir], tmp_path / "out", formats=("docx", "pdf"))
    assert "apt-get install -y --no-install-recommends libreoffice-writer-nogui" in str(caught.value)
    assert not (tmp_path / "out").exists()


# --- HTML ------------------------------------------------------------------------------------------------------


def test_html_page_is_semantic_french_and_self_contained(published):
    html = (published / "crte-lens-lievin" / "contrat.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert "<title>" in html and '<nav aria-label="Sommaire">' in html and "<main" in html
    assert "@media print" in html
    assert not re.search(r'<(link|script)[^>]*(href|src)="http', html)  # nothing fetched from elsewhere
    anchors = set(re.findall(r'href="#([^"]+)"', html))
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert anchors and anchors <= ids  # every entry of the table of contents leads somewhere
    assert html.count("<caption id=") >= 27 * 3 + 1 and '<th scope="col">' in html
    assert "Article 1<sup>er</sup> – Objet du contrat" in html and "**" not in html
    assert '<meta name="generator" content="Paraphe' in html and 'name="paraphe-sources"' in html


def axe_available() -> bool:
    return shutil.which("node") is not None and Path("/usr/bin/chromium").exists() and (
        A11Y / "node_modules" / "axe-core").is_dir()


@pytest.mark.skipif(not axe_available(), reason="chromium, node or axe-core absent (bash .ci/run installs them)")
def test_axe_core_finds_no_wcag_violation_on_any_page(published):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(published))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pages = sorted(p.relative_to(published).as_posix() for p in published.rglob("*.html"))
        assert len(pages) == 6  # five contracts and the consolidated CRTE
        urls = [f"http://127.0.0.1:{server.server_port}/{page}" for page in pages]
        result = subprocess.run(["node", str(A11Y / "axe-run.mjs"), *urls], capture_output=True, text=True,
                                timeout=600, cwd=A11Y)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    violations = {url: found for url, found in json.loads(result.stdout).items() if found}
    assert violations == {}


# --- XLSX ------------------------------------------------------------------------------------------------------


def sum_formula(workbook, sheet, formula: str) -> Decimal:
    """Evaluate the workbook's own formulas: =SUM(E2:E10) and ='Sheet'!E11."""
    match = re.fullmatch(r"=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", formula)
    if match:
        column, first, last = match[1], int(match[2]), int(match[4])
        return sum((value_of(workbook, sheet, sheet[f"{column}{row}"].value)
                    for row in range(first, last + 1)), Decimal(0))
    match = re.fullmatch(r"='?([^'!]+)'?!([A-Z]+\d+)", formula)
    target = workbook[match[1]]
    return value_of(workbook, target, target[match[2]].value)


def value_of(workbook, sheet, value) -> Decimal:
    if isinstance(value, str) and value.startswith("="):
        return sum_formula(workbook, sheet, value)
    return Decimal(value) if isinstance(value, (int, float)) else Decimal(0)


def test_xlsx_totals_are_formulas_equal_to_the_maquette(published):
    workbook = load_workbook(published / "crte-lens-lievin" / "maquette.xlsx")
    maquette = read_and_compute(REAL_CONTENT / "crte-lens-lievin").computed.maquette
    assert workbook.sheetnames == ["Synthèse", "1 - TRAVAILLER", "2 - BOUGER", "3 - HABITER", "4 - RESPIRER",
                                   "5 - RASSEMBLER"]
    summary = workbook["Synthèse"]
    assert summary.freeze_panes == "A2"
    total_row = summary.max_row
    assert summary.cell(total_row, 1).value == "TOTAL"
    # a column per year of the échéanciers (2021 to 2026, the 2026 costs too), then their total
    assert [summary.cell(1, column).value for column in range(4, 11)] == [
        "COÛT 2021", "COÛT 2022", "COÛT 2023", "COÛT 2024", "COÛT 2025", "COÛT 2026", "COÛT TOTAL 2021-2027"]
    assert summary.cell(total_row, 10).value.startswith("=SUM(")
    for column, annee in zip(range(4, 10), range(2021, 2027)):
        assert sum_formula(workbook, summary, summary.cell(total_row, column).value) == maquette.total_annee(annee)
    assert sum_formula(workbook, summary, summary.cell(total_row, 10).value) == maquette.total
    axis = workbook["2 - BOUGER"]
    assert axis["A2"].value == "2.1" and isinstance(axis["K2"].value, int)  # real numbers
    assert "€" in axis["K2"].number_format
    assert workbook["1 - TRAVAILLER"]["K2"].value == "Pour mémoire"  # words stay words
    assert workbook.properties.creator == "Paraphe"
    assert re.fullmatch(r"Paraphe, [\d.]+, sources, [0-9a-f]{64}", workbook.properties.keywords)


# --- provenance and reproducible bytes ------------------------------------------------------------------------


def test_docx_records_its_provenance(published):
    properties = Document(str(published / "crte-lens-lievin" / "contrat.docx")).core_properties
    assert properties.version.startswith("Paraphe ") and len(properties.identifier) == 64
    assert properties.created is not None and "Produit par Paraphe" in properties.comments


def test_two_builds_of_the_same_sources_give_identical_docx_and_xlsx(tmp_path, contract_dir):
    first = build([contract_dir], tmp_path / "a", formats=("docx", "xlsx"))
    second = build([contract_dir], tmp_path / "b", formats=("docx", "xlsx"))
    assert [p.name for p in first] == [p.name for p in second] == ["contrat.docx", "annexes.docx", "maquette.xlsx"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    (contract_dir / "axes" / "2.md").write_text("Autre texte.\n", encoding="utf-8")
    third = build([contract_dir], tmp_path / "c", formats=("docx",))
    assert third[0].read_bytes() != first[0].read_bytes()


def test_a_contract_sets_its_own_formats(tmp_path, contract_files):
    contract_files["contrat.yaml"]["formats"] = ["html", "xlsx"]
    root = write_contract(tmp_path / "c", contract_files)
    written = build([root], tmp_path / "out")
    assert sorted(p.name for p in written) == ["contrat.html", "maquette.xlsx"]
    assert sorted(p.name for p in build([root], tmp_path / "out2", formats=("docx",))) == [
        "annexes.docx", "contrat.docx"]
