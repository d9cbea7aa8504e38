"""Content schema of a CRTE (contrat de relance et de transition écologique).

`contrat.yaml` is a `Contrat`; each `fiches/<slug>.yaml` is a `Fiche`; `maquette-publiee.yaml` is a
`MaquettePubliee`. Fields named `…_publie` / `publie` hold *declared figures*: what the source document prints
where the engine computes its own value (numbers, totals); the verifier compares the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import Field, field_validator

from ...amend import ArticleEnVigueur
from ...schema import Cellule, FichierMarkdown, Markdown, Model
from ..common import ConventionBase, Partie, Signature


# --- contrat.yaml ---------------------------------------------------------------------------------------------


class Couverture(Model):
    """The cover page."""

    annee: int
    """Year printed on the cover (never digit-grouped)."""
    titre: str
    """Title of the contract as printed on the cover."""
    autorite: list[str]
    """Lines of the State's block: « PRÉFET », « DU PAS-DE-CALAIS »."""
    devise: list[str]
    """Lines of the Republic's motto."""
    collectivite: list[str]
    """Lines of the local authority's block: « CALL », « Communauté d'Agglomération », « Lens-Liévin »."""


class FicheSupprimee(Model):
    """An entry of an axis's `fiches` that an avenant wrote: the fiche it deleted keeps its place and number."""

    fiche: str
    """Slug of the deleted fiche."""
    supprimee_par: int
    """Number of the avenant that deleted it."""


class Axe(Model):
    """A strategic axis: its words, its section of the first part, and its fiches in order."""

    code: str
    """Key word in capitals: « TRAVAILLER »."""
    titre: str
    """Full title: « Créer des emplois et accompagner les habitants vers l'emploi »."""
    separateur: str = "-"
    """Dash printed between the axis number and its title in the first part, as in the source (« – » or « - »)."""
    texte: FichierMarkdown
    """Markdown file (relative to the contract folder) of the axis section in the first part."""
    fiches: list[str | FicheSupprimee]
    """Slugs of the axis's fiches (`fiches/<slug>.yaml`), in order: a fiche's number is its axis and position
    (a fiche an avenant deleted keeps its place: numbers never move)."""


class Annexes(Model):
    """The third part."""

    avertissement: FichierMarkdown
    """Markdown file of the warning that opens the annexes."""
    architecture: FichierMarkdown | None = None
    """Markdown file describing the architecture of the contract (annexe 1), when there is one."""
    indicateurs: FichierMarkdown | None = None
    """Markdown file of the evaluation indicators (annexe 4), when there is one."""


class MaquetteEntetes(Model):
    """Title and headings of the maquette financière."""

    titre: str
    """Title above the table: « CRTE - COMMUNAUTE D'AGGLOMERATION DE LENS-LIEVIN - MAQUETTE FINANCIERE »."""
    periode: str
    """Period of the total cost column, printed as is: « 2021-2027 »."""


class Contrat(ConventionBase):
    """`contrat.yaml`: everything of a CRTE that is not prose or a fiche."""

    type: Literal["crte"]
    """Kind of document: « crte »."""
    titre: str
    """Full title of the contract."""
    territoire: str
    """Name of the territory: « Lens-Liévin »."""
    couverture: Couverture
    """The cover page."""
    projet: list[FichierMarkdown]
    """Markdown files of the first part (projet de territoire), in order, before the axes."""
    axes: list[Axe] = Field(min_length=1)
    """The strategic axes, in order (their number is their position)."""
    parties: list[Partie] = Field(min_length=2)
    """The parties, in order."""
    preambule: FichierMarkdown
    """Markdown file of the contract's préambule."""
    articles: list[FichierMarkdown | ArticleEnVigueur] = Field(min_length=1)
    """Markdown files of the articles, in order (an article's number is its position; an avenant writes the
    articles it inserts, « 3-1 », and deletes, which keep their place)."""
    signature: Signature
    """Place, date and originals."""
    annexes: Annexes
    """The third part."""
    annees: list[int] = Field(min_length=1)
    """Years of the échéanciers' columns (CP 2021 … CP 2026)."""
    maquette: MaquetteEntetes
    """Title and column headings of the computed maquette financière (annexe 3)."""
    maquette_publiee: str | None = "maquette-publiee.yaml"
    """YAML file of the maquette as the source printed it (declared figures), if any."""
    dos: list[str] = []
    """Lines of the back cover (address, telephone, website)."""


