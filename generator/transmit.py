"""Transmission bundle: a signed act, its annexes and their @ctes metadata, ready for a tiers de télétransmission.

The contrôle de légalité receives acts through @ctes, usually through a tiers de télétransmission (S²LOW,
Pastell…). What it needs about an act is in the contract's `transmission.yaml`: the collectivity (SIREN,
département), the classification (matière) of the act, and for the contract and each avenant its number in the
collectivity's register of acts (numbers are given by the register, so they never move), the date of the
decision and the object. Everything is checked before anything is written: the number's form and uniqueness
across the acts of `content/`, the object's length, the files' types and sizes. The bundle is a folder and a zip
holding the act's PDF (the signed one when given), each annexe's PDF and the metadata as an `actes:Acte`
document of the @ctes namespace, each named as the standard names transmitted files.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import yaml

from .errors import BuildFailed, Location, Problems, display_path
from .write import Output

ACTES_NAMESPACE = "http://www.interieur.gouv.fr/ACTES#v1.1-20040216"
TRANSMISSION_FILE = "transmission.yaml"
NATURE_CONTRATS = "4"
"""@ctes nature of the act: 4, contrats, conventions et avenants (the only nature Paraphe produces)."""
NATURE_ABBREVIATION = "CC"
"""The nature's abbreviation in the names of transmitted files."""
NUMBER = re.compile(r"^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$")
"""An act's number (NumeroInterne): at most 15 capitals, digits or underscores, neither first nor last."""
OBJECT_MAX = 499
"""Longest object (Objet) of an act, in characters."""
BUNDLE_MAX_BYTES = 150 * 1024 * 1024
"""Largest transmission (the act and its annexes together), in bytes: the 150 Mo that tiers de
télétransmission accept (see docs/transmission.md on what the public documentation leaves unclear)."""
FILE_TYPES = {".pdf": "application/pdf"}
"""Types of the files Paraphe transmits: the act and its annexes are PDF (PDF/A built by Paraphe, or signed)."""
TYPE_CODE = re.compile(r"^\d{2}_[A-Z]{2}$")
"""A document type code (typologie des pièces): « 99_CO » (contrat), « 99_AU » (autre document)…"""
DEFAULT_TYPES = {"acte": "99_CO", "annexe": "99_AU"}
MATIERE = re.compile(r"^[1-9](\.[1-9]){0,4}$")
"""A classification code: one to five levels, « 7.5 », « 8.5.2 »."""


@dataclass
class Piece:
    """One file of the bundle: its name in the bundle, its bytes, its type code and where it comes from."""

    name: str
    data: bytes
    type_code: str
    source: Path


@dataclass
class Act:
    """What the @ctes metadata says of one act."""

    numero: str
    date_decision: date
    objet: str
    matiere: str
    classification_date: date
    siren: str
    departement: str
    types: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TYPES))


