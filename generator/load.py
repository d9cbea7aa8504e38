"""Load stage: read a contract folder into memory, knowing where every YAML value stands.

Nothing here knows about kinds of documents: it reads every YAML and Markdown file of the folder and parses the
YAML (floats become `Decimal`, never binary floats); the line and column of every key and value, with which
later stages point a legal officer at the exact place of a problem, are read when a problem first asks.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import yaml

from .errors import Location, Problems, display_path
from .wordml import XML_FORBIDDEN

Path_ = tuple[str | int, ...]
CONTENT_SUFFIXES = (".yaml", ".yml", ".md")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe YAML loader (libyaml's when installed) whose floats are exact decimals."""

    _resolved: dict = {}

    # The composer tells the resolver each node it enters and leaves, for path resolvers. The safe loader has
    # none, and PyYAML's methods would check that twice per node (1 % of a contract's build).
    def descend_resolver(self, current_node, current_index) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind, value, implicit):
        # The composer asks the tag of every untagged node: a collection gets its kind's tag, a scalar that is
        # not plain (quoted, or tagged « ! ») the string tag, a plain scalar the tag `plain_scalar_tag` gives
        # (remembered: content repeats its keys and values from file to file).
        if kind is not yaml.ScalarNode:
            return _MAP if kind is yaml.MappingNode else _SEQ
        if not implicit[0]:
            return _STR
        tag = self._resolved.get(value)
        if tag is None:
            if len(self._resolved) > 20_000:
                self._resolved.clear()
            tag = self._resolved[value] = plain_scalar_tag(value)
        return tag


class _Refused(yaml.constructor.ConstructorError):
    """A YAML value the reader refuses, its problem told in French already."""


class NombreEcrit(str):
    """A plain YAML value that some YAML reads as a number but that is not written as Paraphe writes numbers
    (digits, a point before the cents): « 0750 », « 1e3 », « 0o17 », « 1_000 », « 1:30 », « .inf ».

    YAML 1.1 would read « 0750 » as 488 (octal) and « 1:30 » as 90; such a value is kept as the text typed, so
    that a field of text prints it as is and an amount refuses it with a suggestion, never another number."""

    __slots__ = ()


_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ, _MERGE, _TIMESTAMP = (
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge",
    "tag:yaml.org,2002:timestamp")
_WRITTEN_NUMBER = "tag:paraphe,2026:nombre-ecrit"

_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE"))  # YAML 1.2: no yes/no/on/off
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+\Z")
_NUMBER_LIKE = re.compile(r"""(?x)[-+]?(?:
      [0-9][0-9_]*(?::[0-5]?[0-9])*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?   # YAML 1.1 and 1.2 decimals, 1.1 sexagesimals
    | \.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
    | 0[bB][01_]+ | 0[oO][0-7_]+ | 0[xX][0-9a-fA-F_]+                    # base prefixes
    | \.(?:inf|Inf|INF|nan|NaN|NAN))\Z""")
_TIMESTAMP_LIKE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
                             r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?\Z")


def plain_scalar_tag(value: str) -> str:
    """Return the tag of a plain YAML scalar, read with YAML 1.2's core schema (plus dates).

    Integers and decimals are only those written as Paraphe writes them (`275000`, `1250.50`, `-3`); any
    other notation of a number in YAML 1.1 or 1.2 (leading zero, exponent, base prefix, « _ » or « : »
    separators, « .inf ») is a `NombreEcrit`; booleans are `true` and `false` only (« on », « no » are text)."""
    if value in _NULLS:
        return _NULL
    if value in _BOOLS:
        return _BOOL
    first = value[0]
    if first in "-+.0123456789":
        if _INTEGER.match(value):
            return _INT
        if _DECIMAL.match(value):
            return _FLOAT
        if _NUMBER_LIKE.match(value):
            return _WRITTEN_NUMBER
        if _TIMESTAMP_LIKE.match(value):
            return _TIMESTAMP
    elif value == "<<":
        return _MERGE
    return _STR


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | NombreEcrit:
    # the resolver gives this tag to plain decimals only; an explicit « !!float » may tag any text
    return Decimal(node.value) if _DECIMAL.match(node.value) else NombreEcrit(node.value)


