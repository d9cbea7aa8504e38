"""The declared figures of a CRTE, each compared with what the engine computes."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ...errors import Problems
from ...french import montant
from ...schema import is_montant
from ...verify import check_references, disagreement, disagrees
from .compute import CRTECalcule, FicheCalculee


def _verify_fiche(f: FicheCalculee, problems: Problems) -> None:
    """Add a warning for every figure of the fiche that its source prints and that disagrees with the computed
    one. Nearly all agree or are not declared: a message and its place are made only for a disagreement."""
    fiche, src = f.fiche, f.source

    def warn(path: tuple, what: str, declared, computed) -> None:
        problems.add(src.location(path), disagreement(f"fiche {f.numero}, {what}", declared, computed),
                     is_warning=True)

    if fiche.numero_publie is not None and fiche.numero_publie != f.numero:
        problems.add(src.location(("numero_publie",)), is_warning=True, message=
                     f"fiche {f.numero} : le document imprime le numéro « {fiche.numero_publie} », "
                     f"mais c'est la fiche n° {f.numero} (axe {f.axe.numero}, position {f.numero.split('.')[1]})")
    if fiche.axe_publie is not None and fiche.axe_publie != f"{f.axe.numero} - {f.axe.code}":
        problems.add(src.location(("axe_publie",)), is_warning=True, message=
                     f"fiche {f.numero} : le document imprime l'axe « {fiche.axe_publie} », la fiche est rangée "
                     f"dans « {f.axe.numero} - {f.axe.code} »")

    for name, titre in (("investissement", "budget d'investissement"),
                        ("fonctionnement", "budget de fonctionnement")):
        declared, computed = getattr(fiche, name).total_publie, getattr(f, name)
        if disagrees(declared.depenses, computed.total_depenses):
            warn((name, "total_publie", "depenses"), f"{titre}, total des dépenses", declared.depenses,
                 computed.total_depenses)
        if disagrees(declared.recettes, computed.total_recettes):
            warn((name, "total_publie", "recettes"), f"{titre}, total des recettes", declared.recettes,
                 computed.total_recettes)
    if disagrees(fiche.financements.total_publie, f.total_financements):
        warn(("financements", "total_publie"), "total des financements recherchés", fiche.financements.total_publie,
             f.total_financements)

    ech = f.echeancier
    if ech is None:
        return
    publie = fiche.echeancier.publie
    for side, line in (("depenses", ech.depenses), ("recettes", ech.recettes)):
        declared_line = getattr(publie, side)
        if not declared_line:
            continue
        word = "DEPENSES" if side == "depenses" else "RECETTES"
        if disagrees(declared_line.get("total"), line.total):
            warn(("echeancier", "publie", side, "total"), f"échéancier, ligne {word}, TOTAL",
                 declared_line.get("total"), line.total)
        for annee, cell in zip(ech.annees, line.cellules):
            if disagrees(declared_line.get(annee), cell):
                warn(("echeancier", "publie", side, annee), f"échéancier, ligne {word}, CP {annee}",
                     declared_line.get(annee), cell)
    totaux = publie.totaux
    for key, row in (("depenses_investissement", ech.depenses_investissement),
                     ("depenses_fonctionnement", ech.depenses_fonctionnement),
                     ("recettes_investissement", ech.recettes_investissement),
                     ("recettes_fonctionnement", ech.recettes_fonctionnement)):
        if disagrees(getattr(totaux, key), row.total):
            side, nature = key.split("_")
            warn(("echeancier", "publie", "totaux", key), f"échéancier, {side} en {nature}, TOTAL",
                 getattr(totaux, key), row.total)

    # The échéancier must spend what the budgets say: the whole investment budget over the years, and the
    # annual running budget in each year that has running costs.
    for side, budget_total, row in (("dépenses", f.investissement.total_depenses, ech.depenses_investissement),
                                    ("recettes", f.investissement.total_recettes, ech.recettes_investissement)):
        if is_montant(row.total) and is_montant(budget_total) and row.total != budget_total:
            problems.add(src.location(("echeancier",)), is_warning=True, message=
                         f"fiche {f.numero} : l'échéancier prévoit {montant(row.total)} de {side} "
                         f"d'investissement, le budget d'investissement en compte {montant(budget_total)}")
    for key, word, annual, row in (("depenses", "dépenses", f.fonctionnement.total_depenses, ech.depenses_fonctionnement),
                                   ("recettes", "recettes", f.fonctionnement.total_recettes, ech.recettes_fonctionnement)):
        for annee, cell in zip(ech.annees, row.cellules):
            if type(cell) is Decimal and cell != 0 and cell != annual:  # is_montant, without a call per cell
                problems.add(src.location(("echeancier", key, "fonctionnement", annee)), is_warning=True,
                             message=f"fiche {f.numero} : l'échéancier prévoit {montant(cell)} de {word} de "
                             f"fonctionnement en {annee}, le budget de fonctionnement annuel en compte "
                             f"{montant(annual)}")


def references(crte: CRTECalcule) -> dict:
    """Return the numbers of the CRTE's articles and fiches in force, and of those avenants deleted."""
    return {"articles": {a.numero: len(a.sous_articles) for a in crte.articles if not a.supprime},
            "fiches": {f.numero for f in crte.fiches},
            "deleted_articles": {a.numero: a.supprime_par for a in crte.articles if a.supprime},
            "deleted_fiches": {f.numero: f.supprimee_par for axe in crte.axes for f in axe.fiches if f.supprimee}}


