"""Building blocks of the declarative content schemas: the base model and the value types every kind uses.

A kind's schema is made of pydantic models whose fields carry a docstring (what the field is); the types here
give table cells that hold an amount or a marker instead of a number (`Cellule`), and Markdown prose.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema

from .load import NombreEcrit

# pydantic looks for plugins when it builds its first model: the `pydantic` entry points of every installed
# distribution, whose metadata it reads at each start of the engine, which uses none (their documented switch,
# set before the first model below; a value the user gave is kept).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


class Model(BaseModel):
    """Base of every content model: unknown fields are refused, each field documented by its docstring.

    The docstrings are for the reader of the schema, not copied into the fields' descriptions
    (`use_attribute_docstrings`): nothing prints those, and pydantic would read every class's source and parse it
    again at each start (a tenth of a cold contract's import time)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


@dataclass(frozen=True)
class Marqueur:
    """Words printed where an amount is not known yet: « A évaluer », « Pour mémoire », « A programmer »…

    A marker is counted nowhere: the verifier lists each one. Words that state an amount (« 3,2 M€ »,
    « environ 3 200 000 ») are not a marker: the amount field refuses them."""

    texte: str

    def __str__(self) -> str:
        return self.texte


MONTANT_MAXIMUM = Decimal("999999999999999.99")
"""The largest amount content may hold (just under a million billion euros): beyond it, a typing mistake."""
_LARGEST_INTEGER = int(MONTANT_MAXIMUM)

_SPACES = " \u00a0\u202f\u2009'’_"
_CURRENCY = r"(?:€|euros?\b|eur\b|(?P<mult>[kK]|M|Md|Mds)\s*€|(?P<word>milliers?|millions?|milliards?)(?:\s+d['’]\s*euros|\s*€)?)"
_APPROXIMATELY = r"(?:environ|env\.|approx(?:\.|imativement)?|près\s+de|plus\s+de|moins\s+de|au\s+moins|au\s+plus|"\
    r"jusqu['’]à|estimée?s?\s+à|~|≈|±|>|<|≥|≤)"
_AMOUNT_TEXT = re.compile(
    rf"^\s*(?P<approx>{_APPROXIMATELY}\s*)?(?P<number>[-+]?[0-9][0-9{_SPACES}.,]*)\s*{_CURRENCY}?\s*(?:HT|TTC)?\s*$",
    re.IGNORECASE)
_STATES_AN_AMOUNT = re.compile(rf"[0-9]\s*{_CURRENCY}", re.IGNORECASE)
_MULTIPLIERS = {"k": 10**3, "m": 10**6, "md": 10**9, "mds": 10**9, "millier": 10**3, "milliers": 10**3,
                "million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9}
_EXAMPLE = "un nombre d'euros, par exemple 275000 ou 1250.50, ou « A évaluer » s'il n'est pas encore connu"


def written_as_yaml_number(amount: Decimal) -> str:
    """Return an amount as content writes it: digits, a point before the cents (`275000`, `1250.50`)."""
    return format(amount, "f")


def _amount_problem(amount: Decimal, shown: Any = None) -> str | None:
    """Return why an amount cannot be content (negative, beyond the cent, too large), or None."""
    shown = amount if shown is None else shown
    if amount < 0:
        return f"montant négatif ({shown}) : un montant ne peut pas être négatif ici"
    if amount.as_tuple().exponent < -2:
        return f"montant à plus de deux décimales ({shown}) : les montants sont au centime près"
    if amount > MONTANT_MAXIMUM:
        return f"montant trop grand ({shown}) : au plus {written_as_yaml_number(MONTANT_MAXIMUM)}"
    return None


def _valid_suggestion(amount: Decimal | None) -> str | None:
    """Return how to write an amount so that it is accepted, or None when it would not be."""
    if amount is None or not amount.is_finite() or _amount_problem(amount) is not None:
        return None
    return written_as_yaml_number(amount)


def _number_from_digits(digits: str) -> Decimal | None:
    """Return the number of digits with French or English separators (« 3 200 000,50 », « 3.200.000 »,
    « 3,2 »), or None when they can be read several ways."""
    digits = "".join(c for c in digits if c not in _SPACES)
    sign = ""
    if digits[:1] in "+-":
        sign, digits = ("-" if digits[0] == "-" else ""), digits[1:]
    points, commas = digits.count("."), digits.count(",")
    if points and commas:  # the last one separates the cents, the other groups the digits
        decimal_mark = "." if digits.rfind(".") > digits.rfind(",") else ","
        group_mark = "," if decimal_mark == "." else "."
        if digits.count(decimal_mark) > 1:
            return None
        digits = digits.replace(group_mark, "").replace(decimal_mark, ".")
    elif points > 1 or commas > 1:  # « 3.200.000 »: the marks group the digits
        groups = digits.replace(",", ".").split(".")
        if any(len(group) != 3 for group in groups[1:]):
            return None
        digits = "".join(groups)
    else:
        digits = digits.replace(",", ".")
    try:
        return Decimal(sign + digits) if digits and digits[0].isdigit() and digits[-1].isdigit() else None
    except ArithmeticError:
        return None


def _refuse_text(text: str) -> None:
    """Raise ValueError for a text that states an amount, with how to write it so that it is counted."""
    match = _AMOUNT_TEXT.match(text)
    suggestion = None
    if match:
        amount = _number_from_digits(match.group("number"))
        unit = (match.group("mult") or match.group("word") or "").lower()
        if amount is not None and unit:
            amount *= _MULTIPLIERS[unit]
        suggestion = _valid_suggestion(amount.normalize() if amount is not None and amount == amount.to_integral()
                                       else amount)
        if suggestion is not None and match.group("approx"):
            raise ValueError(f"montant approximatif « {text} » : un montant doit être exact pour être compté ; "
                             f"écrivez {suggestion} si c'est le montant, ou « A évaluer » s'il n'est pas encore "
                             "connu")
    if suggestion is not None:
        raise ValueError(f"montant écrit comme du texte « {text} » : écrivez {suggestion} (des chiffres, sans "
                         "espace ni symbole, un point avant les centimes)")
    raise ValueError(f"montant illisible « {text} » : écrivez {_EXAMPLE}")


_BASES = {"0b": "en base 2", "0o": "en base 8", "0x": "en base 16"}


def _refuse_written_number(text: str) -> None:
    """Raise ValueError for a number in a notation content does not use (`NombreEcrit`), with how to write it
    if it can be read one way only."""
    plain = text.lstrip("+-")
    if plain[:2].lower() in _BASES:
        raise ValueError(f"montant « {text} » écrit {_BASES[plain[:2].lower()]} : écrivez {_EXAMPLE} (en "
                         "chiffres décimaux)")
    if ":" in text:
        raise ValueError(f"montant « {text} » illisible (YAML 1.1 le lirait comme des minutes et des secondes) "
                         f": écrivez {_EXAMPLE}")
    try:
        amount = Decimal(text.replace("_", ""))
    except ArithmeticError:
        amount = None
    if amount is not None and amount.is_finite() and amount.adjusted() > 15:
        raise ValueError(f"montant « {text} » trop grand (au plus {written_as_yaml_number(MONTANT_MAXIMUM)})")
    if amount is not None and amount.is_finite() and "e" in text.lower():
        amount = amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()
    suggestion = _valid_suggestion(amount)
    if suggestion is None:
        raise ValueError(f"montant illisible « {text} » : écrivez {_EXAMPLE}")
    if "e" in text.lower():
        why = "avec un exposant"
    elif "_" in text:
        why = "avec des séparateurs « _ »"
    elif plain.startswith("0") and plain[1:2].isdigit():
        why = "avec un zéro en tête (YAML 1.1 le lirait en base 8)"
    else:
        why = "d'une façon inhabituelle"
    raise ValueError(f"montant « {text} » écrit {why} : écrivez {suggestion}")


def parse_montant(value: Any) -> Decimal:
    """Return an amount from a YAML value, or raise ValueError with a French message whose suggestion, when it
    gives one, would be accepted."""
    kind = type(value)
    if kind is int and 0 <= value <= _LARGEST_INTEGER:  # nearly every amount: checked at once
        return Decimal(value)
    if kind is Decimal and value.is_finite() and 0 <= value <= MONTANT_MAXIMUM and value.as_tuple().exponent >= -2:
        return value
    if isinstance(value, NombreEcrit):
        _refuse_written_number(str(value))
    if isinstance(value, str):
        _refuse_text(value.strip())
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(f"montant attendu ({_EXAMPLE}), pas « {value} »")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"montant attendu ({_EXAMPLE})")
    problem = _amount_problem(amount, value)
    if problem is not None:
        raise ValueError(problem)
    return amount


def is_amount_text(text: str) -> bool:
    """Tell whether words in an amount field state an amount (« 3,2 M€ », « environ 3 200 000 », « 275000 »)
    rather than say it is not known yet (« A évaluer », « Voir convention ANRU 2019-2022 »)."""
    return bool(_AMOUNT_TEXT.match(text) or _STATES_AN_AMOUNT.search(text))


def parse_cellule(value: Any) -> Decimal | Marqueur | None:
    """Return a table cell: an amount, a marker (words saying the amount is not known yet), or None for an
    empty cell."""
    if value is None:
        return None
    if type(value) is str:
        text = value.strip()
        if not text:
            return None
        if not is_amount_text(text):
            return Marqueur(text)
    return parse_montant(value)


Cellule = Annotated[
    Decimal | Marqueur | None,
    PlainValidator(parse_cellule),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "exclusiveMaximum": 10 ** 15}, {"type": "string"},
                              {"type": "null"}]}),
]
"""A table cell: an amount, a marker such as « A évaluer », or nothing."""


