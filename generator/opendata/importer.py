"""`importer`: a CSV of projects in the national schema (and, optionally, Paraphe's two complements) → the fiches
of a CRTE, created or updated.

Every row of every file is checked against its stored schema first, then the rows against each other and
against the contract; the contract as it would be after the import is then checked by the build's own stages
(`check`), in a copy. Only when all of this passes is anything written, and only inside the contract's folder.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from ..errors import BuildFailed, Location, Problem, Problems, display_path
from ..schema import is_amount_text, parse_montant
from ..write import TEMP_PREFIX
from . import schemas
from .export import project_id
from .tables import Table, read_table

MARKER = "[À COMPLÉTER]"
_YEAR = re.compile(r"^(\d{4})(-\d{2}-\d{2})?$")


@dataclass
class ImportPlan:
    """What an import writes: the new text of each file (path relative to the contract folder), and the fiches
    it creates and updates."""

    writes: dict[str, bytes] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def _yaml() -> YAML:
    """Return the YAML writer of new text: block style, lists indented as content writes them, exact amounts."""
    dumper = YAML()
    dumper.width = 4096
    dumper.indent(mapping=2, sequence=4, offset=2)
    dumper.representer.add_representer(
        Decimal, lambda r, d: r.represent_scalar("tag:yaml.org,2002:int" if d == d.to_integral_value()
                                                 else "tag:yaml.org,2002:float", format(d, "f")))
    return dumper


def _dump(data) -> bytes:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue().encode("utf-8")


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:", re.MULTILINE)


def _blocks(text: str) -> tuple[str, dict[str, str]]:
    """Split a YAML mapping's text into what precedes its first key and, for each top-level key, its lines
    (the comment lines just above a key go with it)."""
    lines = text.splitlines(keepends=True)
    starts: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        match = _TOP_KEY.match(line)
        if match:
            start = i
            while start > 0 and lines[start - 1].startswith("#") and (not starts or start - 1 > starts[-1][0]):
                start -= 1
            starts.append((start, match.group(1)))
    if not starts:
        return text, {}
    blocks = {}
    for n, (start, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        blocks[key] = "".join(lines[start:end])
    return "".join(lines[:starts[0][0]]), blocks


def edit_yaml(original: str, data: dict) -> str:
    """Return the YAML text of `data`, a new version of the mapping `original` holds: each top-level key whose
    value is unchanged keeps its lines as written (comments, quotes, layout), the others are written anew."""
    before = yaml.safe_load(original) or {}
    head, blocks = _blocks(original)
    parts = [head]
    for key, value in data.items():
        if key in blocks and key in before and before[key] == value:
            block = blocks[key]
            parts.append(block if block.endswith("\n") else block + "\n")
        else:
            parts.append(_dump({key: value}).decode("utf-8"))
    return "".join(parts)


def _set_text(fiche: dict, key: str, value: str) -> None:
    """Set a text field, unless it already says the same (a Markdown text's final line end is no change)."""
    current = fiche.get(key)
    if not (isinstance(current, str) and current.strip() == value.strip()):
        fiche[key] = _text(value)


def _text(value: str):
    """Return a text for YAML: a literal block when it has several lines."""
    return LiteralScalarString(value.rstrip() + "\n") if "\n" in value else value


def slugify(text: str, limit: int = 48) -> str:
    """Return a file name from words: lower case, no accents, words joined by hyphens, at most `limit` chars."""
    spelled = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    plain = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or "projet"


def _cell(montant: str, mention: str, name: str, number: int, problems: Problems):
    """Return a fiche's table cell from the `montant` and `mention` columns (8th and 9th of montants-crte)."""
    location, mention_location = Location(name, number, 8), Location(name, number, 9)
    if montant and mention:
        problems.add(location, f"« montant » et « mention » remplis tous deux (« {montant} », « {mention} ») : "
                               "un montant connu, ou la mention qui dit qu'il ne l'est pas encore")
        return None
    if mention:
        if is_amount_text(mention):
            problems.add(mention_location, f"colonne « mention » : « {mention} » est un montant : écrivez-le dans la colonne "
                                   "« montant » (chiffres, point décimal)")
            return None
        return mention
    if montant:
        try:
            return parse_montant(Decimal(montant))
        except (ValueError, ArithmeticError) as exc:
            problems.add(location, f"colonne « montant » : {exc}")
    return None


@dataclass
class _Sources:
    projets: Table
    fiches: dict[str, tuple[int, dict[str, str]]]
    montants: dict[str, list[tuple[int, dict[str, str]]]] | None
    names: dict[str, str]


def _read_files(projets: Path, fiches: Path | None, montants: Path | None, problems: Problems) -> _Sources | None:
    names = {"projets": display_path(projets)}
    tables: dict[str, Table | None] = {}
    for key, path, schema in (("projets", projets, schemas.projets_descriptor()),
                              ("fiches", fiches, schemas.descriptor(schemas.FICHES_SCHEMA)),
                              ("montants", montants, schemas.descriptor(schemas.MONTANTS_SCHEMA))):
        if path is None:
            continue
        names[key] = display_path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.add(Location(display_path(path)), f"fichier illisible ({exc.strerror or exc})")
            continue
        tables[key] = read_table(data, names[key], schema, problems)
    if problems.errors:
        return None
    table = tables["projets"]
    ids = {_canonical(row["id"]): i for i, row in enumerate(table.rows)}
    by_id: dict[str, tuple[int, dict[str, str]]] = {}
    if tables.get("fiches") is not None:
        for i, row in enumerate(tables["fiches"].rows):
            key = _canonical(row["id"])
            if key not in ids:
                problems.add(Location(names["fiches"], i + 2, 1),
                             f"projet « {row['id']} » absent du fichier des projets ({names['projets']})")
            by_id[key] = (i + 2, row)
    amounts: dict[str, list[tuple[int, dict[str, str]]]] | None = None
    if tables.get("montants") is not None:
        amounts = {}
        for i, row in enumerate(tables["montants"].rows):
            key = _canonical(row["id"])
            if key not in ids:
                problems.add(Location(names["montants"], i + 2, 1),
                             f"projet « {row['id']} » absent du fichier des projets ({names['projets']})")
            amounts.setdefault(key, []).append((i + 2, row))
    return _Sources(table, by_id, amounts, names)


def _canonical(text: str) -> str:
    return str(uuid.UUID(text))


def _amount_tables(rows: list[tuple[int, dict[str, str]]], name: str, problems: Problems) -> dict:
    """Return the échéancier, budget tables and funding lines of one project from its rows of montants-crte."""
    header = ["id", "tableau", "sens", "nature", "annee", "rang", "libelle", "montant", "mention", "statut",
              "difficultes"]
    column = {c: i for i, c in enumerate(header, start=1)}
    echeancier: dict = {}
    budgets: dict = {"investissement": {}, "fonctionnement": {}}
    financements: dict[int, dict] = {}
    seen: set = set()
    for number, row in rows:
        tableau = row["tableau"]

        def need(*names: str) -> bool:
            missing = [n for n in names if not row.get(n)]
            for n in missing:
                problems.add(Location(name, number, column[n]), f"colonne « {n} » : obligatoire pour le tableau "
                                                                 f"« {tableau} »")
            return not missing

        cell = _cell(row.get("montant", ""), row.get("mention", ""), name, number, problems)
        if tableau == "échéancier":
            if not need("sens", "nature", "annee"):
                continue
            key = (tableau, row["sens"], row["nature"], int(row["annee"]))
            target = echeancier.setdefault(row["sens"], {}).setdefault(row["nature"], {})
            target[int(row["annee"])] = cell
        elif tableau in budgets:
            if not need("sens", "rang"):
                continue
            key = (tableau, row["sens"], int(row["rang"]))
            budgets[tableau].setdefault(row["sens"], {})[int(row["rang"])] = {"libelle": row.get("libelle", ""),
                                                                             "montant": cell}
        else:
            if not need("rang"):
                continue
            key = (tableau, int(row["rang"]))
            financements[int(row["rang"])] = {"partenaire": row.get("libelle", ""), "montant": cell,
                                              "delai": row.get("statut", ""),
                                              "difficultes": row.get("difficultes", "")}
        if key in seen:
            problems.add(Location(name, number), f"ligne en double pour ce projet ({', '.join(map(str, key))})")
        seen.add(key)
    return {"echeancier": echeancier, "budgets": budgets, "financements": financements}


def _ordered(by_rank: dict[int, dict]) -> list[dict]:
    return [by_rank[r] for r in sorted(by_rank)]


def _clean(line: dict) -> dict:
    """Drop the empty columns of a budget or funding line (as content writes them: `{}` for an empty row)."""
    return {k: v for k, v in line.items() if v not in ("", None)}


def _apply_amounts(fiche: dict, amounts: dict) -> None:
    """Set a fiche's amount tables from the import, keeping the figures the source printed (`publie`)."""
    ech = amounts["echeancier"]
    old = fiche.get("echeancier") or {}
    if ech or old.get("publie"):
        new = {}
        for sens_csv, sens in (("dépenses", "depenses"), ("recettes", "recettes")):
            new[sens] = {nature: dict(sorted(ech.get(sens_csv, {}).get(nature, {}).items()))
                         for nature in ("investissement", "fonctionnement")}
        if old.get("publie"):
            new["publie"] = old["publie"]
        fiche["echeancier"] = new
    elif "echeancier" in fiche:
        del fiche["echeancier"]
    for tableau in ("investissement", "fonctionnement"):
        rows = amounts["budgets"][tableau]
        budget = fiche.get(tableau) or {}
        budget["depenses"] = [_clean(line) for line in _ordered(rows.get("dépenses", {}))]
        budget["recettes"] = [_clean(line) for line in _ordered(rows.get("recettes", {}))]
        fiche[tableau] = budget
    financements = fiche.get("financements") or {}
    financements["lignes"] = [_clean(line) for line in _ordered(amounts["financements"])]
    fiche["financements"] = financements


def plan_import(root: Path, dossier, projets: Path, fiches: Path | None = None, montants: Path | None = None
                ) -> ImportPlan:
    """Return what importing the files into the CRTE of `root` (`dossier`: its validated content) writes; raise
    BuildFailed with every problem (French, file, row and column) when something is wrong."""
    problems = Problems()
    sources = _read_files(projets, fiches, montants, problems)
    if sources is None:
        raise BuildFailed(problems.items)
    contract = root.name
    contrat_path = root / "contrat.yaml"
    contrat_text = contrat_path.read_text(encoding="utf-8")
    contrat = yaml.safe_load(contrat_text)
    axes = contrat["axes"]
    axis_of_slug = {slug: i for i, axe in enumerate(axes) for slug in axe["fiches"] if isinstance(slug, str)}
    existing = {project_id(contract, slug, item.fiche.identifiant): slug for slug, item in dossier.fiches.items()}
    taken = {path.stem for path in (root / "fiches").glob("*.yaml")}
    annees = set(contrat.get("annees") or [])
    plan = ImportPlan()
    name = sources.names["projets"]
    header = sources.projets.header

    for index, row in enumerate(sources.projets.rows):
        number = index + 2
        key = _canonical(row["id"])
        complement = sources.fiches.get(key)
        start = _YEAR.match(row.get("dateDebutPrevisionnelle", ""))
        if row.get("dateDebutPrevisionnelle") and not start:
            problems.add(Location(name, number, header.index("dateDebutPrevisionnelle") + 1),
                         f"colonne « dateDebutPrevisionnelle » : « {row['dateDebutPrevisionnelle']} » n'est pas une "
                         "date AAAA-MM-JJ")
        try:
            updated_at = dt.datetime.fromisoformat(row["updatedAt"].replace("Z", "+00:00")).astimezone(dt.timezone.utc)
        except ValueError:
            problems.add(Location(name, number, header.index("updatedAt") + 1),
                         f"colonne « updatedAt » : « {row['updatedAt']} » n'est pas une date et heure ISO 8601 "
                         "(par exemple 2025-04-15T14:30:00Z)")
            continue
        slug = existing.get(key)
        if slug is not None:
            original = (root / "fiches" / f"{slug}.yaml").read_text(encoding="utf-8")
            fiche = yaml.safe_load(original)
        else:
            fiche = {"identifiant": DoubleQuotedScalarString(key)}
        _set_text(fiche, "intitule", row["nom"])
        if row.get("description") or slug is None:
            _set_text(fiche, "description", row.get("description") or MARKER)
        fiche["date_mise_a_jour"] = updated_at.date()
        if start:
            fiche["annee_lancement"] = int(start.group(1))
        elif slug is None:
            fiche["annee_lancement"] = updated_at.year
        for column in ("leviers", "competences"):
            if row.get(column):
                fiche[column] = json.loads(row[column])
        if complement is not None:
            values = complement[1]
            for column, target in (("maitreOuvrage", "maitre_ouvrage"), ("libelleMaquette", "libelle_maquette"),
                                   ("commentaireMaquette", "commentaire_maquette"),
                                   ("financementsRecherches", "financements_recherches"),
                                   ("localisation", "localisation"), ("budget", "budget"),
                                   ("typeOperation", "type_operation"), ("operations", "operations"),
                                   ("prerequis", "prerequis")):
                if values.get(column):
                    _set_text(fiche, target, values[column])
        elif slug is None:
            fiche.update({"maitre_ouvrage": MARKER, "libelle_maquette": row["nom"], "localisation": MARKER,
                          "budget": MARKER})
        if sources.montants is not None:
            amounts = _amount_tables(sources.montants.get(key, []), sources.names["montants"], problems)
            annees.update(a for sens in amounts["echeancier"].values() for cells in sens.values() for a in cells)
            _apply_amounts(fiche, amounts)
        elif slug is None and row.get("budgetPrevisionnel"):
            fiche["investissement"] = {"depenses": [{"libelle": "Budget prévisionnel",
                                                     "montant": Decimal(row["budgetPrevisionnel"])}]}
        if complement is not None and complement[1].get("echeancier") == "oui" and not fiche.get("echeancier"):
            # an échéancier the fiche prints without any amount yet
            fiche["echeancier"] = {sens: {"investissement": {}, "fonctionnement": {}}
                                   for sens in ("depenses", "recettes")}

        if slug is not None:
            axis = _axis(complement, axes, name, number, problems) if complement is not None else None
            if axis is not None and axis != axis_of_slug.get(slug):
                current = axes[axis_of_slug[slug]]["code"] if slug in axis_of_slug else "aucun"
                problems.add(Location(sources.names["fiches"], complement[0], 2),
                             f"le projet est la fiche {slug} de l'axe {current} : l'importation ne change pas une "
                             "fiche d'axe (son numéro changerait) ; faites-le par un avenant")
            text = edit_yaml(original, fiche)
            if text != original:
                plan.writes[f"fiches/{slug}.yaml"] = text.encode("utf-8")
                plan.updated.append(slug)
            continue
        axis = _axis(complement, axes, name, number, problems)
        if axis is None:
            if complement is None:
                continue
            axis = _new_axis(complement[1], axes, plan)
        new_slug = _unique(f"{axis + 1}-{slugify(fiche.get('libelle_maquette') or row['nom'])}", taken)
        taken.add(new_slug)
        axes[axis]["fiches"].append(new_slug)
        plan.writes[f"fiches/{new_slug}.yaml"] = _dump(fiche)
        plan.created.append(new_slug)
    if problems.errors:
        raise BuildFailed(problems.items)
    if annees != set(contrat.get("annees") or []):
        contrat["annees"] = sorted(annees)
    text = edit_yaml(contrat_text, contrat)
    if text != contrat_text:
        plan.writes["contrat.yaml"] = text.encode("utf-8")
    return plan


def _axis(complement, axes, name: str, number: int, problems: Problems) -> int | None:
    """Return the index of the project's axis in the contract, None when it is to be created (or unknown)."""
    if complement is None:
        if len(axes) == 1:
            return 0
        problems.add(Location(name, number, 1),
                     "projet nouveau sans axe : donnez aussi le fichier des compléments CRTE (--fiches), "
                     "dont la colonne « axe » dit l'axe du contrat où le placer")
        return None
    code = complement[1]["axe"]
    return next((i for i, axe in enumerate(axes) if str(axe["code"]).strip().upper() == code.strip().upper()), None)


def _new_axis(values: dict[str, str], axes, plan: ImportPlan) -> int:
    number = len(axes) + 1
    texte = f"axes/{number}-{slugify(values['axe'], 32)}.md"
    axes.append({"code": values["axe"], "titre": values.get("axeTitre") or MARKER, "texte": texte, "fiches": []})
    plan.writes[texte] = f"{MARKER[:-1]} : présentation de l'axe {values['axe']}]\n".encode("utf-8")
    return number - 1


def _unique(slug: str, taken: set[str]) -> str:
    candidate, counter = slug, 1
    while candidate in taken:
        counter += 1
        candidate = f"{slug}-{counter}"
    return candidate


def check_plan(root: Path, plan: ImportPlan, check: Callable[[Path], list[Problem]]) -> None:
    """Check the contract as the import would leave it, in a copy: raise BuildFailed with the problems the
    build's stages find there (their paths named as in the real folder)."""
    with tempfile.TemporaryDirectory(prefix="paraphe-import-") as tmp:
        copy = Path(tmp) / root.name
        shutil.copytree(root, copy, symlinks=True)
        for rel, data in plan.writes.items():
            target = copy / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        found = check(copy)
        prefix, real = display_path(copy), display_path(root)
        if found:
            raise BuildFailed([Problem(Location(p.location.path.replace(prefix, real, 1), p.location.line,
                                                p.location.column), p.message, p.is_warning) for p in found])


def apply_plan(root: Path, plan: ImportPlan) -> list[Path]:
    """Write the plan's files into the contract's folder: every new text first written beside its file, then
    each put in place (os.replace), so that no file is ever half-written."""
    staged: list[tuple[str, Path]] = []
    try:
        for rel, data in plan.writes.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            staged.append((rel, Path(tmp_name)))
        for rel, tmp_path in staged:
            os.replace(tmp_path, root / rel)
    finally:
        for _, tmp_path in staged:
            tmp_path.unlink(missing_ok=True)
    return [root / rel for rel in plan.writes]
