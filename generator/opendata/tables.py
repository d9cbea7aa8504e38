"""CSV tables checked against a table schema with frictionless; every problem told in French with its row and
column.

Rows are numbered as a spreadsheet numbers them: the header is row 1, the first project row 2 (a cell holding
several lines of text stays one row).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from frictionless import Resource, Schema

from ..errors import Location, Problems

_TYPES = {
    "integer": "un nombre entier (sans espace ni décimale, par exemple 450000)",
    "number": "un nombre (point décimal, sans espace, par exemple 47800.20)",
    "datetime": "une date et heure ISO 8601 (par exemple 2025-04-15T14:30:00Z)",
    "date": "une date AAAA-MM-JJ (par exemple 2021-07-09)",
    "boolean": "« oui » ou « non »",
    "array": "une liste JSON (par exemple [\"Vélo\"])",
}
_FORMATS = {"uuid": "un identifiant UUID (par exemple 01890e30-5a80-7c22-9842-8263d0d0d890)",
            "email": "une adresse électronique"}


@dataclass
class Table:
    """A CSV file read and checked: its header and its rows as text (column → cell), in order (the row at
    index i is the spreadsheet's row i + 2)."""

    name: str
    header: list[str]
    rows: list[dict[str, str]]


def _field(schema: dict, name: str) -> dict:
    return next((f for f in schema["fields"] if f["name"] == name), {})


def _label(schema: dict, name: str) -> str:
    title = _field(schema, name).get("title")
    return f"« {name} » ({title})" if title else f"« {name} »"


def read_table(data: bytes, name: str, schema: dict, problems: Problems) -> Table | None:
    """Return the rows of a CSV file after checking it against `schema` (adding a French problem per mistake),
    or None when the file cannot be read as a table at all. `name` is the file as the messages name it."""
    count = len(problems)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        problems.add(Location(name, line), "le fichier n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 » "
                                            "(LibreOffice : Enregistrer sous, jeu de caractères Unicode UTF-8)")
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        problems.add(Location(name, reader.line_num), f"ligne CSV illisible ({exc})")
        return None
    if not records or not any(cell.strip() for cell in records[0]):
        problems.add(Location(name, 1), "fichier vide : la première ligne doit donner les noms des colonnes")
        return None
    header = [cell.strip() for cell in records[0]]
    known = [f["name"] for f in schema["fields"]]
    if len(header) == 1 and ";" in header[0]:
        problems.add(Location(name, 1), "colonnes séparées par « ; » : le schéma demande des virgules "
                                        "(LibreOffice : Enregistrer sous, CSV, séparateur de champ « , »)")
        return None
    for column, label in enumerate(header, start=1):
        if label not in known:
            problems.add(Location(name, 1, column), f"colonne inconnue « {label} » (colonnes du schéma : "
                                                    f"{', '.join(known)})")
        elif header.index(label) != column - 1:
            problems.add(Location(name, 1, column), f"colonne « {label} » en double")
    for required in (f["name"] for f in schema["fields"] if (f.get("constraints") or {}).get("required")):
        if required not in header:
            problems.add(Location(name, 1), f"colonne obligatoire {_label(schema, required)} absente")
    if len(problems) > count:
        return None
    _check_cells(data, name, schema, header, problems)
    rows = [dict(zip(header, (cell.strip() for cell in record))) for record in records[1:]]
    table = Table(name, header, rows)
    return table if len(problems) == count else None


def _check_cells(data: bytes, name: str, schema: dict, header: list[str], problems: Problems) -> None:
    # columns matched by name, those the file lacks left aside (the required ones were checked above)
    resource = Resource(data, format="csv", encoding="utf-8-sig",
                        schema=Schema.from_descriptor({**schema, "fieldsMatch": "partial"}))
    report = resource.validate()
    keys = schema.get("primaryKey") or []
    keys = [keys] if isinstance(keys, str) else keys
    for task in report.tasks:
        # a key cell that is not of its type is read as empty: its « key absent » error would say it twice
        unreadable_keys = {e.row_number for e in task.errors if getattr(e, "field_name", None) in keys}
        for error in task.errors:
            row = getattr(error, "row_number", None)
            if error.type == "primary-key" and row in unreadable_keys:
                continue
            column_name = getattr(error, "field_name", None)
            column = header.index(column_name) + 1 if column_name in header else None
            problems.add(Location(name, row, column), _message(error, schema, column_name))
    for error in report.errors:
        problems.add(Location(name), f"fichier illisible ({error.message})")


def _message(error, schema: dict, column_name: str | None) -> str:
    """Return the French message of one frictionless error."""
    cell = getattr(error, "cell", None)
    field = _field(schema, column_name) if column_name else {}
    where = f"colonne {_label(schema, column_name)}" if column_name else ""
    kind = error.type
    if kind == "type-error":
        expected = _FORMATS.get(field.get("format")) or _TYPES.get(field.get("type"), f"du type {field.get('type')}")
        if field.get("type") == "array":
            expected = _TYPES["array"]
        return f"{where} : « {cell} » n'est pas {expected}"
    if kind == "constraint-error":
        constraints = (field.get("constraints") or {})
        if field.get("type") == "array":
            return f"{where} : {_array_item_problem(cell, field)}"
        if constraints.get("required") and (cell is None or cell == ""):
            return f"{where} : valeur obligatoire manquante"
        if "enum" in constraints and str(cell) not in map(str, constraints["enum"]):
            return f"{where} : « {cell} » n'est pas une valeur permise ({' ; '.join(map(str, constraints['enum']))})"
        if "pattern" in constraints:
            return f"{where} : « {cell} » n'a pas la forme attendue (motif {constraints['pattern']})"
        if "maxLength" in constraints:
            return f"{where} : texte trop long ({len(str(cell))} caractères, {constraints['maxLength']} au plus)"
        if "minimum" in constraints or "maximum" in constraints:
            bounds = [f"au moins {constraints['minimum']}" if "minimum" in constraints else "",
                      f"au plus {constraints['maximum']}" if "maximum" in constraints else ""]
            return f"{where} : « {cell} » hors des bornes ({', '.join(b for b in bounds if b)})"
        if constraints.get("unique"):
            return f"{where} : « {cell} » figure sur plusieurs lignes"
        return f"{where} : « {cell} » ne respecte pas le schéma"
    if kind in ("primary-key", "unique-error"):
        return "identifiant en double ou absent : chaque ligne doit avoir son propre « id »"
    if kind == "missing-cell":
        return f"{where} : cellule manquante (la ligne a moins de cellules que l'en-tête)"
    if kind == "extra-cell":
        return "cellule en trop (la ligne a plus de cellules que l'en-tête)"
    if kind == "blank-row":
        return "ligne vide"
    return f"ligne non conforme au schéma ({kind})"


def _array_item_problem(cell, field: dict) -> str:
    """Say which items of a list cell the referential does not know (« levier inconnu « X » »)."""
    allowed = set((field.get("arrayItem", {}).get("constraints") or {}).get("enum") or ())
    items = cell if isinstance(cell, list) else _json_list(cell)
    unknown = [str(item) for item in items if item not in allowed]
    what = {"leviers": "levier", "competences": "code de compétence M57"}.get(field["name"], "valeur")
    where = {"leviers": "du référentiel des 50 leviers SGPE", "competences": "du référentiel M57"}.get(
        field["name"], "permise")
    if not unknown:
        return f"« {cell} » ne respecte pas le schéma"
    return " ; ".join(f"{what} inconnu « {item} » (absent {where})" for item in unknown)


def _json_list(cell) -> list:
    try:
        value = json.loads(cell)
    except (TypeError, ValueError):
        return []
    return value if isinstance(value, list) else []


def write_csv(header: list[str], rows: list[dict[str, str]]) -> bytes:
    """Return a CSV file (UTF-8, commas, header first) of rows given as column → text."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def check_written(data: bytes, name: str, schema: dict) -> Problems:
    """Return the problems of a CSV file the exporter made (none expected: checked before anything is written)."""
    problems = Problems()
    read_table(data, name, schema, problems)
    return problems
