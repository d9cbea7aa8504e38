"""Building blocks of the declarative content schemas: the base model and the value types every kind uses.

A kind's schema is made of pydantic models whose fields carry a docstring (what the field is); the types here
give table cells that hold an amount or a marker instead of a number (`Cellule`), and Markdown prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema


class Model(BaseModel):
    """Base of every content model: unknown fields are refused, each field documented by its docstring."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              arbitrary_types_allowed=True)


@dataclass(frozen=True)
class Marqueur:
    """Words printed where an amount is expected: « A évaluer », « Pour mémoire », « A programmer »…"""

    texte: str

    def __str__(self) -> str:
        return self.texte


MONTANT_LIMITE = Decimal(10) ** 15
"""Amounts are below a million billion euros: sums of thousands of them stay exact to the cent in Decimal's
default 28 digits."""

_LOOKS_LIKE_AMOUNT = re.compile(r"^[\s\u00a0\u202f]*-?[\d\s\u00a0\u202f.,]+[\s\u00a0\u202f]*(€|euros?)?[\s\u00a0\u202f]*$")


def parse_montant(value: Any) -> Decimal:
    """Return an amount from a YAML value, or raise ValueError with a French message."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        if isinstance(value, str) and _LOOKS_LIKE_AMOUNT.match(value):
            digits = re.sub(r"[^\d,.-]", "", value).replace(",", ".")
            raise ValueError(f"montant écrit comme du texte : écrivez-le sans espace ni symbole, par exemple {digits}")
        raise ValueError(f"montant attendu (un nombre d'euros, par exemple 275000), pas « {value} »")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError("montant attendu (un nombre d'euros)")
    if amount < 0:
        raise ValueError(f"montant négatif ({value}) : un montant ne peut pas être négatif ici")
    if amount >= MONTANT_LIMITE:
        raise ValueError(f"montant trop grand ({value}) : au plus quinze chiffres avant la virgule")
    if amount.as_tuple().exponent < -2:
        raise ValueError(f"montant à plus de deux décimales ({value}) : les montants sont au centime près")
    return amount


def parse_cellule(value: Any) -> Decimal | Marqueur | None:
    """Return a table cell: an amount, a marker (words), or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str) and not _LOOKS_LIKE_AMOUNT.match(value):
        text = value.strip()
        return Marqueur(text) if text else None
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
