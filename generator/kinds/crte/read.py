"""Read a CRTE content folder into validated models: contrat.yaml, its prose files, fiches and published maquette."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from ...errors import Problems
from ...load import SourceFile, SourceTree
from ...schema import FichierProse, Prose
from ...validate import iter_marked, validate_source
from ..common import read_prose
from .schema import Contrat, Fiche, MaquettePubliee


def _mark_prose(model, rel: str) -> None:
    """Name the file of the Markdown a fiche's fields hold (its documents mark where it comes from)."""
    for value in vars(model).values():  # the model's fields (its __dict__ holds them, and nothing else)
        if isinstance(value, Prose) and value.source is None:
            value.source = rel


@dataclass
class FicheSource:
    """A validated fiche and the file it comes from."""

    slug: str
    fiche: Fiche
    source: SourceFile


@dataclass
class DossierCRTE:
    """Every validated piece of one CRTE content folder."""

    tree: SourceTree
    contrat: Contrat
    contrat_source: SourceFile
    prose: dict[str, Prose]
    fiches: dict[str, FicheSource]
    maquette_publiee: MaquettePubliee | None
    maquette_source: SourceFile | None
    is_complete: bool = True
    """False when some fiches are invalid or missing (their problems are errors): the rest is computed and
    verified so that one build names every mistake, and nothing is rendered."""


def _iter_prose_refs(contrat: Contrat):
    """Yield (YAML path, Markdown file) for every prose file that contrat.yaml names."""
    for i, rel in enumerate(contrat.projet):
        yield ("projet", i), rel
    for i, axe in enumerate(contrat.axes):
        yield ("axes", i, "texte"), axe.texte
    yield ("preambule",), contrat.preambule
    for i, entry in enumerate(contrat.articles):
        if isinstance(entry, str):
            yield ("articles", i), entry
        elif entry.supprime_par is None:  # a deleted article prints « (supprimé) », not its last text
            yield ("articles", i, "fichier"), entry.fichier
    for name in ("avertissement", "architecture", "indicateurs"):
        rel = getattr(contrat.annexes, name)
        if rel is not None:
            yield ("annexes", name), rel


def read(tree: SourceTree, problems: Problems) -> DossierCRTE | None:
    """Return the validated content of a CRTE folder, or None after adding every problem found.

    Every file is validated even when another is invalid, so that one build reports every problem.
    """
    contrat_source = tree.get("contrat.yaml")
    contrat = validate_source(contrat_source, Contrat, problems)
    validated = {source.rel_path: validate_source(source, Fiche, problems)
                 for source in tree.iter_files("fiches", ".yaml")}
    maquette_rel = contrat.maquette_publiee if contrat else "maquette-publiee.yaml"
    maquette_source = tree.get(maquette_rel) if maquette_rel else None
    maquette = validate_source(maquette_source, MaquettePubliee, problems) if maquette_source else None
    if contrat is None:  # its prose files are still read, as the data names them: their mistakes too are named
        named = [] if contrat_source.is_unreadable else iter_marked(Contrat, contrat_source.data, FichierProse)
        read_prose(tree, contrat_source, [(path, rel) for path, rel, _ in named], problems)
        return None

    prose = read_prose(tree, contrat_source, _iter_prose_refs(contrat), problems)

    fiches: dict[str, FicheSource] = {}
    for i, axe in enumerate(contrat.axes):
        for j, slug in enumerate(axe.fiches):
            if not isinstance(slug, str):
                continue  # deleted by an avenant: its place is kept, its file is gone
            rel = f"fiches/{slug}.yaml"
            where = partial(contrat_source.location, ("axes", i, "fiches", j))  # read only for a problem
            if rel not in validated:
                problems.add(where(), f"fiche introuvable : « {rel} »")
            elif slug in fiches:
                problems.add(where(), f"la fiche « {slug} » est citée deux fois")
            elif validated[rel] is not None:
                fiches[slug] = FicheSource(slug, validated[rel], tree.get(rel))
                _mark_prose(validated[rel], rel)
    listed = {f"fiches/{slug}.yaml" for axe in contrat.axes for slug in axe.fiches if isinstance(slug, str)}
    for rel in validated:
        if rel not in listed:
            problems.add(tree.get(rel).location(), "cette fiche n'est rattachée à aucun axe de contrat.yaml : "
                                                   "ajoutez son nom à la liste « fiches » de son axe")
    if contrat.maquette_publiee and maquette_source is None:
        problems.add(contrat_source.location(("maquette_publiee",)),
                     f"fichier introuvable : « {contrat.maquette_publiee} »")

    if sorted(set(contrat.annees)) != list(contrat.annees):
        problems.add(contrat_source.location(("annees",)), "les années doivent être croissantes et distinctes")
    for slug, item in fiches.items():
        if item.fiche.echeancier is None:
            continue
        ech = item.fiche.echeancier
        for side in ("depenses", "recettes"):
            for nature in ("investissement", "fonctionnement"):
                for year in getattr(getattr(ech, side), nature):
                    if year not in contrat.annees:
                        problems.add(item.source.key_location(("echeancier", side, nature, year)),
                                     f"année {year} hors de l'échéancier du contrat ({contrat.annees[0]}-"
                                     f"{contrat.annees[-1]})")

    if not problems.errors:
        return DossierCRTE(tree, contrat, contrat_source, prose, fiches, maquette, maquette_source)
    prose_complete = all(rel in prose for _, rel in _iter_prose_refs(contrat))
    if prose_complete and (maquette_source is None or maquette is not None):
        # only fiches are wrong: the others are computed and verified (their findings join the errors)
        return DossierCRTE(tree, contrat, contrat_source, prose, fiches, maquette, maquette_source,
                           is_complete=False)
    return None
