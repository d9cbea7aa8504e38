"""French formatting: amounts, numbers, dates, ordinals, amounts in words and typography.

Built on babel (CLDR, locale fr_FR) and num2words (cardinals only); what they lack is written here:
half-up rounding of money, ordinal days and article numbers, the euro wording of amounts in words, and the
no-break spaces of the Imprimerie nationale's rules.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import MAX_PREC, ROUND_HALF_UP, Context, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

from .caches import text_cache

LOCALE = "fr_FR"
NBSP = "\u00a0"  # no-break space: before « : », inside « », before € and %
NNBSP = "\u202f"  # narrow no-break space: before ; ! ? and between digit groups (as babel gives)
CENT = Decimal("0.01")
# Half-up, and as many digits as the amount has: in the default context (28 digits), the cents of an amount of
# 10²⁶ or more would not fit (InvalidOperation).
_MONEY_CONTEXT = Context(prec=MAX_PREC, rounding=ROUND_HALF_UP)
# The locale's symbols, read once: a CRTE prints some 1 500 amounts, and babel's formatting of one (its pattern
# applied, its symbols looked up) costs five times Python's grouping of the same digits.
_GROUP, _DECIMAL, _MINUS = get_group_symbol(LOCALE), get_decimal_symbol(LOCALE), get_minus_sign_symbol(LOCALE)
_AMOUNT_SYMBOLS = str.maketrans({",": _GROUP, ".": _DECIMAL, "-": _MINUS})


def round_money(value: Decimal | int) -> Decimal:
    """Return the amount rounded half-up to the cent (babel would round half-even), however large it is."""
    return Decimal(value).quantize(CENT, context=_MONEY_CONTEXT)


@text_cache(maxsize=8192)
def montant(value: Decimal | int) -> str:
    """Return an amount in euros: « 275 000 € », « 1 234,56 € » (cents shown only when there are some); a
    negative amount that rounds to zero is « 0 € » (babel would write « -0 »)."""
    rounded = round_money(value)
    # babel's pattern « #,##0 » (« #,##0.00 » with cents) groups digits by three, as Python's « , » does
    digits = f"{rounded:z,.0f}" if rounded == rounded.to_integral_value() else f"{rounded:z,.2f}"
    return digits.translate(_AMOUNT_SYMBOLS) + NBSP + "€"


def nombre(value: Decimal | int, decimales: int = 0) -> str:
    """Return a quantity grouped by three: « 241 934 », « 32,5 » (never use it for years or article numbers)."""
    pattern = "#,##0." + "0" * decimales  # « #,##0. » prints no decimal separator, as « #,##0 »
    return format_decimal(Decimal(value), format=pattern, locale=LOCALE)


def pourcentage(value: Decimal | float, decimales: int = 1) -> str:
    """Return a ratio as a French percentage: 0.134 → « 13,4 % »."""
    pattern = "#,##0." + "#" * decimales
    return format_decimal(Decimal(str(value)) * 100, format=pattern, locale=LOCALE) + NBSP + "%"


def ordinal(value: int, feminin: bool = False) -> str:
    """Return an abbreviated French ordinal: 1 → « 1er » (« 1re » in the feminine), 2 → « 2e »."""
    if value == 1:
        return "1re" if feminin else "1er"
    return f"{value}e"


def numero_article(value: int) -> str:
    """Return an article number as French legal texts print it: « 1er », then « 2 », « 3 »."""
    return "1er" if value == 1 else str(value)


@text_cache(maxsize=4096)  # babel parses its date pattern at every call
def date_longue(value: dt.date | str) -> str:
    """Return a date in full: « 9 juillet 2021 », « 1er juin 2017 » (the year is never grouped). A text stands
    for a date not known yet (« [À COMPLÉTER : date de signature] » in a draft): it is printed as it is."""
    if isinstance(value, str):
        return value
    day = ordinal(1) if value.day == 1 else str(value.day)
    return f"{day} {format_date(value, 'MMMM', locale=LOCALE)} {value.year}"


@text_cache(maxsize=4096)  # babel parses its date pattern at every call
def mois_annee(value: dt.date) -> str:
    """Return a month and year: « janvier 2022 »."""
    return f"{format_date(value, 'MMMM', locale=LOCALE)} {value.year}"


# The head nouns of the names of French public bodies and territories, by gender: a name without its article
# (« Pays de Saint-Omer », « Communauté urbaine d'Arras ») takes the article of its head noun after « de ».
_MASCULINE_HEADS = frozenset("""pays département territoire syndicat pôle pole conseil comité comite
    ministère ministere groupement parc pétr petr établissement etablissement office bureau secrétariat
    gouvernement préfet prefet président president maire sénat senat état etat""".split())
_FEMININE_HEADS = frozenset("""communauté communaute région region métropole metropole commune agence
    commission préfecture prefecture assemblée assemblee direction ville chambre caisse banque fédération
    federation association société societe mission délégation delegation agglomération agglomeration
    intercommunalité intercommunalite université universite""".split())
_ELIDED = re.compile(r"^[aeiouyhàâéèêëîïôöûüAEIOUYHÀÂÉÈÊËÎÏÔÖÛÜ]")


def de(noun_phrase: str) -> str:
    """Return « de » + a noun phrase with the French contractions: « du Conseil », « de la Région », « des
    communes », « de l'État »; a name without its article takes its head noun's (« du Pays de Saint-Omer »,
    « de la Communauté urbaine d'Arras », « de l'Agglomération… »), a proper name none (« de Lens »)."""
    for article, contracted in (("le ", "du "), ("les ", "des "), ("Le ", "du "), ("Les ", "des ")):
        if noun_phrase.startswith(article):
            return contracted + noun_phrase[len(article):]
    # only a capitalised article changes: « l'… » and « la … » already read « de l'… », « de la … » below
    if noun_phrase[:2] in ("L'", "L’"):
        return "de l" + noun_phrase[1:]
    if noun_phrase.startswith("La "):
        return "de la " + noun_phrase[3:]
    head = re.split(r"[\s’'-]", noun_phrase)[0].lower()
    if head in _MASCULINE_HEADS or head in _FEMININE_HEADS:  # none of them is « huit » or « onze »
        if _ELIDED.match(noun_phrase):
            return "de l’" + noun_phrase
        return ("du " if head in _MASCULINE_HEADS else "de la ") + noun_phrase
    if noun_phrase[:1] in _VOWELS:  # « d’Essai », « d’Arras » (a mute or aspirated h is left as « de »)
        return "d’" + noun_phrase
    return "de " + noun_phrase


_VOWELS = frozenset("AEIOUYÀÂÉÈÊËÎÏÔÙÛÜaeiouyàâéèêëîïôùûü")


def pour(nom: str) -> str:
    """Return « Pour » + a party's name as a signature block opens: « Pour l’État », « Pour la Région
    Hauts-de-France », « Pour Lille Métropole » (only a leading article loses its capital)."""
    match = re.match(r"(L[’']|La |Le |Les )", nom)
    if match:
        return "Pour " + nom[0].lower() + nom[1:]
    return "Pour " + nom


def fonction_signataire(qualite: str, feminin: bool = False) -> str:
    """Return the office of a signatory as a signature block prints it: « son Président » → « Le Président »,
    « sa Présidente » → « La Présidente », « Préfet du Pas-de-Calais » → « Le Préfet du Pas-de-Calais »,
    « Adjointe au maire » → « L’Adjointe au maire » when the signatory is a woman, « la Maire » as written."""
    words = qualite.split(maxsplit=1)  # « son  Président » typed with two spaces is « Le Président »
    if len(words) == 2 and words[0].lower() in ("son", "sa", "leur", "notre", "votre"):
        rest = words[1]
    elif words[0].lower() in ("le", "la", "les") or qualite[:2].lower() in ("l'", "l’"):
        return qualite[0].upper() + qualite[1:]
    else:
        rest = qualite.strip()
    if _ELIDED.match(rest):
        return "L’" + rest
    return ("La " if feminin else "Le ") + rest


_FEMININE_TITLES = frozenset({"madame", "mme", "mme.", "mademoiselle", "mlle", "mlle."})


def civilite_feminine(civilite: str) -> bool:
    """Tell whether a title of courtesy is a woman's: « Madame », « Mme »."""
    return civilite.strip().lower() in _FEMININE_TITLES


