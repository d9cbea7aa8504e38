"""`exporter`: a computed contract → its open data files, each checked against its stored schema before any is
written.

- `projets.csv`: the CRTE's fiches in the national schema of projects (v0.1.1);
- `fiches-crte.csv`, `montants-crte.csv`: what that schema has no column for (axis, maquette columns, yearly
  amounts, budget rows, funding lines), keyed by the project's `id` (docs/donnees-ouvertes.md);
- `subventions.csv`: the subsidies the convention grants (`subventions:` of contrat.yaml), SCDL « subventions ».
"""

from __future__ import annotations

import json
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from pydantic import TypeAdapter

from ..errors import BuildFailed, Problems
from ..kinds.common import SubventionAttribuee
from ..schema import Marqueur
from ..write import Output
from . import schemas
from .tables import check_written, write_csv

FOLDER = "donnees-ouvertes"
"""Subfolder of the contract's output folder that receives the files."""
PROJETS = "projets.csv"
FICHES = "fiches-crte.csv"
MONTANTS = "montants-crte.csv"
SUBVENTIONS = "subventions.csv"
_NAMESPACE = uuid.UUID("6f1d2a3e-5b0c-4c1e-9a57-706172617068")
"""Namespace of the identifiers derived from a contract's and a fiche's names (uuid5)."""


def project_id(contract: str, fiche_slug: str, identifiant: uuid.UUID | None) -> str:
    """Return a fiche's project identifier: its own, or one derived from the names (the same at every export)."""
    return str(identifiant or uuid.uuid5(_NAMESPACE, f"{contract}/{fiche_slug}"))


def cell_text(cell) -> tuple[str, str]:
    """Return (montant, mention) columns of a table cell: an amount, a marker's words, or nothing."""
    if cell is None:
        return "", ""
    if isinstance(cell, Marqueur):
        return "", str(cell)
    return format(cell, "f"), ""


def _projet_row(contract: str, computed_fiche) -> dict[str, str]:
    fiche = computed_fiche.fiche
    stamp = f"{fiche.date_mise_a_jour.isoformat()}T00:00:00Z"
    cost = computed_fiche.cout_total
    budget = (str(cost.quantize(Decimal(1), rounding=ROUND_HALF_UP)) if isinstance(cost, Decimal) else "")
    return {
        "id": project_id(contract, computed_fiche.slug, fiche.identifiant),
        "createdAt": stamp,
        "updatedAt": stamp,
        "nom": fiche.intitule,
        "description": str(fiche.description).strip(),
        "budgetPrevisionnel": budget,
        "dateDebutPrevisionnelle": f"{fiche.annee_lancement}-01-01",
        "programme": "CRTE",
        "competences": json.dumps(fiche.competences, ensure_ascii=False) if fiche.competences else "",
        "leviers": json.dumps(fiche.leviers, ensure_ascii=False) if fiche.leviers else "",
    }


def _fiche_row(contract: str, computed_fiche, axe_titre: str) -> dict[str, str]:
    fiche = computed_fiche.fiche
    return {
        "id": project_id(contract, computed_fiche.slug, fiche.identifiant),
        "axe": computed_fiche.axe.code,
        "axeTitre": axe_titre,
        "maitreOuvrage": fiche.maitre_ouvrage,
        "libelleMaquette": fiche.libelle_maquette,
        "commentaireMaquette": fiche.commentaire_maquette or "",
        "financementsRecherches": fiche.financements_recherches or "",
        "localisation": fiche.localisation,
        "budget": fiche.budget,
        "typeOperation": fiche.type_operation or "",
        "operations": str(fiche.operations or "").strip(),
        "prerequis": str(fiche.prerequis or "").strip(),
        "echeancier": "oui" if fiche.echeancier is not None else "non",
    }


