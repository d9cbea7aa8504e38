"""Verify stage: compare what a source document prints (declared figures) with what the engine computes.

Each kind lists its declared figures and their computed counterparts (`kinds/<kind>/verify.py`); this module
holds the comparison rule and the wording of a disagreement.
"""

from __future__ import annotations

from decimal import Decimal

from .errors import Location, Problems
from .french import montant
from .schema import Marqueur, is_marqueur, is_montant

Cell = Decimal | Marqueur | int | str | None


def show(value: Cell) -> str:
    """Return a figure as the report prints it: « 275 000 € », « « A évaluer » », « (vide) »."""
    if value is None:
        return "(vide)"
    if is_montant(value):
        return montant(value)
    if is_marqueur(value):
        return f"« {value} »"
    return f"« {value} »"


def is_disagreement(declared: Cell, computed: Cell) -> bool:
    """Tell whether a declared figure contradicts the computed one.

    Two amounts must be equal to the cent. An amount printed where the computed cell holds no amount (a marker,
    or nothing) contradicts it unless it is zero; likewise a marker printed where a non-zero amount is computed.
    Nothing is declared by an empty cell, and two markers never contradict each other.
    """
    if declared is None:
        return False
    if is_montant(declared) and is_montant(computed):
        return declared != computed
    if is_montant(declared):
        return declared != 0
    if is_marqueur(declared):
        return is_montant(computed) and computed != 0
    return str(declared) != str(computed)


def compare(problems: Problems, location: Location, what: str, declared: Cell, computed: Cell) -> None:
    """Add a problem when the declared figure contradicts the computed one."""
    if is_disagreement(declared, computed):
        problems.add(location, f"{what} : le document imprime {show(declared)}, le calcul donne {show(computed)}")