_CONVENU = re.compile(r"(il\s+est\s+)?convenu\s+(et\s+arrêté\s+)?ce\s+qui\s+suit\s*:?\s*$", re.I)


def finit_par_convenu(text: str) -> bool:
    """Tell whether prose ends with « Il est convenu ce qui suit : » (then a template does not print it again)."""
    plain = re.sub(r"[*_]", " ", str(text)).strip()  # emphasis marks; `\s` matches no-break spaces too
    return bool(_CONVENU.search(plain))


def en_phrase(titre: str) -> str:
    """Return a title typed in capitals as it reads within a sentence: « CONTRAT DE RELANCE ET DE TRANSITION
    ÉCOLOGIQUE » → « contrat de relance et de transition écologique » (text in lower case is left alone)."""
    return titre.lower() if titre.isupper() else titre


@text_cache(maxsize=4096)  # babel parses its date pattern at every call
def date_courte(value: dt.date) -> str:
    """Return a date as a form prints it: « 12/06/21 »."""
    return format_date(value, "dd/MM/yy", locale=LOCALE)


def _cardinal(value: int) -> str:
    from num2words import num2words  # imported when first asked: it loads every language it knows (50 ms)

    return num2words(value, lang="fr")


def montant_en_lettres(value: Decimal | int) -> str:
    """Return an amount in words, traditional spelling: « deux cent soixante-quinze mille euros ».

    « un million d'euros », « un euro », « zéro euro », « trois euros et cinq centimes », « cinquante centimes ».
    """
    rounded = round_money(value)
    if rounded < 0:
        raise ValueError("un montant en lettres ne peut pas être négatif")
    euros, centimes = divmod(int(rounded * 100), 100)
    parts = []
    if euros or not centimes:
        words = _cardinal(euros)
        if re.search(r"(millions?|milliards?)$", words):  # « un million d'euros »
            parts.append(f"{words} d'euros")
        else:
            parts.append(f"{words} euro" + ("s" if euros > 1 else ""))
    if centimes:
        parts.append(f"{_cardinal(centimes)} centime" + ("s" if centimes > 1 else ""))
    return " et ".join(parts)