def is_montant(value: Any) -> bool:
    """Tell whether a cell holds an amount (and not a marker or nothing)."""
    return isinstance(value, Decimal)


def is_marqueur(value: Any) -> bool:
    """Tell whether a cell holds a marker such as « Pour mémoire »."""
    return isinstance(value, Marqueur)


class Engagement(str):
    """An amount a party commits to (a financial commitment), which prints as the Journal officiel writes an
    amount in the articles that state one: in words, then in figures, « deux cent soixante-quinze mille euros
    (275 000 €) ». It is that text (a template or an avenant prints it as it is), and keeps the amount."""

    __slots__ = ("montant",)

    def __new__(cls, amount: Decimal) -> "Engagement":
        from .french import montant_jo  # babel and num2words: loaded by the builds that print an amount

        obj = super().__new__(cls, montant_jo(amount))
        obj.montant = amount
        return obj


def parse_engagement(value: Any) -> Engagement:
    """Return the financial commitment of an amount of the content (a number: 2130000); ValueError says in
    French what to write instead."""
    if isinstance(value, Engagement):
        return value
    return Engagement(parse_montant(value))


MontantEngage = Annotated[
    Engagement, PlainValidator(parse_engagement),
    WithJsonSchema({"type": "number", "minimum": 0, "exclusiveMaximum": 10 ** 15}),
]
"""An amount that a kind's schema marks as a financial commitment: printed in words and in figures."""


