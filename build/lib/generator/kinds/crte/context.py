"""The template context of a computed CRTE."""

from __future__ import annotations

from typing import Any

from .compute import CRTECalcule


def context(crte: CRTECalcule) -> dict[str, Any]:
    """Return what the CRTE templates see: the contract's data and everything the engine computed."""
    dossier = crte.dossier
    contrat = dossier.contrat
    annexes = contrat.annexes
    return {
        "contrat": contrat,
        "couverture": contrat.couverture,
        "projet": [dossier.prose[rel] for rel in contrat.projet],
        "axes": crte.axes,
        "parties": contrat.parties,
        "preambule": dossier.prose[contrat.preambule],
        "articles": crte.articles,
        "signature": contrat.signature,
        "avertissement": dossier.prose[annexes.avertissement],
        "architecture": dossier.prose[annexes.architecture] if annexes.architecture else None,
        "indicateurs": dossier.prose[annexes.indicateurs] if annexes.indicateurs else None,
        "annees": contrat.annees,
        "fiches": crte.fiches,
        "maquette": crte.maquette,
        "dos": contrat.dos,
    }
