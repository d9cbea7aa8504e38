"""The annex of an appel à projets: numbered thematic sections, and contacts defined once.

Each contact is a record; the sections and the final « Contacts MEL » table refer to records by their key, so
that an e-mail changed in one place changes everywhere it is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from ...errors import Problems
from ...load import SourceTree
from ...prose import markdown_escape, markdown_link
from ...schema import CleDe, FichierMarkdown, Model
from .. import Kind
from ..common import ContratBase, Dossier, no_declared_figures, read_dossier


CleContact = Annotated[str, CleDe("contacts", "contact")]
"""The key of a contact of the list « contacts »."""


class Contact(Model):
    """A person or a service to contact."""

    nom: str
    """Name as printed: « Virginie TCHOFFO-DJOMKOUO », « Service Politique de la Ville »."""
    fonction: str | None = None
    """Job title printed after the name: « Chargée de mission ESS »."""
    service: str | None = None
    """Service or mission of the person."""
    email: str | None = None
    """E-mail address (printed as a mailto link)."""
    autres_emails: list[str] = []
    """Further addresses printed after the main one."""


class Bloc(Model):
    """A part of a section: an optional sub-heading, its text, the contacts printed after it."""

    titre: str | None = None
    """Sub-heading, when the source prints one."""
    texte: FichierMarkdown | None = None
    """Markdown file of the text."""
    contacts: list[CleContact] = []
    """Keys of the contacts printed after the text (« Contact(s) : »)."""


class Section(Model):
    """A thematic section, numbered by its position."""

    titre: str
    """Title, without its number."""
    blocs: list[Bloc] = []
    """The parts of the section, in order."""


class Sujet(Model):
    """A row of the contacts table: a subject and its contacts."""

    sujet: str = ""
    """The subject (second column)."""
    contacts: list[CleContact] = []
    """Keys of the contacts."""
    liaisons: dict[str, str] = {}
    """Word printed before a contact of the cell, by key: « et/ou »."""


class LigneTableau(Model):
    """A theme of the contacts table with its subjects."""

    thematique: str
    """The theme (first column)."""
    sujets: list[Sujet]
    """Its subjects, in order."""


class TableauContacts(Model):
    """The final table of contacts."""

    titre: str
    """« Contacts MEL »."""
    colonnes: list[str] = ["THEMATIQUES", "", "PARTENAIRES MOBILISABLES"]
    """Headings of the three columns."""
    lignes: list[LigneTableau]
    """The themes, in order."""


class AnnexeAAP(ContratBase):
    """`contrat.yaml` of an annex of an appel à projets."""

    type: Literal["annexe-aap"]
    """Kind of document: « annexe-aap »."""
    titre: str
    """Title of the annex."""
    introduction: FichierMarkdown
    """Markdown file of the text before the first section."""
    contacts: dict[str, Contact]
    """Every contact, once, by key."""
    introduction_contacts: list[CleContact] = []
    """Keys of the contacts printed after the introduction."""
    sections: list[Section]
    """The numbered sections, in order."""
    tableau_contacts: TableauContacts | None = None
    """The final table of contacts, built from the records."""


def read(tree: SourceTree, problems: Problems) -> Dossier | None:
    return read_dossier(tree, problems, AnnexeAAP)


def ligne_contact(contact: Contact, *, en_entier: bool = True) -> str:
    """Return a contact as a Markdown line: name – job – service – e-mail (mailto links); the table's short
    form is name – e-mail."""
    parts = [markdown_escape(contact.nom)]
    if en_entier:
        parts += [markdown_escape(p) for p in (contact.fonction, contact.service) if p]
    emails = [e for e in [contact.email, *contact.autres_emails] if e]
    if emails:
        parts.append(" ".join(markdown_link(e, f"mailto:{e}") for e in emails))
    return " – ".join(parts)


@dataclass
class SectionCalculee:
    numero: int
    titre: str
    blocs: list[dict[str, Any]]


def compute(dossier: Dossier) -> dict[str, Any]:
    """Return the annex with its sections numbered and every contact line built from the records."""
    contrat = dossier.contrat
    contacts = contrat.contacts

    def lines(keys: list[str]) -> list[str]:
        return [ligne_contact(contacts[k]) for k in keys]

    sections = [
        SectionCalculee(n, section.titre, [
            {"titre": bloc.titre, "texte": dossier.prose[bloc.texte] if bloc.texte else None,
             "contacts": lines(bloc.contacts)}
            for bloc in section.blocs])
        for n, section in enumerate(contrat.sections, start=1)
    ]
    tableau = None
    if contrat.tableau_contacts:
        tableau = {
            "titre": contrat.tableau_contacts.titre,
            "colonnes": contrat.tableau_contacts.colonnes,
            "lignes": [{"thematique": ligne.thematique if index == 0 else "", "sujet": sujet.sujet,
                        "contacts": "\n\n".join(
                            (markdown_escape(sujet.liaisons[k]) + " " if k in sujet.liaisons else "")
                            + ligne_contact(contacts[k], en_entier=False) for k in sujet.contacts)}
                       for ligne in contrat.tableau_contacts.lignes
                       for index, sujet in enumerate(ligne.sujets)],
        }
    return {
        "titre": contrat.titre,
        "introduction": dossier.prose[contrat.introduction],
        "introduction_contacts": lines(contrat.introduction_contacts),
        "sections": sections,
        "tableau_contacts": tableau,
    }


KIND = Kind(
    name="annexe-aap",
    label="annexe d'appel à projets",
    read=read,
    compute=compute,
    verify=no_declared_figures,
    context=lambda computed: computed,
    templates={"annexe": "annexe-aap/annexe.docx"},
    html_templates={"annexe": "annexe-aap/annexe.html"},
)
