"""Enrich stage: what the engine computes from content (numbers, sums, tables derived from other tables).

The kind-specific computations live with each kind (`kinds/<kind>/compute.py`); this module holds the rules
they share: how cells that may hold markers add up.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from .schema import Marqueur, is_marqueur, is_montant

Cell = Decimal | Marqueur | None


def somme(cells: Iterable[Cell]) -> Cell:
    """Return the sum of table cells: the sum of their amounts when there is any amount.

    A marker (« A évaluer », « Pour mémoire ») is not a number and is left out of the sum. When no cell holds an
    amount, the sum is the marker the cells share (« Pour mémoire » stays « Pour mémoire »), or empty.
    """
    cells = list(cells)
    amounts = [c for c in cells if is_montant(c)]
    if amounts:
        return sum(amounts, Decimal(0))
    markers = {c for c in cells if is_marqueur(c)}
    if len(markers) == 1:
        return markers.pop()
    return None


def somme_montants(cells: Iterable[Cell]) -> Decimal:
    """Return the sum of the amounts among the cells, as a spreadsheet's SUM does: markers and empty cells
    count for nothing, and cells without any amount sum to 0."""
    return sum((c for c in cells if isinstance(c, Decimal)), Decimal(0))  # is_montant, without a call per cell
