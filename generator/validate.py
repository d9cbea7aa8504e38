"""Validate stage: turn loaded YAML into typed models, every problem told in French with its file and line."""

from __future__ import annotations

import difflib
import re
import types
from typing import Annotated, Any, Iterator, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .errors import Problems
from .load import NombreEcrit, SourceFile
from .schema import CleDe

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "champ obligatoire manquant",
    "string_type": "texte attendu",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "bool_type": "« true » ou « false » attendu",
    "bool_parsing": "« true » ou « false » attendu",
    "date_type": "date attendue, au format AAAA-MM-JJ",
    "date_parsing": "date attendue, au format AAAA-MM-JJ",
    "date_from_datetime_parsing": "date attendue, au format AAAA-MM-JJ",
    "list_type": "liste attendue (des lignes commençant par « - »)",
    "dict_type": "ensemble de champs attendu (des lignes « champ: valeur »)",
    "model_type": "ensemble de champs attendu (des lignes « champ: valeur »)",
    "model_attributes_type": "ensemble de champs attendu (des lignes « champ: valeur »)",
    "literal_error": "valeur non permise",
    "greater_than_equal": "valeur trop petite",
    "too_short": "la liste ne peut pas être vide",
    "uuid_parsing": "identifiant UUID attendu (par exemple 01890e30-5a80-7c22-9842-8263d0d0d890)",
    "uuid_type": "identifiant UUID attendu (par exemple 01890e30-5a80-7c22-9842-8263d0d0d890)",
}

_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Return the field names of the model that stands at `loc` inside `model` (for suggestions)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = model_of(field.annotation)
    return list(current.model_fields) if current is not None else []


def model_of(annotation: Any) -> type[BaseModel] | None:
    """Return the model a field's annotation holds (itself, or inside `list[…]`, `… | None`), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = model_of(arg)
        if found is not None:
            return found
    return None


def _french_message(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        name = str(loc[-1])
        known = _field_names(model, loc[:-1])
        close = difflib.get_close_matches(name, known)  # the closest first
        hint = f" — vouliez-vous dire « {close[0]} » ?" if close else (
            f" (champs possibles : {', '.join(known)})" if known else "")
        return f"champ inconnu « {name} »{hint}"
    if kind in ("value_error", "assertion_error"):
        return str(error["ctx"]["error"])  # the validator's own words (pydantic always gives them)
    if kind == "literal_error":
        # pydantic words the allowed values in English (« 'a', 'b' or 'c' »): in French, « « a », « b » ou « c » »
        expected = _QUOTED.sub(lambda m: f"« {m.group(1) or m.group(2)} »",
                               str(error["ctx"]["expected"]))
        return f"valeur non permise : {expected.replace('» or «', '» ou «')} attendu"
    if kind == "greater_than_equal":
        return f"valeur trop petite : au moins {error['ctx']['ge']}"
    if kind == "missing" and loc and isinstance(loc[-1], str):
        return f"champ obligatoire manquant : « {loc[-1]} »"
    value = error.get("input")
    if kind.startswith("date") and isinstance(value, str) and _DATE_TEXT.match(value):
        return f"date impossible « {value} » : ce jour n'existe pas (format AAAA-MM-JJ)"
    if kind == "int_parsing" and isinstance(value, NombreEcrit):  # a text: never int_type nor int_from_float
        return f"nombre entier attendu, écrit en chiffres décimaux (pas « {value} »)"
    return _MESSAGES.get(kind, f"valeur incorrecte ({error['msg']})")



def french_message(error: dict[str, Any], model: type[BaseModel]) -> str:
    """Return one error of pydantic's validation of `model`, told in French (a value an avenant sets, say)."""
    return _french_message(error, model)


_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\Z")


def _located_path(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the parts of a pydantic location that are not YAML keys (union branch names, say)."""
    return tuple(p for p in loc if isinstance(p, int) or not str(p).startswith(("function-", "lax-", "json-")))


def validate_source(source: SourceFile, model: type[M], problems: Problems) -> M | None:
    """Return the file's data as a `model`, or None after adding every schema violation to `problems` (none for
    a file whose YAML could not be read: loading said why)."""
    if source.is_unreadable:
        return None
    if source.data is None and not source._starts()[0]:
        problems.add(source.location(), "le fichier est vide")
        return None
    try:
        model_instance = model.model_validate(source.data)
        source.model = model_instance
        return model_instance
    except ValidationError as exc:
        for error in exc.errors():
            path = _located_path(tuple(error["loc"]))
            if error["type"] == "extra_forbidden":
                location = source.key_location(path)
            else:  # a missing field: where the mapping that lacks it starts, its nearest enclosing value
                location = source.location(path)
            problems.add(location, _french_message(error, model))
        return None


def iter_marked(model: type[BaseModel], data: Any, marker_type: type) -> Iterator[tuple[tuple[Any, ...], str, Any]]:
    """Yield (path, value, marker) for every text of `data` (a file's data as read) that `model` types with a
    marker of class `marker_type` in its `Annotated` metadata (`schema.FichierProse`, `schema.CleDe`).

    The data is walked as it was read, along the schema, whether or not it follows the rest of it: a file whose
    schema check failed elsewhere still gives its Markdown files and its keys, to be checked in the same build.
    """
    yield from _walk(model, (), data, (), marker_type)


def _walk(annotation: Any, metadata: tuple, data: Any, path: tuple, marker_type: type):
    marker = next((m for m in metadata if isinstance(m, marker_type)), None)
    if marker is not None:
        if isinstance(data, str):
            yield path, data, marker
        return
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *more = get_args(annotation)
        yield from _walk(base, (*metadata, *more), data, path, marker_type)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(data, dict):
            for name, field in annotation.model_fields.items():
                if name in data:
                    yield from _walk(field.annotation, tuple(field.metadata), data[name], path + (name,),
                                     marker_type)
    elif origin in (list, tuple) and isinstance(data, list) and get_args(annotation):
        for index, item in enumerate(data):
            yield from _walk(get_args(annotation)[0], (), item, path + (index,), marker_type)
    elif origin is dict and isinstance(data, dict) and get_args(annotation):
        for key, item in data.items():
            yield from _walk(get_args(annotation)[1], (), item, path + (key,), marker_type)
    elif origin in (Union, types.UnionType):
        for branch in get_args(annotation):  # the first branch that finds anything in the data
            found = list(_walk(branch, metadata, data, path, marker_type))
            if found:
                yield from found
                return


def check_keys(source: SourceFile, model: type[BaseModel], problems: Problems) -> None:
    """Add a problem for every value the schema marks as a key of another field (`schema.CleDe`) that is not
    one of its keys: « contact inconnu « x » », with its place, even when the file breaks its schema elsewhere."""
    data = source.data
    if source.is_unreadable or not isinstance(data, dict):
        return
    for path, key, marker in iter_marked(model, data, CleDe):
        known = data.get(marker.field)
        if isinstance(known, dict) and key not in known:
            problems.add(source.location(path), f"{marker.label} inconnu « {key} » : ajoutez-le à la liste "
                                                f"« {marker.field} »")