def montant_jo(value: Decimal | int) -> str:
    """Return an amount as the Journal officiel writes it: « cent quarante mille euros (140 000 €) »."""
    return f"{montant_en_lettres(value)} ({montant(value)})"


# --- Typography -------------------------------------------------------------------------------------------

# Spans left untouched: URLs, e-mail addresses, times (12:30, 12 h 30).
_PROTECTED = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>«»\"]+[^\s<>«»\".,;:!?)]"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # starts a word only: linear on a 20,000-letter word
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
_PROTECTED_NEEDS = ("://", "@", "www.")  # a text without any holds no URL or e-mail address…
_TIME_NEEDS = re.compile(r"\d:\d")  # … and one without this no time


def _holding(*parts: str):
    """Return a test that a text holds one of `parts` (a rule's quick reject: none of them, no match)."""
    return lambda text: any(map(text.__contains__, parts))


def _after_word(character: str) -> bool:
    r"""Tell whether a character is one of `[\w\)»%€\]]` (\w is str.isalnum or « _ »)."""
    return character.isalnum() or character in "_)»%€]"


class _SpacedSign:
    r"""A rule `(?<=BEFORE)[SPACES]*(SIGN)` (with `then_space`, followed by `(?=\s|$)`): one of `signs` with the
    spaces typed before it, after a character `before` accepts (None: after anything or at the start), found
    from each sign instead of tried at every character (a regular expression that starts with a lookbehind or a
    repeat is tried at every position); its `sub` gives what the regular expression's gives, `\1` of the
    replacement standing for the sign."""

    def __init__(self, signs: str, spaces: str, before=None, then_space: bool = False):
        self.signs, self.spaces, self.before, self.then_space = signs, spaces, before, then_space

    def _positions(self, text: str) -> list[int]:
        positions = []
        for sign in self.signs:
            at = text.find(sign)
            while at >= 0:
                positions.append(at)
                at = text.find(sign, at + 1)
        if len(self.signs) > 1:
            positions.sort()
        return positions

    def sub(self, replacement: str, text: str) -> str:
        out, last = [], 0
        spaces, before = self.spaces, self.before
        for at in self._positions(text):
            # \s is str.isspace, $ is the end or a last "\n" (a space too)
            if self.then_space and not (at + 1 == len(text) or text[at + 1].isspace()):
                continue
            start = at
            while start > last and text[start - 1] in spaces:  # (the sign before `last` is no space)
                start -= 1
            if before is None or (start > 0 and before(text[start - 1])):
                out.append(text[last:start])
                out.append(replacement.replace("\\1", text[at]))
                last = at + 1
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)