def _load(path: Path, problems: Problems) -> tuple[dict, dict[tuple, int]]:
    """Return a YAML mapping and the line of each of its keys (by path of keys), or ({}, {}) with a problem."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.add(Location(display_path(path)), f"fichier illisible : {exc}")
        return {}, {}
    if not isinstance(data, dict):
        problems.add(Location(display_path(path), 1), "une table de clés est attendue (collectivite, matiere, actes…)")
        return {}, {}
    lines: dict[tuple, int] = {}

    def walk(node, keys: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[keys + (key.value,)] = key.start_mark.line + 1
                walk(value, keys + (key.value,))

    walk(node, ())
    return data, lines


def _date(value, where: Location, what: str, problems: Problems) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        pass
    problems.add(where, f"{what} : une date est attendue (AAAA-MM-JJ), trouvé {value!r}")
    return None


def declared_numbers(content_dir: Path) -> dict[str, list[Location]]:
    """Return every act number declared in the `transmission.yaml` of the contracts of `content_dir`, with where
    each is declared (a number declared twice is a duplicate)."""
    found: dict[str, list[Location]] = {}
    for path in sorted(content_dir.glob(f"*/{TRANSMISSION_FILE}")):
        if path.is_symlink() or not path.is_file():
            continue
        data, lines = _load(path, Problems())
        for key, act in (data.get("actes") or {}).items():
            if isinstance(act, dict) and act.get("numero") is not None:
                where = Location(display_path(path), lines.get(("actes", key, "numero")))
                found.setdefault(str(act["numero"]), []).append(where)
    return found


def next_free_number(numbers, year: int) -> str:
    """Return the next number of `year` in a register numbered « AAAA_NNN », reset each year."""
    ranks = [int(match.group(1)) for number in numbers if (match := re.fullmatch(rf"{year}_(\d+)", number))]
    return f"{year}_{max(ranks, default=0) + 1:03}"


def read_act(root: Path, key: str, default_date: date | None, default_object: str, problems: Problems
             ) -> Act | None:
    """Return the act `key` (« contrat », « avenant-01 »…) of a contract as its `transmission.yaml` declares it,
    every problem added to `problems`."""
    path = root / TRANSMISSION_FILE
    where = Location(display_path(path))
    if path.is_symlink() or not path.is_file():
        problems.add(where, "fichier absent : il dit à qui et comment transmettre l'acte (voir "
                            "docs/transmission.md)")
        return None
    data, lines = _load(path, problems)
    if not data:
        return None

    def at(*keys) -> Location:
        return Location(where.path, lines.get(keys) or lines.get(keys[:1]) or 1)

    collectivite = data.get("collectivite") or {}
    siren, departement = str(collectivite.get("siren", "")), str(collectivite.get("departement", ""))
    if not re.fullmatch(r"\d{9}", siren):
        problems.add(at("collectivite", "siren"), f"SIREN de la collectivité : 9 chiffres attendus, trouvé "
                                                  f"« {siren} »")
    if not re.fullmatch(r"\d{3}|02[AB]", departement):
        problems.add(at("collectivite", "departement"), f"département : 3 caractères attendus (« 062 », « 02A »), "
                                                        f"trouvé « {departement} »")
    matiere = str(data.get("matiere", ""))
    if not MATIERE.fullmatch(matiere):
        problems.add(at("matiere"), f"classification (matière) : un code de 1 à 5 niveaux est attendu (« 7.5 »), "
                                    f"trouvé « {matiere} »")
    classification_date = _date(data.get("classification_date"), at("classification_date"),
                                "date de version de la classification", problems)
    types = dict(DEFAULT_TYPES)
    for role, code in (data.get("types_pieces") or {}).items():
        if role not in DEFAULT_TYPES or not TYPE_CODE.fullmatch(str(code)):
            problems.add(at("types_pieces", role), f"type de pièce « {role} : {code} » : « acte » ou « annexe » et "
                                                   f"un code comme « 99_AU » sont attendus")
        else:
            types[role] = str(code)
    act = (data.get("actes") or {}).get(key)
    if not isinstance(act, dict):
        problems.add(at("actes"), f"l'acte « {key} » n'est pas décrit sous « actes: » (numéro, date de la "
                                  f"décision, objet)")
        return None
    numero = str(act.get("numero") or "")
    if not numero:
        numbers = declared_numbers(root.parent)
        year = (act.get("date_decision") or default_date or date.today()).year
        problems.add(at("actes", key), f"l'acte « {key} » n'a pas de numéro : le suivant du registre pour {year} "
                                       f"serait « {next_free_number(numbers, year)} » (numero: …)")
    elif not NUMBER.fullmatch(numero):
        suggestion = re.sub(r"[^A-Z0-9_]", "_", numero.upper()).strip("_")[:15].rstrip("_")
        problems.add(at("actes", key, "numero"),
                     f"numéro d'acte « {numero} » invalide : au plus 15 caractères, majuscules, chiffres et « _ » "
                     f"(ni au début ni à la fin)" + (f", par exemple « {suggestion} »" if NUMBER.fullmatch(suggestion)
                                                    else ""))
    else:
        others = [w for w in declared_numbers(root.parent).get(numero, [])
                  if w != at("actes", key, "numero")]
        if others:
            problems.add(at("actes", key, "numero"), f"numéro d'acte « {numero} » déjà attribué : "
                                                     + ", ".join(map(str, others)))
    objet = " ".join(str(act.get("objet") or default_object).split())
    if len(objet) > OBJECT_MAX:
        problems.add(at("actes", key, "objet"), f"objet de l'acte trop long : {len(objet)} caractères, "
                                                f"{OBJECT_MAX} au plus")
    decision = act.get("date_decision", default_date)
    decision = _date(decision, at("actes", key, "date_decision"), "date de la décision", problems)
    if problems.errors:
        return None
    return Act(numero, decision, objet, matiere, classification_date, siren, departement, types)


def file_name(act: Act, type_code: str, serial: int, suffix: str) -> str:
    """Return the standard name of a transmitted file: « 99_CO-062-200033025-20210709-2021_014-CC-1-1_1.pdf »
    (the metadata file has no type code and serial 0)."""
    stem = (f"{act.departement}-{act.siren}-{act.date_decision:%Y%m%d}-{act.numero}-{NATURE_ABBREVIATION}-1-1"
            f"_{serial}")
    return f"{type_code}-{stem}{suffix}" if type_code else f"{stem}{suffix}"


def metadata_xml(act: Act, document: str, annexes: list[str]) -> bytes:
    """Return the act's metadata as an `actes:Acte` document (ISO-8859-1, as the tiers expect it)."""
    codes = act.matiere.split(".")
    lines = ['<?xml version="1.0" encoding="ISO-8859-1"?>',
             f'<actes:Acte xmlns:actes="{ACTES_NAMESPACE}" xmlns:insee="http://xml.insee.fr/schema"'
             f' actes:Date="{act.date_decision:%Y-%m-%d}" actes:NumeroInterne={quoteattr(act.numero)}'
             f' actes:CodeNatureActe="{NATURE_CONTRATS}">']
    lines += [f'  <actes:CodeMatiere{level} actes:CodeMatiere="{code}"/>' for level, code in enumerate(codes, 1)]
    lines += [f"  <actes:Objet>{escape(act.objet)}</actes:Objet>",
              f"  <actes:ClassificationDateVersion>{act.classification_date:%Y-%m-%d}"
              f"</actes:ClassificationDateVersion>",
              f"  <actes:Document><actes:NomFichier>{escape(document)}</actes:NomFichier></actes:Document>",
              f'  <actes:Annexes actes:Nombre="{len(annexes)}">']
    lines += [f"    <actes:Annexe><actes:NomFichier>{escape(name)}</actes:NomFichier></actes:Annexe>"
              for name in annexes]
    lines += ["  </actes:Annexes>", "</actes:Acte>", ""]
    return "\n".join(lines).encode("iso-8859-1", errors="xmlcharrefreplace")


