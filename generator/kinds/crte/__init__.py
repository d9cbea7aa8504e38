"""The CRTE kind: contrat de relance et de transition écologique, with its fiches-projet and maquette."""

from __future__ import annotations

from .. import Kind
from ..common import Representant
from .avenant import amend, avenant_context
from .compute import compute
from .context import context
from .read import read
from .verify import references, verify
from .workbook import workbook

def anchors(crte) -> dict[str, str]:
    """Return the HTML id of what each content file is about: its fiche, its article, the maquette."""
    ids = {f.source.rel_path: f"fiche-{f.numero.replace('.', '-')}" for f in crte.fiches}
    ids.update({a.source_path: f"article-{a.numero}" for a in crte.articles})
    if crte.dossier.maquette_source is not None:
        ids[crte.dossier.maquette_source.rel_path] = "maquette"
    return ids


KIND = Kind(
    name="crte",
    label="contrat de relance et de transition écologique",
    read=read,
    compute=compute,
    verify=verify,
    context=context,
    templates={"contrat": "crte/contrat.docx", "annexes": "crte/annexes.docx"},
    amend=amend,
    avenant_changes={
        "article": {"rediger": None, "completer": None, "remplacer": None, "supprimer": None},
        "apres_article": {"inserer": None},
        "fiche": {"modifier": None, "supprimer": None},
        "axe": {"ajouter_fiche": None},
        "partie": {"representant": Representant},
    },
    references=references,
    avenant_context=avenant_context,
    avenant_templates={"avenant": "crte/avenant.docx"},
    workbook=workbook,
    html_templates={"contrat": "crte/contrat.html"},
    anchors=anchors,
)
