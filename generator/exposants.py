"""Superscripts in printed text: the letters of abbreviated ordinals (« 1er », « 1re », « 2e »), marked.

Plain text cannot carry a superscript: the letters are put between two private-use characters, which each
output turns into its own superscript (a Word run raised by the writer, an HTML `<sup>`). Kept apart from
`french` (which loads babel): the Word writer marks the prose it writes, and the loading stage imports it.
"""

from __future__ import annotations

import re

from .caches import text_cache

EXPOSANT_DEBUT, EXPOSANT_FIN = "\ue010", "\ue011"
"""Private-use characters around the letters of an abbreviated ordinal in printed text: each output turns them
into its own superscript (a Word run, an HTML `<sup>`), which plain text cannot carry."""
ORDINAL = re.compile(r"([0-9](?<![\w.,][0-9])[0-9]*)(ers|res|er|re|es|e)(?!\w)")
"""An abbreviated ordinal: « 1er », « 1re », « 2e », « 1ers » (its number, then its letters), not after a letter,
a digit, a point or a comma. Found from its first digit (the lookbehind placed after it): a pattern that starts
with a class of characters is searched for in C, one starting with a lookbehind was tried at every position."""
_DIGIT = re.compile(r"[0-9]")  # what every ordinal `ORDINAL` finds holds


@text_cache(maxsize=8192)
def marquer_exposants(text: str) -> str:
    """Return text with the letters of each abbreviated ordinal between `EXPOSANT_DEBUT` and `EXPOSANT_FIN`
    (« 1er » is to print as « 1<sup>er</sup> »)."""
    if _DIGIT.search(text) is None:  # most texts: one scan in C, not a Python step per character
        return text
    return ORDINAL.sub(lambda m: m.group(1) + EXPOSANT_DEBUT + m.group(2) + EXPOSANT_FIN, text)


def sans_marques(text: str) -> str:
    """Return text without the superscript marks (where no superscript can be printed)."""
    return text.replace(EXPOSANT_DEBUT, "").replace(EXPOSANT_FIN, "")
