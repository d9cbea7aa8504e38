"""Render stage (spreadsheet): tables a kind computes → an .xlsx workbook with real numbers and formulas.

A kind describes its sheets (`Sheet`); this module writes them with XlsxWriter: amounts as numbers in a euro
format, words (« A évaluer ») as text, a TOTAL row of SUM formulas, the header row frozen and repeated on every
printed page, landscape pages one page wide with the contract's title and date in their header and « Page X sur
Y » in their footer, and the provenance in the workbook's properties. Every formula is written with the value
the engine computed for it, as spreadsheet programs write theirs: a previewer or a reader that does not
calculate shows the totals too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .french import typographie
from .provenance import Provenance, reproducible_zip
from .schema import is_marqueur

EURO_FORMAT = '#,##0 "€";-#,##0 "€"'
FONT = "Carlito"
"""The documents' font (metric-compatible with Calibri, free): spreadsheet programs that lack it use Calibri's
metrics."""
A4 = 9
"""XlsxWriter's paper code for A4."""


@dataclass(frozen=True)
class Formula:
    """A cell formula, written as is (`=SUM(D2:D10)`), with the value it gives when the engine knows it; a
    formula that only refers to another sheet's total gets that total's value."""

    text: str
    value: Decimal | None = None


@dataclass
class Sheet:
    """One sheet: a header row, data rows, and the columns that hold amounts (summed in a TOTAL row)."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    amount_columns: set[int] = field(default_factory=set)
    total_label: str | None = "TOTAL"
    widths: dict[int, int] = field(default_factory=dict)

    @property
    def total_row(self) -> int:
        """Return the spreadsheet row number of the TOTAL row (1-based: header, rows, total)."""
        return len(self.rows) + 2

    def total_cell(self, column: int) -> str:
        """Return a reference to this sheet's total of `column`, for formulas in other sheets."""
        from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

        return f"{quote_sheetname(self.title[:31])}!{xl_rowcol_to_cell(self.total_row - 1, column)}"

    def sum_formula(self, column: int) -> str:
        from xlsxwriter.utility import xl_rowcol_to_cell

        first, last = xl_rowcol_to_cell(1, column), xl_rowcol_to_cell(len(self.rows), column)
        return f"=SUM({first}:{last})"


@dataclass
class Workbook:
    """A workbook a kind computes: its title (in its properties and atop every printed page) and its sheets."""

    title: str
    sheets: list[Sheet]


def _number(value: Decimal | int) -> int | float:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _amount(value: Any) -> Decimal | None:
    """Return the amount a cell holds, or None for words, blanks and formulas (which SUM leaves out)."""
    if isinstance(value, bool) or is_marqueur(value):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    return None


def _totals(sheets: list[Sheet]) -> dict[str, Decimal]:
    """Return the value of every TOTAL cell of the workbook, by reference (`'2 - BOUGER'!G4`)."""
    totals = {}
    for sheet in sheets:
        if sheet.total_label is None:
            continue
        for column in sheet.amount_columns:
            values = [_amount(row[column]) for row in sheet.rows]
            totals[sheet.total_cell(column)] = sum((v for v in values if v is not None), Decimal(0))
    return totals


def _formula_value(formula: Formula, totals: dict[str, Decimal]) -> Decimal:
    if formula.value is not None:
        return formula.value
    reference = formula.text.lstrip("=")
    if reference not in totals:
        raise ValueError(f"valeur inconnue pour la formule {formula.text}")  # a kind's bug: every total is known
    return totals[reference]


def _formula_total(sheet: Sheet, column: int, totals: dict[str, Decimal]) -> Decimal:
    """Return the total of a column of formulas (the summary's references to the axes' totals)."""
    return sum((_formula_value(row[column], totals) for row in sheet.rows if isinstance(row[column], Formula)),
               Decimal(0))


