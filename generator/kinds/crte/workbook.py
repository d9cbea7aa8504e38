"""The maquette financière of a CRTE as a workbook: one sheet per axis and a summary."""

from __future__ import annotations

from ...render_xlsx import Formula, Sheet, Workbook
from .compute import CRTECalcule

_FORBIDDEN_IN_SHEET_NAMES = str.maketrans({c: " " for c in "[]:*?/\\"})


def workbook(crte: CRTECalcule) -> dict[str, Workbook]:
    """Return the maquette as a workbook: « maquette.xlsx », titled as the maquette."""
    return {"maquette": Workbook(crte.maquette.titre, sheets(crte))}


def sheets(crte: CRTECalcule) -> list[Sheet]:
    """Return the summary sheet and one sheet per axis, with the maquette's rows and SUM totals."""
    maquette = crte.maquette
    header = ["N°PROJET", "MAITRE D'OUVRAGE", "DESCRIPTION DU PROJET", "ANNEE DE LANCEMENT",
              f"COUT {maquette.annee_1}", f"COUT {maquette.annee_2}", f"COUT TOTAL {maquette.periode}",
              "COMMENTAIRE", "FINANCEMENTS RECHERCHES"]
    axis_sheets = []
    for axe in crte.axes:
        rows = [[l.fiche.numero, l.fiche.maitre_ouvrage, l.fiche.libelle_maquette, l.fiche.annee_lancement,
                 l.cout_annee_1, l.cout_annee_2, l.cout_total, l.fiche.commentaire_maquette,
                 l.fiche.financements_recherches]
                for l in maquette.lignes if l.fiche.axe.numero == axe.numero]
        title = f"{axe.numero} - {axe.code}".translate(_FORBIDDEN_IN_SHEET_NAMES)[:31]
        axis_sheets.append(Sheet(title, header, rows, amount_columns={4, 5, 6},
                                 widths={0: 10, 1: 18, 2: 60, 3: 12, 4: 14, 5: 14, 6: 16, 7: 30, 8: 30}))
    summary = Sheet(
        "Synthèse",
        ["ENJEU", "AXE", "NOMBRE DE FICHES", f"COUT {maquette.annee_1}", f"COUT {maquette.annee_2}",
         f"COUT TOTAL {maquette.periode}"],
        [[axe.code, axe.titre, sum(not f.supprimee for f in axe.fiches)] + [Formula("=" + sheet.total_cell(c)) for c in (4, 5, 6)]
         for axe, sheet in zip(crte.axes, axis_sheets)],
        amount_columns={3, 4, 5},
        widths={0: 14, 1: 60, 2: 12, 3: 16, 4: 16, 5: 18},
    )
    return [summary, *axis_sheets]
