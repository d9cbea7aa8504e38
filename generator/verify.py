"""Verify stage: compare what a source document prints (declared figures) with what the engine computes.

Each kind lists its declared figures and their computed counterparts (`kinds/<kind>/verify.py`); this module
holds the comparison rule and the wording of a disagreement.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Iterator

from pydantic import BaseModel

from .errors import Location, Problems
from .french import montant
from .load import SourceFile, SourceTree
from .schema import Marqueur, is_marqueur, is_montant

Cell = Decimal | Marqueur | int | str | None


def show(value: Cell) -> str:
    """Return a figure as the report prints it: « 275 000 € », « « A évaluer » », « (vide) »."""
    if value is None:
        return "(vide)"
    if is_montant(value):
        return montant(value)
    return f"« {value} »"  # a marker, or a printed number « 1.9 »


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


def disagrees(declared: Cell, computed: Cell) -> bool:
    """Tell whether a declared figure contradicts the computed one (`is_disagreement`), at the cost of a test
    for the usual cases: nothing declared (most cells of a contract) and two equal amounts."""
    if declared is None:
        return False
    if type(declared) is Decimal and type(computed) is Decimal:
        return declared != computed
    return is_disagreement(declared, computed)


def disagreement(what: str, declared: Cell, computed: Cell) -> str:
    """Return the words of a disagreement: « fiche 2.1, total : le document imprime 10 €, le calcul donne 9 € »."""
    return f"{what} : le document imprime {show(declared)}, le calcul donne {show(computed)}"


# An article number as prose writes it: « 1er », « 3 », « 3-1 » (inserted by an avenant), « 4.2 » (a sub-article);
# not the start of an amount (« article 5 à 10 000 € »).
_ARTICLE_NUMBER = r"\d+(?:er)?(?:-\d+)?(?:\.\d+)?(?!\d|[.,]\d|[\u00a0\u202f ]?\d{3}\b|\s*€)"
_JOINED = r"\s*(?:,|et|ou|à)\s*"
_ARTICLE_REFERENCE = re.compile(
    rf"\barticles?\s+(?:n°\s*)?({_ARTICLE_NUMBER}(?:{_JOINED}{_ARTICLE_NUMBER})*)"
    r"(?!\s*(?:du|de la|de l['’]|des|de|d['’])\s+(?:code|loi|décret|règlement|arrêté|traité|ordonnance|"
    r"directive|convention))", re.IGNORECASE)
_FICHE_REFERENCE = re.compile(
    rf"\bfiches?(?:-projet)?\s+(?:n°\s*)?(\d+\.\d+(?:{_JOINED}\d+\.\d+)*)\b", re.IGNORECASE)
_LIST_ITEM = re.compile(r"\d+(?:er)?(?:-\d+)?(?:\.\d+)?")


# Letters that Python's `re` matches case-insensitively with i, s or k: not ASCII, yet part of a match.
_FOLDED_APART = ("ı", "ſ", "\u212a", "İ")


def lowered_for_search(text: str) -> bytes | None:
    """Return the text's ASCII letters in lower case, one byte for each of its characters (its positions are the
    text's; any other character is « ? »), or None when it holds letters `re` folds to ASCII ones (« ı », « ſ »):
    such a text is searched with the patterns.

    Lowering the ASCII bytes costs half what `str.lower` does on French text (accents, no-break spaces), whose
    every character it looks up in Unicode's tables; a case-insensitive search for an ASCII word needs no more.
    """
    if any(letter in text for letter in _FOLDED_APART):
        return None
    return text.encode("ascii", "replace").lower()


def iter_references(pattern: re.Pattern, stem: str, text: str, lowered: bytes | None):
    """Yield the matches of a case-insensitive `pattern` in `text`, in order, tried only where `stem` (the
    pattern's ASCII word without its first letter, in lower case) stands in `lowered` (`lowered_for_search`).

    Searching a literal is some ten times faster than a case-insensitive pattern that starts with a word
    boundary (Python's `re` cannot skip ahead then): a contract's 130 KB of text took 3 ms per pattern.
    """
    if lowered is None:
        yield from pattern.finditer(text)
        return
    stem_bytes = stem.encode("ascii")
    found = lowered.find(stem_bytes, 1)
    while found != -1:
        match = pattern.match(text, found - 1)
        if match:
            yield match
        found = lowered.find(stem_bytes, found + 1)


def check_references(sources: dict[str, SourceFile], articles: dict, fiches: set[str] | None,
                     problems: Problems, *, deleted_articles: dict | None = None,
                     deleted_fiches: dict[str, int] | None = None) -> None:
    """Add a problem for every article, sub-article or fiche that prose refers to and that is not in force.

    `articles` gives each article number in force (1, « 3-1 ») its number of sub-articles; `fiches` the fiche
    numbers, when the kind has fiches; `deleted_articles` and `deleted_fiches` the numbers an avenant deleted
    (number → avenant). A reference may name several: « articles 3 et 9 », « articles 10 à 11 », « fiches 2.1
    et 2.3 ». References to other texts' articles (« l'article 5 de la loi ») are not checked.
    """
    in_force = {str(numero): subs for numero, subs in articles.items()}
    deleted = {str(numero): avenant for numero, avenant in (deleted_articles or {}).items()}
    for source in sources.values():
        text = source.text
        lowered = lowered_for_search(text)  # once for both searches
        for match in iter_references(_ARTICLE_REFERENCE, "rticle", text, lowered):
            for numero in _LIST_ITEM.findall(match.group(1)):
                article, _, sub = numero.replace("er", "").partition(".")
                if article in deleted:
                    problems.add(_where(source, match), f"renvoi à l'article {article}, supprimé par l'avenant "
                                                        f"n° {deleted[article]}")
                elif article not in in_force:
                    problems.add(_where(source, match), f"renvoi à l'article {article}, qui n'existe pas (le "
                                                        f"contrat en compte {len(in_force)})")
                elif sub and not 1 <= int(sub) <= in_force[article]:
                    problems.add(_where(source, match), f"renvoi à l'article {article}.{sub}, qui n'existe pas")
        for match in iter_references(_FICHE_REFERENCE, "iche", text, lowered) if fiches is not None else ():
            for numero in _LIST_ITEM.findall(match.group(1)):
                if deleted_fiches and numero in deleted_fiches:
                    problems.add(_where(source, match), f"renvoi à la fiche {numero}, supprimée par l'avenant "
                                                        f"n° {deleted_fiches[numero]}")
                elif numero not in fiches:
                    problems.add(_where(source, match), f"renvoi à la fiche {numero}, qui n'existe pas")


def check_avenant_references(source: SourceFile, numero: int, numbers: dict, problems: Problems) -> None:
    """Add a problem for every reference of an avenant's own words (its object, its exposé) to an article or
    fiche not in force at its date; `numbers` are those of the version it amends (`Kind.references`). Its
    comments are left out (a new avenant's show examples)."""
    text = "\n".join("" if line.lstrip().startswith("#") else line for line in source.text.split("\n"))
    found = Problems()
    check_references({source.rel_path: SourceFile(source.src_path, source.rel_path, text)}, problems=found,
                     **numbers)
    for problem in found:
        problems.add(problem.location, f"avenant n° {numero} : {problem.message}")


def _iter_markers(value: Any, path: tuple) -> Iterator[tuple[tuple, Marqueur]]:
    """Yield (path, marker) of every marker inside a validated value (models, lists, mappings)."""
    if is_marqueur(value):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _iter_markers(getattr(value, name), path + (name,))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _iter_markers(item, path + (index,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _iter_markers(item, path + (key,))


def unknown_amounts(tree: SourceTree) -> Problems:
    """Return every amount field of the contract that holds a marker instead of an amount (« A évaluer »,
    « Pour mémoire »): counted in no total, each listed with its place by the verifier."""
    found = Problems()
    for rel_path in sorted(tree.files):
        source = tree.files[rel_path]
        for path, marker in _iter_markers(source.model, ()):
            found.add(source.location(path), f"montant pas encore connu : « {marker} » (compté dans aucun total)",
                      is_warning=True)
    return found


def _where(source: SourceFile, match: re.Match) -> Location:
    """Return the line and column where a match of the file's text starts."""
    start = match.start()
    return Location(source.display_path, source.text.count("\n", 0, start) + 1,
                    start - source.text.rfind("\n", 0, start))
