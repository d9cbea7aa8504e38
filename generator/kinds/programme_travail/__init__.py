"""The programme de travail partenarial of an agency: ambitions and their missions, numbered continuously."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from ...schema import FichierMarkdown, Model, Prose
from .. import Kind
from ..common import ContratBase, Dossier, no_declared_figures, read_dossier, split_article


class Membre(Model):
    """A member of the bureau or of the board: a person, or a line that names no one yet."""

    prenom: str | None = None
    """First name."""
    nom: str | None = None
    """NAME."""
    service: str | None = None
    """Service the member comes from, printed before the name: « DDTM »."""
    representant: str | None = None
    """Who the member represents: « la MEL » (printed « représentant la MEL »)."""
    commune: str | None = None
    """Town of the member, printed after the name."""
    note: str | None = None
    """Remark printed in italics: « par intérim »."""
    libelle: str | None = None
    """A line without a person: « En attente de nomination »."""


class Fonction(Model):
    """A function of the bureau and who holds it."""

    fonction: str
    """« Président », « Vice-Présidents »."""
    membres: list[Membre]
    """The holders, in order."""


class Organisme(Model):
    """A body represented on the board and its members."""

    organisme: str
    """« MÉTROPOLE EUROPÉENNE DE LILLE »."""
    membres: list[Membre]
    """Its members, in order."""


class Gouvernance(Model):
    """The bureau and the board of directors."""

    titre: str
    """Heading of the composition."""
    bureau: list[Fonction]
    """The bureau, function by function."""
    conseil: list[Organisme]
    """The board of directors, body by body."""


class ProgrammeTravail(ContratBase):
    """`contrat.yaml` of a programme de travail partenarial."""

    type: Literal["programme-travail"]
    """Kind of document: « programme-travail »."""
    date_edition: dt.date
    """Month of publication (printed « JANVIER 2022 »)."""
    titre: str
    """Title of the programme."""
    avant_propos: FichierMarkdown
    """Markdown file of the foreword."""
    presentation: list[FichierMarkdown] = []
    """Markdown files before the governance."""
    gouvernance: Gouvernance
    """The bureau and the board."""
    apres_gouvernance: list[FichierMarkdown] = []
    """Markdown files between the governance and the ambitions."""
    ambitions: list[FichierMarkdown]
    """Markdown files of the ambitions, in order (numbered by position); each `##` is a mission."""
    fin: list[FichierMarkdown] = []
    """Markdown files after the ambitions."""


def read(tree, problems):
    return read_dossier(tree, problems, ProgrammeTravail)


@dataclass
class Mission:
    numero: int
    titre: str
    corps: Prose


@dataclass
class Ambition:
    numero: int
    titre: str
    introduction: Prose
    missions: list[Mission]


def _suffixes(membre: Membre) -> str:
    text = ""
    if membre.representant:
        text += f", représentant {membre.representant}"
    if membre.commune:
        text += f", {membre.commune}"
    if membre.note:
        text += f" ({membre.note})"
    return text


def ligne_bureau(membre: Membre) -> str:
    """Return a bureau member as printed: « Jean-Philippe ANDRIÈS, représentant la MEL »."""
    if membre.libelle:
        return membre.libelle + _suffixes(membre)
    name = " ".join(p for p in (membre.prenom, membre.nom) if p)
    return (f"{membre.service} : " if membre.service else "") + name + _suffixes(membre)


def ligne_conseil(membre: Membre) -> str:
    """Return a board member as printed: « AMROUNI Karim », « DDTM : LEBEL Antoine (par intérim) »."""
    if membre.libelle:
        return membre.libelle + _suffixes(membre)
    name = " ".join(p for p in (membre.nom, membre.prenom) if p)
    return (f"{membre.service} : " if membre.service else "") + name + _suffixes(membre)


def compute(dossier: Dossier) -> dict[str, Any]:
    """Return the programme with its ambitions numbered 1, 2… and its missions numbered continuously."""
    contrat = dossier.contrat
    ambitions: list[Ambition] = []
    numero_mission = 0
    for n, rel in enumerate(contrat.ambitions, start=1):
        article = split_article(dossier.prose[rel], n, rel)
        missions = []
        for sous in article.sous_articles:
            numero_mission += 1
            missions.append(Mission(numero_mission, sous.titre, sous.corps))
        ambitions.append(Ambition(n, article.titre, article.corps, missions))
    return {
        "date_edition": contrat.date_edition,
        "titre": contrat.titre,
        "avant_propos": dossier.prose[contrat.avant_propos],
        "presentation": [dossier.prose[rel] for rel in contrat.presentation],
        "gouvernance_titre": contrat.gouvernance.titre,
        "bureau": [{"fonction": f.fonction, "membres": [ligne_bureau(m) for m in f.membres]}
                   for f in contrat.gouvernance.bureau],
        "conseil": [{"organisme": o.organisme, "membres": [ligne_conseil(m) for m in o.membres]}
                    for o in contrat.gouvernance.conseil],
        "apres_gouvernance": [dossier.prose[rel] for rel in contrat.apres_gouvernance],
        "ambitions": ambitions,
        "fin": [dossier.prose[rel] for rel in contrat.fin],
    }


KIND = Kind(
    name="programme-travail",
    label="programme de travail partenarial",
    read=read,
    compute=compute,
    verify=no_declared_figures,
    context=lambda computed: computed,
    templates={"programme": "programme-travail/programme.docx"},
    html_templates={"programme": "programme-travail/programme.html"},
)
