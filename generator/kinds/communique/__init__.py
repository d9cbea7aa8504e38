"""The communiqué de presse: date, title, body, « À propos », press contact; one page."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ...schema import FichierMarkdown, Model
from .. import Kind
from ..common import ContratBase, Dossier, no_declared_figures, read_dossier


class APropos(Model):
    """The « À propos » box."""

    titre: str
    """Its heading: « À propos de la MEL »."""
    texte: FichierMarkdown
    """Markdown file of its text."""


class ContactPresse(Model):
    """The press officer to call."""

    organisme: str
    """The authority: « Métropole Européenne de Lille »."""
    nom: str
    """First name and name."""
    fonction: str
    """« Attachée de presse »."""
    telephone: str
    """Telephone number, printed as written (never digit-grouped)."""
    email: str
    """E-mail address (printed as a mailto link)."""


class Communique(ContratBase):
    """`contrat.yaml` of a communiqué de presse."""

    type: Literal["communique"]
    """Kind of document: « communique »."""
    date: dt.date
    """Date of the release: printed « Le 11 février 2020 »."""
    titre: str
    """Title of the release."""
    corps: FichierMarkdown
    """Markdown file of the body."""
    a_propos: APropos
    """The « À propos » box."""
    contact_presse: ContactPresse
    """The press contact."""


def read(tree, problems):
    return read_dossier(tree, problems, Communique)


def context(dossier: Dossier) -> dict[str, Any]:
    contrat = dossier.contrat
    return {
        "date": contrat.date,
        "titre": contrat.titre,
        "corps": dossier.prose[contrat.corps],
        "a_propos": contrat.a_propos,
        "a_propos_texte": dossier.prose[contrat.a_propos.texte],
        "contact": contrat.contact_presse,
    }


KIND = Kind(
    name="communique",
    label="communiqué de presse",
    read=read,
    compute=lambda dossier: dossier,
    verify=no_declared_figures,
    context=context,
    templates={"communique": "communique/communique.docx"},
    html_templates={"communique": "communique/communique.html"},
)