def render_xlsx(sheets: list[Sheet], title: str, origin: Provenance) -> bytes:
    """Return the bytes of a workbook of `sheets`, its bytes depending on its content only."""
    import xlsxwriter

    from .french import date_longue

    totals = _totals(sheets)
    for sheet in sheets:  # a TOTAL of formulas sums the values those formulas give
        for column in sheet.amount_columns:
            if any(isinstance(row[column], Formula) for row in sheet.rows):
                totals[sheet.total_cell(column)] = _formula_total(sheet, column, totals)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    base = {"font_name": FONT, "font_size": 10, "valign": "top"}
    formats = {
        "header": workbook.add_format({**base, "bold": True, "text_wrap": True, "bg_color": "#DDE4EE",
                                       "border": 1}),
        "text": workbook.add_format({**base, "text_wrap": True}),
        "amount": workbook.add_format({**base, "num_format": EURO_FORMAT}),
        "total": workbook.add_format({**base, "bold": True, "top": 1}),
        "total amount": workbook.add_format({**base, "bold": True, "top": 1, "num_format": EURO_FORMAT}),
    }
    when = date_longue(origin.generated.date())
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.title[:31])
        ws.write_row(0, 0, sheet.header, formats["header"])
        for number, row in enumerate(sheet.rows, start=1):
            for column, value in enumerate(row):
                _write(ws, number, column, value, formats["amount" if column in sheet.amount_columns else "text"],
                       totals)
        if sheet.total_label is not None and sheet.amount_columns:
            last = sheet.total_row - 1
            ws.write_string(last, 0, sheet.total_label, formats["total"])
            for column in range(1, len(sheet.header)):
                if column in sheet.amount_columns:
                    ws.write_formula(last, column, sheet.sum_formula(column), formats["total amount"],
                                     _number(totals[sheet.total_cell(column)]))
                else:
                    ws.write_blank(last, column, None, formats["total"])
        for column, width in sheet.widths.items():
            ws.set_column(column, column, width)
        ws.freeze_panes(1, 0)
        ws.set_landscape()
        ws.set_paper(A4)
        ws.fit_to_pages(1, 0)  # one page wide, as many pages down as the rows need
        ws.repeat_rows(0)
        ws.set_margins(left=0.5, right=0.5, top=0.8, bottom=0.7)
        ws.set_header(f"&L&\"{FONT}\"{_header_text(title)}&R&\"{FONT}\"{_header_text(when)}")
        ws.set_footer(f"&C&\"{FONT}\"Page &P sur &N")
    workbook.set_properties({
        "title": title,
        "author": "Paraphe",
        "comments": origin.description,
        "keywords": f"Paraphe, {origin.engine_version}, sources, {origin.sources_hash}",
        "created": origin.generated.replace(tzinfo=None),
    })
    workbook.set_custom_property("Paraphe sources", origin.sources_hash)
    workbook.set_custom_property("Paraphe version", origin.engine_version)
    workbook.close()
    return reproducible_zip(buffer.getvalue(), origin.generated)


def _header_text(text: str) -> str:
    """Return text for a page header: its ampersands doubled (a single one starts a header code)."""
    return text.replace("&", "&&")


def _write(ws, row: int, column: int, value: Any, cell_format, totals: dict[str, Decimal]) -> None:
    if isinstance(value, Formula):
        ws.write_formula(row, column, value.text, cell_format, _number(_formula_value(value, totals)))
    elif value is None or value == "":
        ws.write_blank(row, column, None, cell_format)
    elif isinstance(value, bool):
        ws.write_boolean(row, column, value, cell_format)
    elif is_marqueur(value):  # typed « A évaluer » in the content: printed « À évaluer », as in the documents
        ws.write_string(row, column, typographie(str(value)), cell_format)
    elif isinstance(value, (str, datetime)):
        ws.write_string(row, column, str(value), cell_format)
    elif isinstance(value, (int, Decimal)):
        ws.write_number(row, column, _number(value), cell_format)
    else:
        ws.write_string(row, column, str(value), cell_format)
