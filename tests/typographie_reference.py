"""French typography as `generator.french.typographie` set it before its rules got their quick rejects (issue 23):
the reference its output must equal, byte for byte, whatever the text. Not part of the engine."""

from __future__ import annotations

import re

NBSP, NNBSP = "\u00a0", "\u202f"

# Spans left untouched: URLs, e-mail addresses, times (12:30, 12 h 30).
_PROTECTED = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>«»\"]+[^\s<>«»\".,;:!?)]"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # starts a word only: linear on a 20,000-letter word
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
_PROTECTED_NEEDS = (":", "@", "www.")  # a text without any holds no URL, e-mail address or time
_RULES: list[tuple[str, re.Pattern[str], str]] = [
    # (characters one of which the rule needs to find: skipped when the text has none, pattern, replacement)
    # straight double quotes → « » (opening after a space or at the start, closing otherwise)
    ('"', re.compile(r'(^|[\s(\[])"(?=\S)'), r"\1« "),
    ('"', re.compile(r'"'), " »"),
    # ordinals typed with « ème », « eme », « ère », « ier » (after ASCII digits: the ones the rule looks for)
    ("0123456789", re.compile(r"\b([0-9]+)(?:ème|eme|è|ième)\b"), r"\1e"),
    ("1", re.compile(r"\b1(?:ère|ere)\b"), "1re"),
    ("1", re.compile(r"\b1(?:ier)\b"), "1er"),
    # apostrophe
    ("'", re.compile(r"(?<=\w)'(?=\w)"), "\u2019"),
    # an elided word that ends a piece of text (the next word is in bold, in a link…): « l'**appel** »
    ("'", re.compile(r"\b([cdjlmnst]|qu|jusqu|lorsqu|puisqu)'$", re.I), "\\1\u2019"),
    # an elided word before a quotation: « d'« aller vers » », typed with or without a space
    ("'", re.compile(r"\b([cdjlmnst]|qu|jusqu|lorsqu|puisqu)'[ \u00a0\u202f]*(?=«)", re.I), "\\1\u2019"),
    # the century left out of a year: « les années '70 »
    ("'", re.compile(r"(?<=\s)'(?=[0-9]{2}\b)"), "\u2019"),
    # spaces inside guillemets
    ("«", re.compile(r"«[ \u00a0\u202f]*"), "«" + NBSP),
    ("»", re.compile(r"[ \u00a0\u202f]*»"), NBSP + "»"),
    # high punctuation: narrow no-break space before ; ! ?, no-break space before :
    (";!?", re.compile(r"(?<=[\w\)»%€\]])[ \u00a0\u202f]*([;!?])"), NNBSP + r"\1"),
    (":", re.compile(r"(?<=[\w\)»%€\]])[ \u00a0\u202f]*:(?=\s|$)"), NBSP + ":"),
    (";!?", re.compile(r"[ \u00a0]+([;!?])"), NNBSP + r"\1"),
    (":", re.compile(r"[ \u202f]+:"), NBSP + ":"),
    # digit groups of a quantity typed with spaces (« 241 934 habitants », « 4 860 000 € »): no-break
    (" ", re.compile(r"(?<![\d,.])(\d{1,3})((?: \d{3})+)(?![\d,]|\.\d)"),
     lambda m: m.group(1) + m.group(2).replace(" ", NNBSP)),
    # € and % after a number
    ("€%", re.compile(r"(?<=\d)[ \u202f]*(€|%)"), NBSP + r"\1"),
    ("°", re.compile(r"\b(n°|N°)[ ]*(?=\d)"), r"\1" + NBSP),
    # ellipsis
    (".", re.compile(r"\.\.\."), "…"),
    # the preposition « à » keeps its accent as a capital where a sentence or a cell starts: before an article, a
    # determiner, a word of a locution (« À l'issue de », « À cette fin », « À terme ») or a verb in -er / -ir
    # (« À évaluer », « À définir »); a label (« A. », « annexe A »), the verb (« A été ») or a word of another
    # language (« A great project ») stay as typed
    ("A", re.compile(r"(^|[.!?…][ \u00a0]+|[«(][ \u00a0\u202f]*)A(?=[ \u00a0]+(?:l['\u2019]|(?:la|le|les|un|une|"
                     r"ce|cet|cette|ces|chaque|mon|ma|mes|son|sa|ses|notre|nos|votre|vos|leur|leurs|tout|toute|"
                     r"tous|toutes|partir|titre|terme|travers|défaut|moins|court|moyen|long|propos|cause|"
                     r"condition|peine|présent|nouveau|quel|quelle|quels|quelles|cela|ceci)\b|"
                     r"[a-zàâçéèêëîïôûùüÿœ]+(?:er|ir)\b))"), "\\1À"),
]


def _typographie_segment(text: str) -> str:
    characters = set(text)  # most texts are short and need no rule: one set, not a search per rule
    for needs, pattern, replacement in _RULES:
        if not characters.isdisjoint(needs):
            changed = pattern.sub(replacement, text)
            if changed is not text:  # the rule may have brought what a later rule needs (« " » → « « »)
                text, characters = changed, set(changed)
    return text


def typographie(text: str) -> str:
    """Return text with French typography applied, URLs, e-mail addresses and times left untouched.

    Straight quotes become « » with no-break spaces inside; no-break spaces go before ; : ! ? € %;
    « 2ème » becomes « 2e », « 1ère » becomes « 1re »; an apostrophe between letters becomes ’.
    Applying it twice gives the same text.
    """
    if not any(map(text.__contains__, _PROTECTED_NEEDS)):
        return _typographie_segment(text)
    out = []
    last = 0
    for match in _PROTECTED.finditer(text):
        out.append(_typographie_segment(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_typographie_segment(text[last:]))
    return "".join(out)