def _check_file(path: Path, problems: Problems) -> int:
    """Return the size of a file to transmit, adding a problem when its type is not accepted."""
    if path.suffix.lower() not in FILE_TYPES:
        problems.add(Location(display_path(path)), f"type de fichier non accepté ({path.suffix or 'sans extension'}) "
                                                   f": PDF attendu")
        return 0
    try:
        return path.stat().st_size
    except OSError:
        problems.add(Location(display_path(path)), "fichier introuvable : construisez d'abord le PDF "
                                                   "(python build.py --formats pdf construire …)")
        return 0


def check_files(document: Path, annexes: list[Path], problems: Problems) -> None:
    """Add a problem for each file of the act that cannot be transmitted: its type, its size, their total."""
    sizes = [_check_file(path, problems) for path in [document, *annexes]]
    for path, size in zip([document, *annexes], sizes):
        if size > BUNDLE_MAX_BYTES:
            problems.add(Location(display_path(path)), f"fichier trop volumineux : {size / 1048576:.1f} Mo, la "
                                                       f"transmission en accepte {BUNDLE_MAX_BYTES // 1048576} au plus")
    if sum(sizes) > BUNDLE_MAX_BYTES and all(size <= BUNDLE_MAX_BYTES for size in sizes):
        problems.add(Location(display_path(document)), f"transmission trop volumineuse : {sum(sizes) / 1048576:.1f}"
                                                       f" Mo, {BUNDLE_MAX_BYTES // 1048576} au plus")


def bundle(act: Act, document: Path, annexes: list[Path], dest_dir: Path, sources_hash: str) -> list[Output]:
    """Return the files of the bundle of `act` (its folder and its zip), the files checked already."""
    pieces = [Piece(file_name(act, act.types["acte"], 1, ".pdf"), document.read_bytes(), act.types["acte"], document)]
    pieces += [Piece(file_name(act, act.types["annexe"], serial, ".pdf"), path.read_bytes(), act.types["annexe"], path)
               for serial, path in enumerate(annexes, start=2)]
    xml_name = file_name(act, "", 0, ".xml")
    xml = metadata_xml(act, pieces[0].name, [piece.name for piece in pieces[1:]])
    folder = dest_dir / f"transmission-{act.numero}"
    files = [(xml_name, xml), *((piece.name, piece.data) for piece in pieces)]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(act.date_decision.year, act.date_decision.month,
                                                    act.date_decision.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zipped.writestr(info, data)
    outputs = [Output(folder / name, data, sources_hash) for name, data in files]
    outputs.append(Output(dest_dir / f"transmission-{act.numero}.zip", archive.getvalue(), sources_hash))
    return outputs


def transmission(root: Path, output_dir: Path, *, avenant: int | None = None, signed: Path | None = None
                 ) -> list[Output]:
    """Return the bundle of a contract (or of its avenant n° `avenant`) from its built PDFs, the signed act
    replacing the built one when given; raise BuildFailed with every problem found, before anything is
    written."""
    from .pipeline import read_and_compute

    problems = Problems()
    prepared = read_and_compute(root, verify=False)
    if prepared.problems.errors:
        raise BuildFailed(prepared.problems.errors)
    contract = prepared.tree.get("contrat.yaml").data or {}
    names = list(prepared.kind.templates)
    if avenant is None:
        key, folder = "contrat", output_dir / root.name
        default_date = (contract.get("signature") or {}).get("date")
        default_object = " ".join(str(contract.get("titre", "")).split())
        document, annexes = folder / f"{names[0]}.pdf", [folder / f"{name}.pdf" for name in names[1:]]
    else:
        key, folder = f"avenant-{avenant:02}", output_dir / root.name / f"avenant-{avenant:02}"
        declared = next((source.data for source in prepared.tree.iter_files("avenants", ".yaml")
                         if Path(source.rel_path).name.startswith(f"{avenant:02}")), None) or {}
        default_date, default_object = declared.get("date"), str(declared.get("objet", ""))
        document = folder / "avenant.pdf"
        annexes = [folder / f"{name}.pdf" for name in names]  # the consolidated contract and its annexes
    act = read_act(root, key, default_date, default_object, problems)
    if signed is not None:
        document = signed
    check_files(document, annexes, problems)
    if act is None or problems.errors:
        raise BuildFailed(problems.errors)
    return bundle(act, document, annexes, folder, prepared.tree.digest())
