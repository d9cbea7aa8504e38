"""What the engine computes for a CRTE: article and fiche numbers, table totals, échéanciers and the maquette."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest

from ...enrich import Cell, somme, somme_montants
from ...load import SourceFile
from ...schema import Prose
from ..common import Article, split_article
from .read import DossierCRTE, FicheSource
from .schema import Budget, Fiche, LigneBudget


@dataclass
class BudgetCalcule:
    """A budget table with its computed totals; `lignes` pairs the expense and receipt rows side by side."""

    lignes: list[tuple[LigneBudget | None, LigneBudget | None]]
    total_depenses: Cell
    total_recettes: Cell


@dataclass
class LigneEcheancier:
    """A row of an échéancier: label, one cell per year, and its computed TOTAL."""

    libelle: str
    cellules: list[Cell]
    total: Cell
    is_calculee: bool = False


@dataclass
class EcheancierCalcule:
    """An échéancier with its computed DEPENSES and RECETTES lines and TOTAL column."""

    annees: list[int]
    depenses: LigneEcheancier
    depenses_investissement: LigneEcheancier
    depenses_fonctionnement: LigneEcheancier
    recettes: LigneEcheancier
    recettes_investissement: LigneEcheancier
    recettes_fonctionnement: LigneEcheancier

    @property
    def lignes(self) -> list[LigneEcheancier]:
        return [self.depenses, self.depenses_investissement, self.depenses_fonctionnement,
                self.recettes, self.recettes_investissement, self.recettes_fonctionnement]

    def cout(self, annee: int) -> Cell:
        """Return the expenses of one year for the maquette: their amount, or the marker the fiche gives
        instead (« A évaluer »), or nothing."""
        index = self.annees.index(annee)
        return somme([self.depenses_investissement.cellules[index], self.depenses_fonctionnement.cellules[index]])

    def cout_total(self) -> Cell:
        """Return the whole expenses for the maquette: their amount, or the fiche's marker, or nothing."""
        return somme(self.depenses_investissement.cellules + self.depenses_fonctionnement.cellules)


@dataclass(frozen=True)
class RepereAxe:
    """The axis a fiche belongs to, as the fiche prints it: its number and code.

    Not the computed axis itself, which lists its fiches: a fiche pointing back at it would make every computed
    CRTE a reference cycle, freed only by Python's cyclic collector instead of as soon as it is dropped.
    """

    numero: int
    code: str


@dataclass
class FicheCalculee:
    """A fiche with its computed number and totals."""

    slug: str
    numero: str
    axe: RepereAxe
    fiche: Fiche
    source: SourceFile
    investissement: BudgetCalcule
    fonctionnement: BudgetCalcule
    echeancier: EcheancierCalcule | None
    total_financements: Cell

    def __post_init__(self) -> None:
        # The template reads the fiche's own fields (intitule, localisation…) on the computed fiche too. They
        # are put beside the computed ones once: found by `__getattr__` instead, each read would first fail the
        # normal lookup (an AttributeError raised and caught, a microsecond).
        for name, value in vars(self.fiche).items():
            if not name.startswith("_"):
                self.__dict__.setdefault(name, value)

    def __getattr__(self, name: str):
        # What the fiche gives beyond its fields (its properties, say)
        if name.startswith("_") or name == "fiche":
            raise AttributeError(name)
        return getattr(self.fiche, name)

    @property
    def cout_total(self) -> Cell:
        return self.echeancier.cout_total() if self.echeancier else None


@dataclass
class AxeCalcule:
    """An axis with its number and computed fiches."""

    numero: int
    code: str
    titre: str
    separateur: str
    texte: Prose
    fiches: list[FicheCalculee] = field(default_factory=list)

    @property
    def libelle_fiches(self) -> str:
        """Return « Fiches n° 1.1 à 1.9 », « Fiches n° 2.1 et 2.2 » or « Fiche n° 3.1 »."""
        numbers = [f.numero for f in self.fiches]
        if not numbers:
            return "Aucune fiche"
        if len(numbers) == 1:
            return f"Fiche n° {numbers[0]}"
        joiner = " et " if len(numbers) == 2 else " à "
        return f"Fiches n° {numbers[0]}{joiner}{numbers[-1]}"


@dataclass
class LigneMaquette:
    """A row of the computed maquette financière: one per fiche."""

    fiche: FicheCalculee
    cout_annee_1: Cell
    cout_annee_2: Cell
    cout_total: Cell


@dataclass
class Maquette:
    """The maquette financière computed from the fiches, with its totals."""

    titre: str
    periode: str
    annee_1: int
    annee_2: int
    lignes: list[LigneMaquette]
    total_annee_1: Decimal
    total_annee_2: Decimal
    total: Decimal