def _ColonAfterWord() -> _SpacedSign:
    r"""The rule `(?<=[\w\)»%€\]])[ \u00a0\u202f]*:(?=\s|$)`: a colon after a word, with the spaces typed before it,
    before a space or the end."""
    return _SpacedSign(":", " \u00a0\u202f", _after_word, then_space=True)


# an ordinal's letters right after a digit (« 2ème », « 2è », « 2ième », « 2eme »), found from the letters
_ORDINAL_LETTERS = (re.compile("è(?:(?<=[0-9]è)|(?<=[0-9]iè))"), re.compile("eme(?<=[0-9]eme)"))


def _ordinal_letters(text: str) -> bool:
    """Tell whether a text holds an ordinal's letters right after an ASCII digit (the ordinal rule's quick reject)."""
    return ("è" in text and _ORDINAL_LETTERS[0].search(text) is not None) or (
        "eme" in text and _ORDINAL_LETTERS[1].search(text) is not None)


# « A » then a space, at the start or after a space, « ( » or « « » (what the rule of « À » needs)
_A_AFTER_SPACE = re.compile("A[ \u00a0](?<=[ \u00a0\u202f«(]A[ \u00a0])")


def _a_word(text: str) -> bool:
    """Tell whether a text holds « A » as a word where a sentence may start (the « À » rule's quick reject)."""
    return text.startswith(("A ", "A\u00a0")) or _A_AFTER_SPACE.search(text) is not None


_DIGITS = tuple("0123456789")
_DIGIT_SPACE_DIGIT = re.compile(r" \d(?<=\d \d)")  # \d \d, found from the space (a literal is searched in C)
_RULES: list[tuple[str, object, re.Pattern[str], str]] = [
    # (characters one of which the rule needs to find: skipped when the text has none; None or a test the text
    # must pass for the rule to find anything, a second quick reject; pattern; replacement)
    # straight double quotes → « » (opening after a space or at the start, closing otherwise)
    # (the quote at the start or after a space or bracket: found from the quote, not tried at every character)
    ('"', None, re.compile(r'"(?:(?<=[\s(\[]")|(?<![\s\S]"))(?=\S)'), "« "),
    ('"', None, re.compile(r'"'), " »"),
    # ordinals typed with « ème », « eme », « ère », « ier » (after ASCII digits: the ones the rule looks for)
    ("0123456789", _ordinal_letters, re.compile(r"\b([0-9]+)(?:ème|eme|è|ième)\b"), r"\1e"),
    ("1", _holding("1ère", "1ere"), re.compile(r"\b1(?:ère|ere)\b"), "1re"),
    ("1", _holding("1ier"), re.compile(r"\b1(?:ier)\b"), "1er"),
    # apostrophe
    ("'", None, re.compile(r"'(?<=\w')(?=\w)"), "\u2019"),  # (?<=\w)'(?=\w), its quote first: found as a quote is
    # an elided word that ends a piece of text (the next word is in bold, in a link…): « l'**appel** »
    ("'", lambda text: text.endswith(("'", "'\n")),
     re.compile(r"\b([cdjlmnst]|qu|jusqu|lorsqu|puisqu)'$", re.I), "\\1\u2019"),
    # an elided word before a quotation: « d'« aller vers » », typed with or without a space
    ("'", _holding("«"),
     re.compile(r"\b([cdjlmnst]|qu|jusqu|lorsqu|puisqu)'[ \u00a0\u202f]*(?=«)", re.I), "\\1\u2019"),
    # the century left out of a year: « les années '70 »
    ("'", _holding(*_DIGITS), re.compile(r"(?<=\s)'(?=[0-9]{2}\b)"), "\u2019"),
    # spaces inside guillemets
    ("«", None, re.compile(r"«[ \u00a0\u202f]*"), "«" + NBSP),
    ("»", None, _SpacedSign("»", " \u00a0\u202f"), NBSP + "»"),
    # high punctuation: narrow no-break space before ; ! ?, no-break space before :
    (";!?", None, _SpacedSign(";!?", " \u00a0\u202f", _after_word), NNBSP + r"\1"),  # (?<=[\w\)»%€\]])[ \u00a0\u202f]*([;!?])
    (":", None, _ColonAfterWord(), NBSP + ":"),  # (?<=[\w\)»%€\]])[ \u00a0\u202f]*:(?=\s|$)
    (";!?", _holding(" ;", " !", " ?", "\u00a0;", "\u00a0!", "\u00a0?"), re.compile(r"[ \u00a0]+([;!?])"),
     NNBSP + r"\1"),
    (":", _holding(" :", "\u202f:"), re.compile(r"[ \u202f]+:"), NBSP + ":"),
    # digit groups of a quantity typed with spaces (« 241 934 habitants », « 4 860 000 € »): no-break
    (" ", _DIGIT_SPACE_DIGIT.search, re.compile(r"(?<![\d,.])(\d{1,3})((?: \d{3})+)(?![\d,]|\.\d)"),
     lambda m: m.group(1) + m.group(2).replace(" ", NNBSP)),
    # € and % after a number
    ("€%", None, _SpacedSign("€%", " \u202f", str.isdecimal), NBSP + r"\1"),  # (?<=\d)[ \u202f]*(€|%): \d is isdecimal
    ("°", _holding("n°", "N°"), re.compile(r"\b(n°|N°)[ ]*(?=\d)"), r"\1" + NBSP),
    # ellipsis
    (".", _holding("..."), re.compile(r"\.\.\."), "…"),
    # the preposition « à » keeps its accent as a capital where a sentence or a cell starts: before an article, a
    # determiner, a word of a locution (« À l'issue de », « À cette fin », « À terme ») or a verb in -er / -ir
    # (« À évaluer », « À définir »); a label (« A. », « annexe A »), the verb (« A été ») or a word of another
    # language (« A great project ») stay as typed
    ("A", _a_word,
     re.compile(r"(^|[.!?…][ \u00a0]+|[«(][ \u00a0\u202f]*)A(?=[ \u00a0]+(?:l['\u2019]|(?:la|le|les|un|une|"
                r"ce|cet|cette|ces|chaque|mon|ma|mes|son|sa|ses|notre|nos|votre|vos|leur|leurs|tout|toute|"
                r"tous|toutes|partir|titre|terme|travers|défaut|moins|court|moyen|long|propos|cause|"
                r"condition|peine|présent|nouveau|quel|quelle|quels|quelles|cela|ceci)\b|"
                r"[a-zàâçéèêëîïôûùüÿœ]+(?:er|ir)\b))"), "\\1À"),
]


