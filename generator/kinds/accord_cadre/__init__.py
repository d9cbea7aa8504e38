"""The accord-cadre de partenariat: parties, visas, préambule, articles, annexes and signatures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from ...schema import FichierArticle, FichierMarkdown, Model
from .. import Kind
from ..common import (Article, ConventionBase, Dossier, Partie, Signature, no_declared_figures, read_dossier,
                      split_article)


class Annexe(Model):
    """An annex: its title as printed and its text."""

    titre: str
    """« Annexe 1 »."""
    texte: FichierMarkdown
    """Markdown file of the annex."""


class AccordCadre(ConventionBase):
    """`contrat.yaml` of an accord-cadre de partenariat."""

    type: Literal["accord-cadre"]
    """Kind of document: « accord-cadre »."""
    titre: list[str]
    """Lines of the title block."""
    introduction: str
    """Sentence that introduces the parties: « Le présent accord-cadre … est conclu entre : »."""
    parties: list[Partie] = Field(min_length=2)
    """The parties, in order: the first « d'une part », the last « d'autre part »."""
    designation_commune: str
    """How the parties are named together: « les parties »."""
    visas: list[str]
    """The « Vu … » lines, without « Vu »."""
    preambule: FichierMarkdown
    """Markdown file of the préambule."""
    articles: list[FichierArticle] = Field(min_length=1)
    """Markdown files of the articles, in order (an article's number is its position)."""
    annexes: list[Annexe] = []
    """The annexes, in order."""
    signature: Signature = Signature()
    """Place, date and originals, when known."""


def read(tree, problems):
    return read_dossier(tree, problems, AccordCadre)


@dataclass
class AccordCadreCalcule:
    """The accord-cadre with its articles numbered by position."""

    dossier: Dossier
    articles: list[Article]


def compute(dossier: Dossier) -> AccordCadreCalcule:
    articles = [split_article(dossier.prose[rel], n, rel, numbered_sections=False)
                for n, rel in enumerate(dossier.contrat.articles, start=1)]
    return AccordCadreCalcule(dossier, articles)


def context(computed: AccordCadreCalcule) -> dict[str, Any]:
    dossier = computed.dossier
    contrat = dossier.contrat
    return {
        "titre": contrat.titre,
        "introduction": contrat.introduction,
        "parties": contrat.parties,
        "designation_commune": contrat.designation_commune,
        "feminin_pluriel": all(p.feminin for p in contrat.parties),
        "visas": contrat.visas,
        "preambule": dossier.prose[contrat.preambule],
        "articles": computed.articles,
        "annexes": [{"titre": a.titre, "texte": dossier.prose[a.texte]} for a in contrat.annexes],
        "signature": contrat.signature,
    }


KIND = Kind(
    name="accord-cadre",
    label="accord-cadre de partenariat",
    read=read,
    compute=compute,
    verify=no_declared_figures,  # its prose's references to its articles are checked as it is read
    context=context,
    templates={"accord-cadre": "accord-cadre/accord-cadre.docx"},
    html_templates={"accord-cadre": "accord-cadre/accord-cadre.html"},
)
