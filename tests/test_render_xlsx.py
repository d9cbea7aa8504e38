"""The maquette as a spreadsheet: cached values a reader without a calculator sees, and pages that print."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook

from generator.pipeline import build
from generator.provenance import Provenance
from generator.render_xlsx import Formula, Sheet, render_xlsx

from .conftest import write_contract

ORIGIN = Provenance("9.9", "ab" * 32, __import__("datetime").datetime(2021, 7, 1))


@pytest.fixture
def maquette(tmp_path, contract_files, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1625097600")  # 1 July 2021, 00:00 UTC
    root = write_contract(tmp_path / "content" / "essai", contract_files)
    [path] = build([root], tmp_path / "out", formats=("xlsx",))
    return path


def test_every_formula_carries_the_value_it_gives(maquette):
    """The fixture's fiches, worked by hand: 1.1 costs 100 000 + 50 000, 1.2 costs 30 000 (2022), 2.1 costs
    12 345 (2021) + 1 000 (2023)."""
    values = load_workbook(maquette, data_only=True)  # what a previewer shows: the cached values
    formulas = load_workbook(maquette)
    summary, summary_formulas = values["Synthèse"], formulas["Synthèse"]
    rows = list(summary.iter_rows(min_row=2, values_only=True))
    totals = {row[0]: row[3:] for row in rows}
    assert totals["TRAVAILLER"][-1] == 180000 and totals["BOUGER"][-1] == 13345
    assert totals["TOTAL"][-1] == 193345
    # the values are those of the formulas, which stay formulas
    last = summary.max_row
    assert summary_formulas.cell(last, 4).value.startswith("=SUM(")
    assert summary_formulas.cell(2, 4).value.startswith("='1 - TRAVAILLER'!")
    travailler = values["1 - TRAVAILLER"]
    assert travailler.cell(travailler.max_row, 1).value == "TOTAL"
    assert [travailler.cell(travailler.max_row, c).value for c in range(5, 5 + len(totals["TOTAL"]))] == list(
        totals["TRAVAILLER"])


def test_no_formula_lacks_its_cached_value(maquette):
    formulas, values = load_workbook(maquette), load_workbook(maquette, data_only=True)
    checked = 0
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert isinstance(values[sheet.title][cell.coordinate].value, (int, float)), cell.coordinate
                    checked += 1
    assert checked >= 10


def test_pages_print_landscape_one_page_wide_with_titles_header_and_footer(maquette):
    workbook = load_workbook(maquette)
    for sheet in workbook.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToHeight == 0 and sheet.page_setup.fitToWidth in (None, 1)
        assert sheet.print_title_rows == "$1:$1"
        assert "MAQUETTE D'ESSAI" in sheet.oddHeader.left.text
        assert sheet.oddHeader.right.text == "1er juillet 2021"  # the build's date
        assert sheet.oddFooter.center.text == "Page &P sur &N"
        assert sheet["A1"].font.name == "Carlito" and sheet["A1"].font.b


def test_header_text_keeps_its_ampersands():
    data = render_xlsx([Sheet("S", ["A", "B"], [["x", Decimal(2)]], amount_columns={1})], "Lens & Liévin",
                       ORIGIN)
    sheet = load_workbook(__import__("io").BytesIO(data))["S"]
    assert sheet.oddHeader.left.text == "Lens && Liévin"
    assert sheet.oddHeader.right.text == "1er juillet 2021"


def test_a_formula_whose_value_is_unknown_is_refused():
    with pytest.raises(ValueError):
        render_xlsx([Sheet("S", ["A", "B"], [["x", Formula("=Z99")]], amount_columns={1})], "T", ORIGIN)


def test_words_count_for_nothing_in_a_total_and_say_so():
    from generator.schema import Marqueur

    sheet = Sheet("S", ["A", "B"], [["x", Decimal(2)], ["y", Marqueur("A évaluer")], ["z", Decimal("0.5")]],
                  amount_columns={1})
    values = load_workbook(__import__("io").BytesIO(render_xlsx([sheet], "T", ORIGIN)), data_only=True)["S"]
    # the marker as the documents print it: the capital of the preposition keeps its accent
    assert [values[f"B{n}"].value for n in range(2, 6)] == [2, "À évaluer", 0.5, 2.5]
