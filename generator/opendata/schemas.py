"""The table schemas of the open data files, read from the published files stored in `schemas/`.

The national schema of projects (v0.1.1) does not load in frictionless as published: two of its field
descriptors use notations that Table Schema does not define. `projets_schema` applies the three adaptations
listed in `schemas/README.md` — and only those — to the stored file when it loads it; the stored file itself is
the published one, untouched.
"""

from __future__ import annotations

import copy
import csv
import json
from functools import lru_cache
from pathlib import Path

SCHEMAS_DIR = Path(__file__).parent / "schemas"
PROJETS_DIR = SCHEMAS_DIR / "projets-transition-ecologique-v0.1.1"
PROJETS_SCHEMA = PROJETS_DIR / "schema.json"
LEVIERS_CSV = PROJETS_DIR / "reference-data" / "50_leviers_SGPE_03_2025.csv"
COMPETENCES_JSON = PROJETS_DIR / "reference-data" / "référentiel_competences_M57_2025.json"
SUBVENTIONS_SCHEMA = SCHEMAS_DIR / "scdl-subventions-v2.0.1" / "schema.json"
FICHES_SCHEMA = SCHEMAS_DIR / "paraphe-crte-v1" / "fiches-crte.json"
MONTANTS_SCHEMA = SCHEMAS_DIR / "paraphe-crte-v1" / "montants-crte.json"


@lru_cache(maxsize=None)
def leviers() -> tuple[str, ...]:
    """Return the levers of the SGPE's referential (reference-data/50_leviers_SGPE_03_2025.csv), in order."""
    with LEVIERS_CSV.open(encoding="utf-8", newline="") as handle:
        return tuple(row["levier"] for row in csv.DictReader(handle))


@lru_cache(maxsize=None)
def competences() -> tuple[str, ...]:
    """Return the M57 codes of the referential: every competence and sub-competence, in order."""
    codes: list[str] = []
    for item in json.loads(COMPETENCES_JSON.read_text(encoding="utf-8")):
        codes.append(item["code"])
        codes.extend(sub["code"] for sub in item.get("sous_competences") or ())
    return tuple(codes)


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _projets_descriptor() -> str:
    descriptor = _read(PROJETS_SCHEMA)
    for field in descriptor["fields"]:
        # 1. `"format": "iso8601"` is no Table Schema datetime format (frictionless reads it as a strptime
        #    pattern and refuses the schema's own examples): ISO 8601 is the `default` format of a datetime.
        if field.get("type") == "datetime" and field.get("format") == "iso8601":
            field["format"] = "default"
        # 2. An `enum` given as a reference to a resource is no Table Schema enum: it becomes the list of the
        #    values of that stored referential.
        item = field.get("arrayItem") or {}
        enum = (item.get("constraints") or {}).get("enum")
        if isinstance(enum, dict):
            values = {"leviers": leviers, "competences": competences}[field["name"]]()
            item["constraints"]["enum"] = list(values)
    # 3. The foreign keys point at resources of the data package (collectivites, the referentials): the levers
    #    and M57 codes are checked by the enums above; the collectivities' table is not published with a CRTE.
    descriptor.pop("foreignKeys", None)
    return json.dumps(descriptor, ensure_ascii=False)


def projets_descriptor() -> dict:
    """Return the national schema of projects as frictionless can load it (the stored file, adapted)."""
    return json.loads(_projets_descriptor())


def descriptor(path: Path) -> dict:
    """Return a stored table schema as a dict (a fresh copy)."""
    return copy.deepcopy(_cached(path))


@lru_cache(maxsize=None)
def _cached(path: Path) -> dict:
    return _read(path)


def field_names(schema: dict) -> list[str]:
    return [f["name"] for f in schema["fields"]]


def required_names(schema: dict) -> list[str]:
    return [f["name"] for f in schema["fields"] if (f.get("constraints") or {}).get("required")]