_OPTIONAL_ANNEXES = (("architecture", "1 – Architecture du contrat"), ("indicateurs", "4 – Indicateurs d’évaluation"))


def _check_empty_annexes(dossier, problems: Problems) -> None:
    """Warn about each optional annexe the contract leaves empty: the document prints its heading alone."""
    for key, title in _OPTIONAL_ANNEXES:
        if getattr(dossier.contrat.annexes, key) is None:
            problems.add(dossier.contrat_source.location(("annexes",)),
                         f"l’annexe « {title} » est vide : le document n’en imprime que le titre (donnez son "
                         f"fichier Markdown dans « annexes : {key} »)", is_warning=True)


def verify(crte: CRTECalcule, problems: Problems) -> None:
    """Add a warning for every declared figure of the CRTE that disagrees with the computed one, and an error
    for every reference of its prose to an article or fiche that does not exist."""
    for f in crte.fiches:
        _verify_fiche(f, problems)
    dossier = crte.dossier
    tree = dossier.tree
    prose_files = {rel: tree.get(rel) for rel in dossier.prose}
    in_force = references(crte)
    in_force["fiches"] |= {f"{i}.{j}" for i, axe in enumerate(dossier.contrat.axes, start=1)
                           for j, slug in enumerate(axe.fiches, start=1)
                           if isinstance(slug, str) and slug not in dossier.fiches}  # invalid fiches exist too
    check_references(prose_files, problems=problems, **in_force)
    _check_empty_annexes(dossier, problems)
    published = dossier.maquette_publiee
    if published is None or not dossier.is_complete:
        return
    src = dossier.maquette_source
    by_number: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(published.lignes):
        by_number[row.numero].append(index)
    maquette = crte.maquette
    # The published maquette prints the costs of the programme's first two years (« COUT 2021 », « COUT 2022 »)
    annees = dossier.contrat.annees
    annee_1, annee_2 = annees[0], annees[min(1, len(annees) - 1)]
    for ligne in maquette.lignes:
        f = ligne.fiche
        indexes = by_number.pop(f.numero, [])
        if not indexes:
            problems.add(src.location(("lignes",)), is_warning=True, message=
                         f"maquette publiée : aucune ligne pour la fiche {f.numero} ({f.libelle_maquette})")
            continue
        if len(indexes) > 1:
            problems.add(src.location(("lignes", indexes[1])), is_warning=True, message=
                         f"maquette publiée : {len(indexes)} lignes pour la fiche {f.numero}, une seule attendue")
        for index in indexes:
            row = published.lignes[index]
            def where(key: str, index: int = index):
                return src.location(("lignes", index, key))

            what = f"maquette publiée, fiche {f.numero}"
            if row.enjeu != f.axe.code:
                problems.add(where("enjeu"), is_warning=True,
                             message=f"{what} : enjeu « {row.enjeu} », la fiche est dans l'axe « {f.axe.code} »")
            if row.maitre_ouvrage is not None and row.maitre_ouvrage != f.maitre_ouvrage:
                problems.add(where("maitre_ouvrage"), is_warning=True,
                             message=f"{what} : maître d'ouvrage « {row.maitre_ouvrage} », la fiche indique "
                                     f"« {f.maitre_ouvrage} »")
            if row.annee is not None and row.annee != f.annee_lancement:
                problems.add(where("annee"), is_warning=True,
                             message=f"{what} : année de lancement {row.annee}, la fiche indique {f.annee_lancement}")
            for key, declared, computed, cost in (("cout_2021", row.cout_2021, ligne.cout(annee_1), annee_1),
                                                  ("cout_2022", row.cout_2022, ligne.cout(annee_2), annee_2),
                                                  ("cout_total", row.cout_total, ligne.cout_total, "total")):
                if disagrees(declared, computed):
                    problems.add(where(key), disagreement(f"{what}, coût {cost}", declared, computed),
                                 is_warning=True)
    for numero, indexes in by_number.items():
        problems.add(src.location(("lignes", indexes[0])), is_warning=True, message=
                     f"maquette publiée : la ligne n° {numero} ne correspond à aucune fiche")