# --- fiches/<slug>.yaml -------------------------------------------------------------------------------------


class LigneBudget(Model):
    """One row of a budget table."""

    libelle: str = ""
    """Label of the row (may be empty)."""
    montant: Cellule = None
    """Amount, or a marker such as « A évaluer »."""


class TotauxPublies(Model):
    """The « Total » line of a budget table, as printed (declared figures)."""

    depenses: Cellule = None
    """Total of expenses as printed."""
    recettes: Cellule = None
    """Total of receipts as printed."""


class Budget(Model):
    """A budget table (investment, or induced annual running costs): expenses and receipts side by side."""

    depenses: list[LigneBudget] = []
    """Rows of the « Dépenses HT » side."""
    recettes: list[LigneBudget] = []
    """Rows of the « Recettes HT » side."""
    total_publie: TotauxPublies = Field(default_factory=TotauxPublies)
    """The totals as the source prints them (declared)."""


class LignesEcheancier(Model):
    """The detail rows of one side (expenses or receipts) of an échéancier: one cell per year."""

    investissement: dict[int, Cellule] = {}
    """« en investissement »: year → cell."""
    fonctionnement: dict[int, Cellule] = {}
    """« en fonctionnement »: year → cell."""


class TotauxEcheancierPublies(Model):
    """The TOTAL column of the four detail rows, as printed."""

    depenses_investissement: Cellule = None
    depenses_fonctionnement: Cellule = None
    recettes_investissement: Cellule = None
    recettes_fonctionnement: Cellule = None


class EcheancierPublie(Model):
    """What an échéancier prints on its computed lines (declared figures)."""

    depenses: dict[str | int, Cellule] = {}
    """The « DEPENSES » line: `total` and year → cell."""
    recettes: dict[str | int, Cellule] = {}
    """The « RECETTES » line: `total` and year → cell."""
    totaux: TotauxEcheancierPublies = Field(default_factory=TotauxEcheancierPublies)
    """The TOTAL column of the detail rows."""


class Echeancier(Model):
    """« ECHEANCIER DES CP DU PROJET »: payment credits per year."""

    depenses: LignesEcheancier = Field(default_factory=LignesEcheancier)
    """Expenses, by nature and year."""
    recettes: LignesEcheancier = Field(default_factory=LignesEcheancier)
    """Receipts, by nature and year."""
    publie: EcheancierPublie = Field(default_factory=EcheancierPublie)
    """What the source prints on the computed lines (declared)."""


class LigneFinancement(Model):
    """One partner of « Recherche de subventions et de financements complémentaires »."""

    partenaire: str = ""
    """The partner: « Europe », « Région »."""
    montant: Cellule = None
    """Expected participation, or a marker such as « A solliciter »."""
    delai: str = ""
    """« Délai de mobilisation du partenaire »."""
    difficultes: str = ""
    """« Difficultés de mobilisation du partenaire »."""


class Financements(Model):
    """The table of sought co-financing."""

    lignes: list[LigneFinancement] = []
    """The partners, in order."""
    total_publie: Cellule = None
    """The « Total » as printed (declared)."""