class Prose(str):
    """Markdown text from the content: rendered as real document paragraphs, never as raw text."""

    __slots__ = ("source",)

    def __new__(cls, text: str, source: str | None = None) -> "Prose":
        obj = super().__new__(cls, text)
        obj.source = source
        return obj


def parse_prose(value: Any) -> Prose:
    if isinstance(value, Prose):
        return value
    if not isinstance(value, str):
        raise ValueError("texte attendu")
    from .prose import refused_links  # the Markdown parser: loaded by the builds that validate content

    refused = refused_links(value)
    if refused:
        raise ValueError(" ; ".join(reason for _, reason in refused))
    return Prose(value)


Markdown = Annotated[Prose, PlainValidator(parse_prose), WithJsonSchema({"type": "string"})]
"""Prose written in Markdown (bold, italics, links, lists, `1^{er}`)."""


@dataclass(frozen=True)
class FichierProse:
    """Marks a field that names a Markdown file of the contract's folder.

    The validate stage finds every such field in a file's data even when the file breaks its schema elsewhere
    (`validate.iter_marked`), so that a build names the missing prose files and the mistakes inside them with
    the schema's own mistakes, at once. With `numbers_articles`, the files of the list are the articles, each
    numbered by its position: prose may refer to them (« article 3 »)."""

    numbers_articles: bool = False


@dataclass(frozen=True)
class CleDe:
    """Marks a field holding a key of another field of the same file (a contact named by its key, say): the
    validate stage refuses a key that is not there, even when the file breaks its schema elsewhere."""

    field: str
    """The field whose keys are meant, at the top of the file: « contacts »."""
    label: str
    """What a key names, for the message: « contact »."""


FichierMarkdown = Annotated[str, FichierProse()]
"""The path of a Markdown file of the contract (relative to its folder): « preambule.md »."""

FichierArticle = Annotated[str, FichierProse(numbers_articles=True)]
"""The path of the Markdown file of an article, in a list where its position is its number."""