def _construct_integer(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | NombreEcrit:
    # never YAML 1.1's octal or sexagesimal reading, even under an explicit « !!int » in a merged mapping
    return int(node.value) if _INTEGER.match(node.value) else NombreEcrit(node.value)


def _construct_written_number(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> NombreEcrit:
    return NombreEcrit(node.value)


def _construct_date(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """Return a date (or date and time); an impossible one (« 2021-02-30 ») stays the text typed, which a date
    field refuses at its place without the rest of the file being lost."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return node.value


_Loader.add_constructor(_FLOAT, _construct_decimal)
_Loader.add_constructor(_INT, _construct_integer)
_Loader.add_constructor(_TIMESTAMP, _construct_date)
_Loader.add_constructor(_WRITTEN_NUMBER, _construct_written_number)


@dataclass
class SourceFile:
    """One file of a contract folder: its text, and for YAML its data and the position of every value."""

    src_path: Path
    rel_path: str
    text: str
    data: Any = None
    is_unreadable: bool = False
    """Its YAML could not be read: loading said why, and nothing more is said of its data."""
    model: Any = field(default=None, repr=False, compare=False)
    """The validated model of the file's data, once validation has made one."""
    raw: bytes | None = field(default=None, repr=False, compare=False)
    """The UTF-8 of `text` as the file holds it, for the digest (None when reading changed the text: line ends,
    forbidden characters; and for a file an avenant made or edited)."""

    @property
    def positions(self) -> dict[Path_, tuple[int, int]]:
        """Return the line and column of every key and value of the YAML text (keys under `("__key__", …)`)."""
        starts, key_starts = self._starts()
        positions = {path: self._line_column(index) for path, index in starts.items()}
        positions.update({("__key__",) + path: self._line_column(index) for path, index in key_starts.items()})
        return positions

    def _starts(self) -> tuple[dict[Path_, int], dict[Path_, int]]:
        """Return where every value and every key of the YAML text starts (its index in the text).

        Loading records them as it reads the data (a few hundred integers a file): the build verifies every
        contract, and the figures of a contract that disagree with the computation ask where dozens of values
        stand, which reading the text again for each file concerned cost ten times more. A file made by an
        avenant has them read from its text the first time one asks (kept without functools.cached_property,
        whose lock, on Python 3.11, all the files would share)."""
        starts = self.__dict__.get("_start_indexes")
        if starts is None:
            starts = self.__dict__["_start_indexes"] = self._read_starts()
        return starts

    def _read_starts(self) -> tuple[dict[Path_, int], dict[Path_, int]]:
        starts: tuple[dict[Path_, int], dict[Path_, int]] = ({}, {})
        if self.is_yaml:
            try:
                _read_yaml(self.text, starts)
            except yaml.YAMLError:
                pass  # the text was read once already: its problem was reported then
        return starts

    def _read_positions(self) -> dict[Path_, tuple[int, int]]:
        """Return `positions` read again from the text (what loading recorded, for the tests)."""
        self.__dict__.pop("_start_indexes", None)
        return self.positions

    def _line_column(self, index: int) -> tuple[int, int]:
        text = self.text
        return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)

    @cached_property
    def display_path(self) -> str:
        """Return the file's path as problems print it (relative to the current directory when below it)."""
        return display_path(self.src_path)

    @property
    def is_yaml(self) -> bool:
        return self.src_path.suffix in (".yaml", ".yml")

    def location(self, path: Path_ = ()) -> Location:
        """Return where the value at `path` stands, or its nearest enclosing value that has a position."""
        starts = self._starts()[0]
        while path not in starts and path:
            path = path[:-1]
        index = starts.get(path)
        if index is None:
            return Location(self.display_path)
        return Location(self.display_path, *self._line_column(index))

    def key_location(self, path: Path_) -> Location:
        """Return where the key of the value at `path` stands (the key of an unknown field, say)."""
        index = self._starts()[1].get(tuple(path))
        if index is None:
            return self.location(path)
        return Location(self.display_path, *self._line_column(index))


@dataclass
class SourceTree:
    """Every content file of one contract folder, by path relative to the folder."""

    root: Path
    files: dict[str, SourceFile]

    @property
    def slug(self) -> str:
        return self.root.name

    def get(self, rel_path: str) -> SourceFile | None:
        return self.files.get(rel_path)

    def iter_files(self, folder: str, suffix: str) -> Iterator[SourceFile]:
        """Yield the files directly inside `folder` with that suffix, sorted by name."""
        prefix = folder.rstrip("/") + "/"
        for rel_path in sorted(self.files):
            if rel_path.startswith(prefix) and "/" not in rel_path[len(prefix):] and rel_path.endswith(suffix):
                yield self.files[rel_path]

    def digest(self) -> str:
        """Return a hash of every file's path and text (in UTF-8): it changes when any content file changes, and
        not with line ends (a checkout on Windows may turn them to CR LF)."""
        h = hashlib.sha256()
        for rel_path in sorted(self.files):
            h.update(rel_path.encode())
            h.update(b"\0")
            source = self.files[rel_path]
            h.update(source.raw if source.raw is not None else source.text.encode())
            h.update(b"\0")
        return h.hexdigest()


class _Reader:
    """Builds a YAML document's data from its nodes in one walk, recording where each key and value stands when
    given dicts of where values and keys start (without them, the data only).

    Plain strings, integers, mappings and sequences are built here; every other node (decimals, dates,
    booleans, merge keys, explicit tags) is built by the loader's own constructors.
    """

    def __init__(self, loader: _Loader, starts: tuple[dict[Path_, int], dict[Path_, int]] | None = None):
        self.loader = loader
        self.positions, self.key_positions = starts if starts is not None else (None, None)
        self.open_nodes: set[yaml.Node] = set()
        self.values_left = MAX_YAML_VALUES
        self.duplicates: list[tuple[Any, yaml.Mark, yaml.Mark]] = []
        """Keys given twice in a mapping: (key, first place, second place); the last value is kept."""

    def value(self, node: yaml.Node, path: Path_) -> Any:
        positions = self.positions
        if positions is not None:
            positions[path] = node.start_mark.index
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag in (_MAP, _SEQ):
            if node in self.open_nodes:  # an alias of an enclosing collection: `&a [*a]`
                raise _Refused(None, None, "structure récursive (alias)", node.start_mark)
            if len(self.open_nodes) >= MAX_YAML_DEPTH:
                raise _Refused(
                    None, None, f"imbrication trop profonde (plus de {MAX_YAML_DEPTH} niveaux)", node.start_mark)
            self.values_left -= len(node.value)
            if self.values_left < 0:  # aliases repeated into each other (« billion laughs »)
                raise _Refused(
                    None, None, f"trop de valeurs (plus de {MAX_YAML_VALUES}, alias compris)", node.start_mark)
            self.open_nodes.add(node)
            try:
                if tag == _MAP:
                    return self.mapping(node, path)
                if positions is None:
                    return [self.value(item, path) for item in node.value]
                return [self.value(item, path + (index,)) for index, item in enumerate(node.value)]
            finally:
                self.open_nodes.discard(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        return self.construct(node, deep=True)

    def mapping(self, node: yaml.MappingNode, path: Path_) -> Any:
        data, positions = {}, self.positions
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:  # `<<: *base`: the loader's constructor merges
                return self.construct(node, deep=True)
            if key_node.tag == _STR:  # the most frequent key: built here, without a call
                key = key_node.value
            else:
                key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else \
                    self.construct(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    raise _Refused(
                        None, None, "clé invalide (une liste ou un dictionnaire)", key_node.start_mark) from None
            if key in data:
                self.duplicate(node, key, key_node)
            if positions is None:
                data[key] = value_node.value if value_node.tag == _STR else self.value(value_node, path)
                continue
            child = path + (key,)
            self.key_positions[child] = key_node.start_mark.index
            if value_node.tag == _STR:  # the most frequent value: built here, without a call
                positions[child] = value_node.start_mark.index
                data[key] = value_node.value
            else:
                data[key] = self.value(value_node, child)
        return data

    def duplicate(self, node: yaml.MappingNode, key: Any, key_node: yaml.Node) -> None:
        """Note a key given a second time in a mapping, with the place of its first occurrence."""
        for other_node, _ in node.value:
            if other_node is key_node:
                break
            if other_node.tag == key_node.tag and getattr(other_node, "value", None) == key_node.value:
                self.duplicates.append((key, other_node.start_mark, key_node.start_mark))
                return

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag == _STR:
            return value
        if tag == _INT:
            if _INTEGER.match(value):  # always, but for an explicit « !!int » tag
                return int(value)
            return NombreEcrit(value)
        if tag == _FLOAT and not _DECIMAL.match(value):  # an explicit « !!float » tag
            return NombreEcrit(value)
        return self.construct(node)

    def construct(self, node: yaml.Node, deep: bool = False) -> Any:
        """Build a node with the loader's constructors; a value they cannot hold (a date that does not exist,
        « .inf » as a decimal) becomes a YAML error at the node's place."""
        try:
            return self.loader.construct_object(node, deep=deep)
        except (ValueError, ArithmeticError, LookupError, AttributeError, TypeError):
            # a value its explicit tag cannot hold (« !!bool 0 », « !!timestamp x »), or « .inf » as a decimal
            what = "valeur impossible" + (f" pour l'étiquette {node.tag.replace('tag:yaml.org,2002:', '!!')}"
                                          if node.tag.startswith("tag:yaml.org,2002:") else "")
            shown = f" « {node.value} »" if isinstance(node, yaml.ScalarNode) else ""
            raise _Refused(None, None, what + shown, node.start_mark) from None


BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""The invisible characters that change the direction of text (« Trojan Source »): an amount or a name can
show otherwise than it is written."""
_REMOVED = re.compile(f"{XML_FORBIDDEN.pattern[:-1]}{BIDI_CONTROLS}]")
"""The characters loading removes: those a Word document cannot hold, and the controls of text direction."""


def _describe(char: str) -> str:
    names = {"\x00": "caractère nul", "\x0b": "tabulation verticale", "\x0c": "saut de page"}
    if char in BIDI_CONTROLS:
        return f"caractère invisible de sens d'écriture U+{ord(char):04X}"
    return names.get(char, f"caractère de contrôle U+{ord(char):04X}")


def remove_forbidden_characters(text: str, src_path: Path, problems: Problems) -> str:
    """Return text without the characters a Word document cannot hold and the controls of text direction,
    each removal a warning with its place."""
    if not _REMOVED.search(text):
        return text
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines: \v and \f end no line here
        for match in _REMOVED.finditer(line):
            problems.add(Location(display_path(src_path), number, match.start() + 1),
                         f"caractère interdit supprimé : {_describe(match.group())} (collé depuis un traitement "
                         "de texte ?)", is_warning=True)
    return _REMOVED.sub("", text)


def _clean_values(value: Any, path: Path_, source: "SourceFile", problems: Problems) -> Any:
    """Remove forbidden characters that YAML escapes (« \\v ») put into string values, with a warning."""
    if isinstance(value, str):
        if _REMOVED.search(value):
            for char in sorted(set(_REMOVED.findall(value))):
                problems.add(source.location(path), f"caractère interdit supprimé : {_describe(char)}",
                             is_warning=True)
            return type(value)(_REMOVED.sub("", value))
        return value
    if isinstance(value, dict):
        return {k: _clean_values(v, path + (k,), source, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_values(v, path + (i,), source, problems) for i, v in enumerate(value)]
    return value


MAX_YAML_DEPTH = 50
"""Levels of nested lists and mappings a YAML file may have (a fiche has six)."""
MAX_YAML_VALUES = 100_000
"""Values a YAML file may hold, each repetition by an alias counted (a fiche holds some 200)."""
MAX_FILE_BYTES = 4 * 2**20
"""Size of the largest content file read (the longest file of a real contract is some 40 KB)."""


def _read_yaml(text: str, starts: tuple[dict[Path_, int], dict[Path_, int]] | None = None,
               duplicates: list | None = None) -> Any:
    """Return the data of a YAML text (None for an empty one), recording where each value and key starts in
    `starts` when given and keys given twice in `duplicates`; YAMLError when the text cannot be read."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        reader = _Reader(loader, starts)
        data = reader.value(node, ())
        if duplicates is not None:
            duplicates.extend(reader.duplicates)
        return data
    except RecursionError:  # nesting too deep for the parser itself, before the reader's own limit
        raise yaml.YAMLError(f"imbrication trop profonde (plus de {MAX_YAML_DEPTH} niveaux)") from None
    finally:
        loader.dispose()


_ENGLISH_PROBLEMS = (
    ("could not determine a constructor for the tag", "étiquette YAML inconnue"),
    ("found undefined alias", "alias non défini"),
    ("found duplicate anchor", "ancre définie deux fois"),
    ("found unknown escape character", "caractère d'échappement inconnu"),
    ("mapping values are not allowed", "« : » inattendu (une valeur contenant « : » doit être entre "
                                            "guillemets)"),
    ("found character '\\t' that cannot start any token", "tabulation interdite en début de ligne (indentez avec "
                                                           "des espaces)"),
    ("could not find expected ':'", "« : » attendu après le nom du champ"),
    ("found unexpected end of stream", "fin de fichier inattendue (guillemet ou crochet non fermé ?)"),
    ("did not find expected key", "champ attendu (indentation incohérente ?)"),
    ("did not find expected node content", "valeur attendue"),
    ("expected a mapping or list of mappings for merging", "« << » (fusion) attend un ensemble de champs ou une "
                                                           "liste d'ensembles de champs"),
    ("expected a mapping for merging", "« << » (fusion) attend un ensemble de champs"),
    ("found unhashable key", "clé invalide (une liste ou un dictionnaire)"),
    ("found a tab character", "tabulation interdite dans l'indentation (indentez avec des espaces)"),
    ("did not find expected ',' or ']'", "« , » ou « ] » attendu (liste entre crochets mal fermée ?)"),
    ("did not find expected ',' or '}'", "« , » ou « } » attendu (ensemble entre accolades mal fermé ?)"),
    ("found character that cannot start any token", "caractère inattendu en début de valeur (mettez la valeur "
                                                    "entre guillemets)"),
    ("exceeded maximum nesting depth", f"imbrication trop profonde (plus de {MAX_YAML_DEPTH} niveaux)"),
    ("expected <document start>", "plusieurs documents ou contenu inattendu"),
    ("but found another document", "un seul document attendu (« --- » en trop ?)"),
)


def _french_problem(what: str) -> str:
    """Return a YAML parser's problem in French: a known one translated (with what it names), another said to
    be a syntax error with the parser's own words."""
    for english, french in _ENGLISH_PROBLEMS:
        if what.startswith(english):
            rest = what[len(english):].strip(" :")
            return f"{french} {rest}".strip() if french.startswith(("étiquette", "alias", "ancre")) else french
    return f"erreur de syntaxe (le lecteur YAML dit : {what})"


def parse_yaml(text: str, source: SourceFile, problems: Problems) -> None:
    """Parse YAML text into `source.data`, recording where its values start; a syntax error becomes a
    problem, and so does a key given twice in a mapping (naming both lines)."""
    duplicates: list = []
    starts: tuple[dict[Path_, int], dict[Path_, int]] = ({}, {})
    try:
        data = _read_yaml(text, starts, duplicates)
        source.__dict__["_start_indexes"] = starts  # kept: the build's findings ask for many (see `_starts`)
        # forbidden characters in a value can only come from an escape (« \v ») of a quoted string
        source.data = _clean_values(data, (), source, problems) if "\\" in text else data
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        what = exc.problem if isinstance(exc, _Refused) else _french_problem(exc.problem or exc.context or "?")
        problems.add(Location(source.display_path, line, column), f"YAML illisible : {what}")
        source.is_unreadable = True
        return
    except yaml.YAMLError as exc:  # a reader error (a character YAML forbids), a nesting too deep
        problems.add(Location(source.display_path), f"YAML illisible : {exc}")
        source.is_unreadable = True
        return
    for key, first, second in duplicates:
        problems.add(Location(source.display_path, second.line + 1, second.column + 1),
                     f"champ « {key} » écrit deux fois (déjà ligne {first.line + 1}) : une seule valeur serait "
                     "gardée, supprimez l'une des deux")


def iter_tree(root: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """Yield (relative path, directory entry) of every file below `root`, hidden files and folders left out,
    links to folders not followed; the folder walk of loading and of the build's fingerprints."""
    folders = [("", str(root))]
    while folders:
        prefix, folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    yield f"{prefix}{entry.name}", entry


def iter_content_files(root: Path) -> list[tuple[str, Path, bool]]:
    """Return (relative path, path, whether it is a symbolic link) of every YAML and Markdown file below
    `root`, hidden ones left out, in the order of their folders and names (links included: loading checks
    where they lead)."""
    found = [(rel_path, Path(entry.path), entry.is_symlink()) for rel_path, entry in iter_tree(root)
             if entry.name.endswith(CONTENT_SUFFIXES) and (entry.is_symlink() or entry.is_file())]
    return sorted(found, key=lambda item: item[0].split("/"))


def iter_links_leaving(root: Path) -> Iterator[tuple[Path, str]]:
    """Yield (path, target) of every symbolic link below `root` that leads outside it (or nowhere)."""
    inside = os.path.realpath(root) + os.sep
    for _, entry in iter_tree(root):
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if not target.startswith(inside):
                yield Path(entry.path), target


_CONTROL_BYTES = bytes(code for code in range(0x20) if chr(code) not in "\t\n\r")
"""The bytes of the control characters XML forbids: in UTF-8 no other character's bytes include them."""
_BOM = b"\xef\xbb\xbf"


class NotUTF8(ValueError):
    """A content file whose bytes are not UTF-8: where the first bad byte stands."""

    def __init__(self, line: int, column: int, byte: int):
        self.line, self.column, self.byte = line, column, byte
        super().__init__(f"ligne {line}, colonne {column}")


class TooLarge(ValueError):
    """A content file larger than `MAX_FILE_BYTES`."""


def _read_text(src_path: Path) -> tuple[bytes | None, str, bool]:
    """Return a UTF-8 file's bytes when they are its text unchanged (None when its line ends were made « \\n »
    or its byte order mark left out); its text, as `Path.read_text` gives it, a third faster (the bytes decoded
    at once rather than through a text stream); and whether it may hold a character loading removes.

    Control characters are looked for in the bytes, ten times faster than in the text: the UTF-8 decoder has
    refused the surrogates already, and U+FFFE and U+FFFF are three bytes each, led by EF, which French text
    seldom holds (a search for one byte is a memchr; one for three bytes is slow over the continuation bytes of
    accents). The controls of text direction are looked for in the text of a file that is not ASCII.
    NotUTF8 and TooLarge when the file cannot be content.
    """
    # Read through the file descriptor, without the file objects of `open` (which cost twice the reading itself)
    descriptor = os.open(src_path, os.O_RDONLY)
    try:
        # its size first: a read of at most MAX_FILE_BYTES would allocate that much for every file
        size = os.fstat(descriptor).st_size
        if size > MAX_FILE_BYTES:
            raise TooLarge(src_path)
        chunks = []
        while chunk := os.read(descriptor, size + 1 if not chunks else 2**16):  # to its end, as `read()`
            chunks.append(chunk)
    finally:
        os.close(descriptor)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    may_hold_forbidden = (len(data.translate(None, _CONTROL_BYTES)) != len(data)
                          or (b"\xef" in data and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start
        raise NotUTF8(data.count(b"\n", 0, start) + 1, start - data.rfind(b"\n", 0, start), data[start]) from None
    if not may_hold_forbidden and not data.isascii():
        may_hold_forbidden = any(char in text for char in BIDI_CONTROLS)
    if text.startswith("\ufeff"):  # a byte order mark, which Windows' editors write: not part of the text
        return None, text[1:].replace("\r\n", "\n").replace("\r", "\n"), may_hold_forbidden
    if "\r" in text:
        return None, text.replace("\r\n", "\n").replace("\r", "\n"), may_hold_forbidden
    return data, text, may_hold_forbidden


def load_contract(root: Path, problems: Problems) -> SourceTree:
    """Read every YAML and Markdown file below `root` (a contract folder) and parse the YAML ones.

    No file outside the folder is read: a symbolic link that leads out of it is refused. A file that is not
    UTF-8 is named with the line of its first bad byte; it stays in the tree (unreadable), so that nothing
    says it is missing."""
    files: dict[str, SourceFile] = {}
    leaving = None
    for rel_path, src_path, is_link in iter_content_files(root):
        if is_link:
            if leaving is None:
                leaving = {str(path) for path, _ in iter_links_leaving(root)}
            if str(src_path) in leaving:
                problems.add(Location(display_path(src_path)),
                             "lien vers un fichier hors du dossier du contrat : refusé (copiez le fichier dans le "
                             "dossier du contrat)")
                continue
            if not src_path.is_file():
                continue
        try:
            raw, text, may_hold_forbidden = _read_text(src_path)
        except NotUTF8 as exc:
            problems.add(Location(display_path(src_path), exc.line, exc.column),
                         f"le fichier n'est pas enregistré en UTF-8 (octet 0x{exc.byte:02X} illisible) : "
                         "enregistrez-le avec le codage UTF-8")
            files[rel_path] = SourceFile(src_path=src_path, rel_path=rel_path, text="", is_unreadable=True)
            continue
        except TooLarge:
            problems.add(Location(display_path(src_path)),
                         f"fichier trop gros (plus de {MAX_FILE_BYTES // 2**20} Mo) pour un fichier de contenu")
            files[rel_path] = SourceFile(src_path=src_path, rel_path=rel_path, text="", is_unreadable=True)
            continue
        except OSError as exc:  # unreadable (permissions), or removed since the folder was listed
            problems.add(Location(display_path(src_path)), f"le fichier ne peut pas être lu ({exc.strerror})")
            continue
        if may_hold_forbidden:
            text = remove_forbidden_characters(text, src_path, problems)
            raw = None  # the text may have lost characters: the bytes are no longer its own
        source = SourceFile(src_path=src_path, rel_path=rel_path, text=text, raw=raw)
        if source.is_yaml:
            parse_yaml(text, source, problems)
        files[rel_path] = source
    return SourceTree(root=root, files=files)


def iter_contract_roots(content_dir: Path) -> Iterator[Path]:
    """Yield the contract folders of `content_dir`: each folder holding a `contrat.yaml`, sorted."""
    for child in sorted(content_dir.iterdir()):
        if child.is_dir() and (child / "contrat.yaml").is_file():
            yield child
