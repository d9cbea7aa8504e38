"""The maquette financière of a CRTE as a workbook: one sheet per axis and a summary."""

from __future__ import annotations

from ...render_xlsx import Formula, Sheet, Workbook
from .compute import CRTECalcule

_FORBIDDEN_IN_SHEET_NAMES = str.maketrans({c: " " for c in "[]:*?/\\"})


def workbook(crte: CRTECalcule) -> dict[str, Workbook]:
    """Return the maquette as a workbook: « maquette.xlsx », titled as the maquette."""
    return {"maquette": Workbook(crte.maquette.titre, sheets(crte))}


def sheets(crte: CRTECalcule) -> list[Sheet]:
    """Return the summary sheet and one sheet per axis, with the maquette's rows (a cost column per year of the
    maquette, and the total) and SUM totals."""
    maquette = crte.maquette
    years = len(maquette.annees)
    costs = [f"COÛT {annee}" for annee in maquette.annees] + [f"COÛT TOTAL {maquette.periode}"]
    header = ["N° PROJET", "MAÎTRE D’OUVRAGE", "DESCRIPTION DU PROJET", "ANNÉE DE LANCEMENT", *costs,
              "COMMENTAIRE", "FINANCEMENTS RECHERCHÉS"]
    amounts = set(range(4, 5 + years))
    axis_sheets = []
    for axe in crte.axes:
        rows = [[l.fiche.numero, l.fiche.maitre_ouvrage, l.fiche.libelle_maquette, l.fiche.annee_lancement,
                 *l.couts, l.cout_total, l.fiche.commentaire_maquette, l.fiche.financements_recherches]
                for l in maquette.lignes if l.fiche.axe.numero == axe.numero]
        title = f"{axe.numero} - {axe.code}".translate(_FORBIDDEN_IN_SHEET_NAMES)[:31]
        axis_sheets.append(Sheet(title, header, rows, amount_columns=amounts,
                                 widths={0: 10, 1: 18, 2: 60, 3: 12, **{c: 14 for c in amounts},
                                         5 + years: 30, 6 + years: 30}))
    summary = Sheet(
        "Synthèse",
        ["ENJEU", "AXE", "NOMBRE DE FICHES", *costs],
        [[axe.code, axe.titre, sum(not f.supprimee for f in axe.fiches)]
         + [Formula("=" + sheet.total_cell(c)) for c in sorted(amounts)]
         for axe, sheet in zip(crte.axes, axis_sheets)],
        amount_columns=set(range(3, 4 + years)),
        widths={0: 14, 1: 60, 2: 12, **{c: 16 for c in range(3, 4 + years)}},
    )
    return [summary, *axis_sheets]