def _montant_rows(project: str, fiche) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []

    def add(tableau: str, cell, **columns: str) -> None:
        montant, mention = cell_text(cell)
        rows.append({"id": project, "tableau": tableau, "montant": montant, "mention": mention, **columns})

    if fiche.echeancier is not None:
        for sens, lignes in (("dépenses", fiche.echeancier.depenses), ("recettes", fiche.echeancier.recettes)):
            for nature in ("investissement", "fonctionnement"):
                for annee, cell in sorted(getattr(lignes, nature).items()):
                    if cell is not None:
                        add("échéancier", cell, sens=sens, nature=nature, annee=str(annee))
    for tableau in ("investissement", "fonctionnement"):
        budget = getattr(fiche, tableau)
        for sens, lignes in (("dépenses", budget.depenses), ("recettes", budget.recettes)):
            for rang, ligne in enumerate(lignes, start=1):
                add(tableau, ligne.montant, sens=sens, rang=str(rang), libelle=ligne.libelle)
    for rang, ligne in enumerate(fiche.financements.lignes, start=1):
        add("financements", ligne.montant, rang=str(rang), libelle=ligne.partenaire, statut=ligne.delai,
            difficultes=ligne.difficultes)
    return rows


def _subvention_rows(subventions) -> list[dict[str, str]]:
    return [{
        "nomAttribuant": s.attribuant,
        "idAttribuant": s.siret_attribuant,
        "dateConvention": s.date_convention.isoformat(),
        "referenceDecision": s.reference_decision or "",
        "nomBeneficiaire": s.beneficiaire,
        "idBeneficiaire": s.siret_beneficiaire,
        "objet": s.objet,
        "montant": format(s.montant, "f"),
        "nature": s.nature,
        "conditionsVersement": s.conditions_versement,
        "datesPeriodeVersement": str(s.versement) if isinstance(s.versement, str) else s.versement.isoformat(),
        "idRAE": s.id_rae or "",
        "notificationUE": "oui" if s.notification_ue else "non",
        "pourcentageSubvention": format(s.pourcentage, "f"),
    } for s in subventions]


def tables(contract: str, subventions: list, computed_fiches: list | None, axes_titres: dict[str, str]
           ) -> dict[str, bytes]:
    """Return the open data files of a contract (file name → CSV bytes): the projects and their complements when
    it has fiches, and its subsidies."""
    files: dict[str, bytes] = {}
    if computed_fiches is not None:
        projets = schemas.projets_descriptor()
        files[PROJETS] = write_csv(schemas.field_names(projets), [_projet_row(contract, f) for f in computed_fiches])
        files[FICHES] = write_csv(schemas.field_names(schemas.descriptor(schemas.FICHES_SCHEMA)),
                                  [_fiche_row(contract, f, axes_titres.get(f.axe.code, "")) for f in computed_fiches])
        files[MONTANTS] = write_csv(
            schemas.field_names(schemas.descriptor(schemas.MONTANTS_SCHEMA)),
            [row for f in computed_fiches
             for row in _montant_rows(project_id(contract, f.slug, f.fiche.identifiant), f.fiche)])
    files[SUBVENTIONS] = write_csv(schemas.field_names(schemas.descriptor(schemas.SUBVENTIONS_SCHEMA)),
                                   _subvention_rows(subventions))
    return files


SCHEMA_OF = {
    PROJETS: schemas.projets_descriptor,
    FICHES: lambda: schemas.descriptor(schemas.FICHES_SCHEMA),
    MONTANTS: lambda: schemas.descriptor(schemas.MONTANTS_SCHEMA),
    SUBVENTIONS: lambda: schemas.descriptor(schemas.SUBVENTIONS_SCHEMA),
}


def export(root: Path, tree, computed, output_dir: Path) -> list[Output]:
    """Return the open data files of a computed contract (`tree`: its loaded content), every one checked
    against its schema; raise BuildFailed (French, with row and column) if one is not valid — nothing is
    written then."""
    contract = root.name
    data = tree.get("contrat.yaml").data
    subventions = TypeAdapter(list[SubventionAttribuee]).validate_python(data.get("subventions") or [])
    fiches = list(computed.fiches) if hasattr(computed, "fiches") and hasattr(computed, "maquette") else None
    axes_titres = {axe.code: axe.titre for axe in getattr(computed, "axes", [])}
    files = tables(contract, subventions, fiches, axes_titres)
    problems = Problems()
    for name, content in files.items():
        problems.extend(check_written(content, f"{FOLDER}/{name}", SCHEMA_OF[name]()))
    if problems:
        raise BuildFailed(problems.items)
    folder = output_dir / contract / FOLDER
    return [Output(folder / name, content, tree.digest()) for name, content in files.items()]
