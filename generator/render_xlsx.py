"""Render stage (spreadsheet): tables a kind computes → an .xlsx workbook with real numbers and formulas.

A kind describes its sheets (`Sheet`); this module writes them with openpyxl: amounts as numbers in a euro
format, words (« A évaluer ») as text, a TOTAL row of SUM formulas, the header row frozen, and the provenance
in the workbook's properties.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .provenance import Provenance, reproducible_zip
from .schema import is_marqueur

EURO_FORMAT = '#,##0 "€";-#,##0 "€"'


@dataclass(frozen=True)
class Formula:
    """A cell formula, written as is: `=SUM(D2:D10)`."""

    text: str


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
        from openpyxl.utils import get_column_letter, quote_sheetname

        return f"{quote_sheetname(self.title)}!{get_column_letter(column + 1)}{self.total_row}"


def _value(value: Any) -> Any:
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if is_marqueur(value):
        return str(value)
    return value


def render_xlsx(sheets: list[Sheet], title: str, origin: Provenance) -> bytes:
    """Return the bytes of a workbook of `sheets`, its bytes depending on its content only."""
    # Imported here: openpyxl brings numpy, and every build imports this module (the kinds declare sheets).
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.title[:31])
        ws.append(sheet.header)
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in sheet.rows:
            ws.append([_value(v) for v in row])
        if sheet.total_label is not None and sheet.amount_columns:
            total = [None] * len(sheet.header)
            total[0] = sheet.total_label
            for column in sheet.amount_columns:
                letter = get_column_letter(column + 1)
                total[column] = f"=SUM({letter}2:{letter}{len(sheet.rows) + 1})"
            ws.append(total)
            for cell in ws[ws.max_row]:
                cell.font = bold
        for column in sheet.amount_columns:
            for (cell,) in ws.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                cell.number_format = EURO_FORMAT
        for column, width in sheet.widths.items():
            ws.column_dimensions[get_column_letter(column + 1)].width = width
        ws.freeze_panes = "A2"
    properties = workbook.properties
    properties.title = title
    properties.creator = properties.lastModifiedBy = "Paraphe"
    properties.identifier = origin.sources_hash
    properties.version = origin.engine_version
    properties.description = origin.description
    properties.created = properties.modified = origin.generated.replace(tzinfo=None)
    buffer = io.BytesIO()
    # Workbook.save() stamps the clock's time as the modification date; ExcelWriter keeps the one set above.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    return reproducible_zip(buffer.getvalue(), origin.generated)
