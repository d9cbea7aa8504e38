"""What the engine computes for a CRTE: article and fiche numbers, table totals, échéanciers and the maquette."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest

from ...amend import number_articles
from ...enrich import Cell
from ...load import SourceFile
from ...schema import Marqueur, Prose
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
        return _cout([self.depenses_investissement.cellules[index], self.depenses_fonctionnement.cellules[index]])

    def cout_total(self) -> Cell:
        """Return the whole expenses for the maquette: their amount, or the fiche's marker, or nothing."""
        return _cout(self.depenses_investissement.cellules + self.depenses_fonctionnement.cellules)


def _cout(cells: list[Cell]) -> Cell:
    """Return a cost of the maquette: the total of the expense cells (`total`), nothing when they are empty."""
    for cell in cells:
        if cell is not None:
            return total(cells)
    return None


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
    supprimee = False  # in force: not the place of a deleted fiche (`FicheSupprimeeCalculee`)

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
class FicheSupprimeeCalculee:
    """The place of a fiche an avenant deleted: its number, kept, and « (supprimée) » in the maquette."""

    slug: str
    numero: str
    axe: RepereAxe
    supprimee_par: int
    supprimee: bool = True
    intitule: str = "(supprimée)"
    libelle_maquette: str = "(supprimée)"
    maitre_ouvrage: str = ""
    annee_lancement: str = ""
    commentaire_maquette: None = None
    financements_recherches: None = None
    echeancier: None = None
    cout_total: None = None


@dataclass
class AxeCalcule:
    """An axis with its number and computed fiches."""

    numero: int
    code: str
    titre: str
    separateur: str
    texte: Prose
    fiches: list[FicheCalculee | FicheSupprimeeCalculee] = field(default_factory=list)
    """The fiches in their places, deleted ones included."""

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
    """A row of the computed maquette financière: one per fiche, a cost for each year of the maquette."""

    fiche: FicheCalculee
    couts: list[Cell]
    """The fiche's expenses of each year of `Maquette.annees`, in order."""
    cout_total: Cell
    annees: list[int] = field(repr=False, default_factory=list)

    def cout(self, annee: int) -> Cell:
        """Return the fiche's expenses of a year (nothing for a year the maquette has no column for)."""
        return self.couts[self.annees.index(annee)] if annee in self.annees else None


@dataclass
class Maquette:
    """The maquette financière computed from the fiches: one cost column per year present in any échéancier
    of the contract, their total, and each column's total."""

    titre: str
    periode: str
    annees: list[int]
    lignes: list[LigneMaquette]
    totaux: list[Cell]
    """The total of each year's column, in the order of `annees`."""
    total: Cell

    def total_annee(self, annee: int) -> Cell:
        """Return the total of a year's column (nothing for a year the maquette has no column for)."""
        return self.totaux[self.annees.index(annee)] if annee in self.annees else None


@dataclass
class CRTECalcule:
    """The whole computed CRTE: what the templates render and the verifier checks against."""

    dossier: DossierCRTE
    axes: list[AxeCalcule]
    articles: list[Article]
    maquette: Maquette

    @property
    def fiches(self) -> list[FicheCalculee]:
        """Return the fiches in force (without the places of deleted ones)."""
        return [f for axe in self.axes for f in axe.fiches if not isinstance(f, FicheSupprimeeCalculee)]


def total(cells) -> Cell:
    """Return the total of table cells as the tables print it: the sum of their amounts when any cell holds
    one (markers and empty cells counting for nothing, as a spreadsheet's SUM); when none does, the amount
    that is not known yet, as the cells say it (« A évaluer », the first marker met), never « 0 € » in its
    place; and 0 when every cell is empty."""
    cells = list(cells)
    amounts = [c for c in cells if isinstance(c, Decimal)]  # is_montant, without a call per cell
    if amounts:
        return sum(amounts, Decimal(0))  # `enrich.somme_montants` of the cells
    for cell in cells:
        if isinstance(cell, Marqueur):  # is_marqueur
            return cell
    return Decimal(0)