@dataclass
class CRTECalcule:
    """The whole computed CRTE: what the templates render and the verifier checks against."""

    dossier: DossierCRTE
    axes: list[AxeCalcule]
    articles: list[Article]
    maquette: Maquette

    @property
    def fiches(self) -> list[FicheCalculee]:
        return [f for axe in self.axes for f in axe.fiches]


def compute_budget(budget: Budget) -> BudgetCalcule:
    pairs = list(zip_longest(budget.depenses, budget.recettes))
    return BudgetCalcule(
        lignes=pairs,
        total_depenses=somme_montants(l.montant for l in budget.depenses),
        total_recettes=somme_montants(l.montant for l in budget.recettes),
    )


def _ligne(libelle: str, par_annee: dict[int, Cell], annees: list[int]) -> LigneEcheancier:
    cellules = [par_annee.get(a) for a in annees]
    return LigneEcheancier(libelle, cellules, somme_montants(cellules))


def _ligne_totale(libelle: str, rows: list[LigneEcheancier]) -> LigneEcheancier:
    """Return the DEPENSES or RECETTES line: per year, the spreadsheet sum of the detail rows."""
    cellules = [somme_montants(cells) for cells in zip(*(r.cellules for r in rows))]
    return LigneEcheancier(libelle, cellules, somme_montants(cellules), is_calculee=True)


def compute_echeancier(fiche: Fiche, annees: list[int]) -> EcheancierCalcule | None:
    ech = fiche.echeancier
    if ech is None:
        return None
    dep_inv = _ligne("en investissement", ech.depenses.investissement, annees)
    dep_fon = _ligne("en fonctionnement", ech.depenses.fonctionnement, annees)
    rec_inv = _ligne("en investissement", ech.recettes.investissement, annees)
    rec_fon = _ligne("en fonctionnement", ech.recettes.fonctionnement, annees)
    return EcheancierCalcule(
        annees=annees,
        depenses=_ligne_totale("DEPENSES", [dep_inv, dep_fon]),
        depenses_investissement=dep_inv,
        depenses_fonctionnement=dep_fon,
        recettes=_ligne_totale("RECETTES", [rec_inv, rec_fon]),
        recettes_investissement=rec_inv,
        recettes_fonctionnement=rec_fon,
    )


def compute_fiche(item: FicheSource, axe: AxeCalcule, position: int, annees: list[int]) -> FicheCalculee:
    fiche = item.fiche
    return FicheCalculee(
        slug=item.slug,
        numero=f"{axe.numero}.{position}",
        axe=RepereAxe(axe.numero, axe.code),
        fiche=fiche,
        source=item.source,
        investissement=compute_budget(fiche.investissement),
        fonctionnement=compute_budget(fiche.fonctionnement),
        echeancier=compute_echeancier(fiche, annees),
        total_financements=somme_montants(l.montant for l in fiche.financements.lignes),
    )


def compute(dossier: DossierCRTE) -> CRTECalcule:
    """Return the computed CRTE: numbers from positions, totals from rows, the maquette from the fiches."""
    contrat = dossier.contrat
    axes: list[AxeCalcule] = []
    for n, axe in enumerate(contrat.axes, start=1):
        computed = AxeCalcule(n, axe.code, axe.titre, axe.separateur, dossier.prose[axe.texte])
        for position, slug in enumerate(axe.fiches, start=1):
            if slug in dossier.fiches:  # else invalid: an incomplete dossier is computed for its findings only
                computed.fiches.append(compute_fiche(dossier.fiches[slug], computed, position, contrat.annees))
        axes.append(computed)

    articles = [split_article(dossier.prose[rel], n, rel) for n, rel in enumerate(contrat.articles, start=1)]

    annee_1, annee_2 = contrat.annees[0], contrat.annees[min(1, len(contrat.annees) - 1)]
    lignes = []
    for axe in axes:
        for fiche in axe.fiches:
            ech = fiche.echeancier
            lignes.append(LigneMaquette(
                fiche=fiche,
                cout_annee_1=ech.cout(annee_1) if ech else None,
                cout_annee_2=ech.cout(annee_2) if ech else None,
                cout_total=fiche.cout_total,
            ))

    maquette = Maquette(
        titre=contrat.maquette.titre,
        periode=contrat.maquette.periode,
        annee_1=annee_1,
        annee_2=annee_2,
        lignes=lignes,
        total_annee_1=somme_montants(l.cout_annee_1 for l in lignes),
        total_annee_2=somme_montants(l.cout_annee_2 for l in lignes),
        total=somme_montants(l.cout_total for l in lignes),
    )
    return CRTECalcule(dossier, axes, articles, maquette)