class Fiche(Model):
    """`fiches/<slug>.yaml`: a fiche-projet. Its number is computed from its axis and its position."""

    identifiant: UUID | None = None
    """Identifier (UUID) of the project in open data (`python build.py exporter`, `importer`); without one, the
    export derives a stable one from the contract's and the fiche's names."""
    leviers: list[str] = []
    """Levers of the SGPE's referential the project activates (national schema of projects, `leviers`)."""
    competences: list[str] = []
    """M57 codes of the competences the project involves (national schema of projects, `competences`)."""

    @field_validator("leviers")
    @classmethod
    def _known_levers(cls, values: list[str]) -> list[str]:
        from ...opendata.schemas import leviers  # the stored referential (a data file, read once)

        unknown = [v for v in values if v not in leviers()]
        if unknown:
            raise ValueError(" ; ".join(f"levier inconnu « {v} » (absent du référentiel des 50 leviers SGPE)"
                                        for v in unknown))
        return values

    @field_validator("competences")
    @classmethod
    def _known_competences(cls, values: list[str]) -> list[str]:
        from ...opendata.schemas import competences

        unknown = [v for v in values if v not in competences()]
        if unknown:
            raise ValueError(" ; ".join(f"code de compétence M57 inconnu « {v} »" for v in unknown))
        return values
    numero_publie: str | None = None
    """The « Numéro de projet » printed in the source (declared)."""
    axe_publie: str | None = None
    """The « Axe : » printed in the source (declared)."""
    intitule: str
    """« INTITULE DE L'ACTION », as printed."""
    maitre_ouvrage: str
    """Project owner, as the maquette prints it: « CALL », « CALL et Communes »."""
    libelle_maquette: str
    """Short description printed in the maquette financière."""
    commentaire_maquette: str | None = None
    """« COMMENTAIRE » column of the maquette."""
    financements_recherches: str | None = None
    """« FINANCEMENTS RECHERCHES » column of the maquette."""
    description: Markdown
    """« Description synthétique du projet » (Markdown)."""
    date_mise_a_jour: dt.date
    """« Date de mise à jour »."""
    localisation: str
    """« Localisation principale »."""
    type_operation: str | None = None
    """« Type opération »: TRAVAUX, SUBVENTION…"""
    budget: str
    """« Budget »: the budget the fiche is charged to (Principal, Action Eco…)."""
    annee_lancement: int
    """« Année lancement du projet » (never digit-grouped)."""
    investissement: Budget = Field(default_factory=Budget)
    """« BUDGET D'INVESTISSEMENT en € »."""
    fonctionnement: Budget = Field(default_factory=Budget)
    """« BUDGET DE FONCTIONNEMENT ANNUEL INDUIT en € »."""
    echeancier: Echeancier | None = None
    """« ECHEANCIER DES CP DU PROJET », when the fiche has one."""
    operations: Markdown | None = None
    """« Opérations envisagées » (Markdown)."""
    prerequis: Markdown | None = None
    """« Pré-requis et difficultés potentielles de réalisation » (Markdown)."""
    financements: Financements = Field(default_factory=Financements)
    """« Recherche de subventions et de financements complémentaires »."""


# --- maquette-publiee.yaml ----------------------------------------------------------------------------------


class LigneMaquettePubliee(Model):
    """A row of the maquette financière as the source prints it (declared figures)."""

    enjeu: str
    """« ENJEU »: the axis code."""
    numero: str
    """« N°PROJET »."""
    maitre_ouvrage: str | None = None
    """« MAITRE D'OUVRAGE »."""
    description: str | None = None
    """« DESCRIPTION DU PROJET »."""
    annee: int | None = None
    """« ANNEE DE LANCEMENT »."""
    cout_2021: Cellule = None
    """« COUT 2021 » (first year of the programme)."""
    cout_2022: Cellule = None
    """« COUT 2022 » (second year)."""
    cout_total: Cellule = None
    """« COUT TOTAL »."""
    commentaire: str | None = None
    """« COMMENTAIRE »."""
    financements: str | None = None
    """« FINANCEMENTS RECHERCHES »."""


class MaquettePubliee(Model):
    """`maquette-publiee.yaml`: the maquette financière exactly as printed, to be compared with the computed one."""

    titre: str
    """Title printed above the table."""
    lignes: list[LigneMaquettePubliee]
    """The printed rows, in order."""