def compute_budget(budget: Budget) -> BudgetCalcule:
    pairs = list(zip_longest(budget.depenses, budget.recettes))
    return BudgetCalcule(
        lignes=pairs,
        total_depenses=total([l.montant for l in budget.depenses]),
        total_recettes=total([l.montant for l in budget.recettes]),
    )


def _ligne(libelle: str, par_annee: dict[int, Cell], annees: list[int]) -> LigneEcheancier:
    cellules = [par_annee.get(a) for a in annees]
    return LigneEcheancier(libelle, cellules, total(cellules))


def _ligne_totale(libelle: str, rows: list[LigneEcheancier]) -> LigneEcheancier:
    """Return the DEPENSES or RECETTES line: per year, the total of the detail rows (`total`)."""
    cellules = [total(cells) for cells in zip(*(r.cellules for r in rows))]
    # its TOTAL is that of the detail cells themselves: an empty year (0 on the line) is no known amount
    return LigneEcheancier(libelle, cellules, total([c for r in rows for c in r.cellules]), is_calculee=True)


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
        depenses=_ligne_totale("DÉPENSES", [dep_inv, dep_fon]),
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
        total_financements=total([l.montant for l in fiche.financements.lignes]),
    )


def annees_maquette(fiches: list[FicheCalculee]) -> list[int]:
    """Return the years the maquette has a column for: every year in which an échéancier of the contract has
    an expense or a receipt (an amount or a marker), in order."""
    annees = set()
    for fiche in fiches:
        ech = fiche.echeancier
        if ech is not None:
            for ligne in (ech.depenses_investissement, ech.depenses_fonctionnement, ech.recettes_investissement,
                          ech.recettes_fonctionnement):
                annees.update(a for a, cell in zip(ech.annees, ligne.cellules) if cell is not None)
    return sorted(annees)


def compute_maquette(titre: str, periode: str, axes: list[AxeCalcule]) -> Maquette:
    """Return the maquette financière of the fiches of `axes`: a row per fiche, a column per year."""
    fiches = [fiche for axe in axes for fiche in axe.fiches]
    annees = annees_maquette(fiches)
    lignes = [LigneMaquette(fiche=fiche,
                            couts=[fiche.echeancier.cout(a) if fiche.echeancier else None for a in annees],
                            cout_total=fiche.cout_total, annees=annees)
              for fiche in fiches]
    return Maquette(titre=titre, periode=periode, annees=annees, lignes=lignes,
                    totaux=[total([l.couts[i] for l in lignes]) for i in range(len(annees))],
                    total=total([l.cout_total for l in lignes]))


def compute(dossier: DossierCRTE) -> CRTECalcule:
    """Return the computed CRTE: numbers from positions, totals from rows, the maquette from the fiches."""
    contrat = dossier.contrat
    axes: list[AxeCalcule] = []
    for n, axe in enumerate(contrat.axes, start=1):
        computed = AxeCalcule(n, axe.code, axe.titre, axe.separateur, dossier.prose[axe.texte])
        for position, slug in enumerate(axe.fiches, start=1):
            if isinstance(slug, str):
                if slug in dossier.fiches:  # else invalid: an incomplete dossier is computed for its findings only
                    computed.fiches.append(compute_fiche(dossier.fiches[slug], computed, position, contrat.annees))
            else:
                computed.fiches.append(FicheSupprimeeCalculee(slug.fiche, f"{n}.{position}",
                                                              RepereAxe(n, axe.code), slug.supprimee_par))
        axes.append(computed)

    articles = [Article(a.numero, "", Prose(""), [], a.fichier, a.supprime_par) if a.supprime_par is not None
                else split_article(dossier.prose[a.fichier], a.numero, a.fichier)
                for a in number_articles(contrat.articles)]

    maquette = compute_maquette(contrat.maquette.titre, contrat.maquette.periode, axes)
    return CRTECalcule(dossier, axes, articles, maquette)