_RULES = [(frozenset(needs), finds, pattern, replacement) for needs, finds, pattern, replacement in _RULES]
"""The rules, what each needs as a set (a set is disjoint from another without a Python string per character)."""
_NEEDED = tuple(sorted(set().union(*(needs for needs, *_ in _RULES))))
"""Every character a rule needs: what of them a text holds says which rules may find something in it."""


def _typographie_segment(text: str) -> str:
    # a short text's characters, or those of _NEEDED a longer one holds, each searched for (C's memchr): a set of
    # all of its characters makes a Python object of each, and a paragraph has a thousand
    characters = set(text) if len(text) < 48 else {character for character in _NEEDED if character in text}
    for needs, finds, pattern, replacement in _RULES:
        if not characters.isdisjoint(needs) and (finds is None or finds(text)):
            changed = pattern.sub(replacement, text)
            if changed is not text:  # the rule may have brought what a later rule needs (« " » → « « »)
                text, characters = changed, {character for character in _NEEDED if character in changed}
    return text


@text_cache(maxsize=8192)
def typographie(text: str) -> str:
    """Return text with French typography applied, URLs, e-mail addresses and times left untouched.

    Straight quotes become « » with no-break spaces inside; no-break spaces go before ; : ! ? € %;
    « 2ème » becomes « 2e », « 1ère » becomes « 1re »; an apostrophe between letters becomes ’.
    Applying it twice gives the same text.
    """
    if not any(map(text.__contains__, _PROTECTED_NEEDS)) and not (":" in text and _TIME_NEEDS.search(text)):
        return _typographie_segment(text)
    out = []
    last = 0
    for match in _PROTECTED.finditer(text):
        out.append(_typographie_segment(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_typographie_segment(text[last:]))
    return "".join(out)
