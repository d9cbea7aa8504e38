"""Load stage: read a contract folder into memory, knowing where every YAML value stands.

Nothing here knows about kinds of documents: it reads every YAML and Markdown file of the folder and parses the
YAML (floats become `Decimal`, never binary floats); the line and column of every key and value, with which
later stages point a legal officer at the exact place of a problem, are read when a problem first asks.
"""

from __future__ import annotations

import hashlib
import os
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
        # The composer asks the tag of every untagged node. PyYAML's resolver, without path resolvers (the safe
        # loader has none), gives a collection its kind's tag, and a scalar that is not plain (quoted, or tagged
        # « ! ») the string tag; a plain scalar's tag is remembered: content repeats its keys and values from
        # file to file.
        if kind is not yaml.ScalarNode:
            return _MAP if kind is yaml.MappingNode else _SEQ
        if not implicit[0]:
            return _STR
        tag = self._resolved.get(value)
        if tag is None:
            if len(self._resolved) > 20_000:
                self._resolved.clear()
            tag = self._resolved[value] = super().resolve(kind, value, implicit)
        return tag


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    return Decimal(text)


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)

_STR, _INT, _MAP, _SEQ, _MERGE, _TIMESTAMP = (
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:merge", "tag:yaml.org,2002:timestamp")


@dataclass
class SourceFile:
    """One file of a contract folder: its text, and for YAML its data and the position of every value."""

    src_path: Path
    rel_path: str
    text: str
    data: Any = None
    is_unreadable: bool = False
    """Its YAML could not be read: loading said why, and nothing more is said of its data."""
    raw: bytes | None = field(default=None, repr=False, compare=False)
    """The UTF-8 of `text` as the file holds it, for the digest (None when reading changed the text: line ends,
    forbidden characters; and for a file an avenant made or edited)."""

    @property
    def positions(self) -> dict[Path_, tuple[int, int]]:
        """Return the line and column of every key and value of the YAML text (keys under `("__key__", …)`).

        Only a problem needs them: they are read from the text the first time one asks, not at loading (and
        kept without functools.cached_property, whose lock, on Python 3.11, all the files would share)."""
        positions = self.__dict__.get("_positions")
        if positions is None:
            positions = self.__dict__["_positions"] = self._read_positions()
        return positions

    def _read_positions(self) -> dict[Path_, tuple[int, int]]:
        positions: dict[Path_, tuple[int, int]] = {}
        if self.is_yaml:
            try:
                _read_yaml(self.text, positions)
            except yaml.YAMLError:
                pass  # the text was read once already: its problem was reported then
        return positions

    @cached_property
    def display_path(self) -> str:
        """Return the file's path as problems print it (relative to the current directory when below it)."""
        return display_path(self.src_path)

    @property
    def is_yaml(self) -> bool:
        return self.src_path.suffix in (".yaml", ".yml")

    def location(self, path: Path_ = ()) -> Location:
        """Return where the value at `path` stands, or its nearest enclosing value that has a position."""
        while path not in self.positions and path:
            path = path[:-1]
        line, column = self.positions.get(path, (None, None))
        return Location(self.display_path, line, column)

    def key_location(self, path: Path_) -> Location:
        """Return where the key of the value at `path` stands (the key of an unknown field, say)."""
        position = self.positions.get(("__key__",) + tuple(path))
        if position is None:
            return self.location(path)
        return Location(self.display_path, *position)


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
    given a `positions` dict (without one, the data only: the walk of loading).

    Plain strings, integers, mappings and sequences are built here; every other node (decimals, dates,
    booleans, merge keys, explicit tags) is built by the loader's own constructors.
    """

    def __init__(self, loader: _Loader, positions: dict[Path_, tuple[int, int]] | None = None):
        self.loader = loader
        self.positions = positions
        self.open_nodes: set[yaml.Node] = set()

    def value(self, node: yaml.Node, path: Path_) -> Any:
        positions = self.positions
        if positions is not None:
            mark = node.start_mark
            positions[path] = (mark.line + 1, mark.column + 1)
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag in (_MAP, _SEQ):
            if node in self.open_nodes:  # an alias of an enclosing collection: `&a [*a]`
                raise yaml.constructor.ConstructorError(None, None, "structure récursive (alias)", node.start_mark)
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
                    raise yaml.constructor.ConstructorError(
                        None, None, "clé invalide (une liste ou un dictionnaire)", key_node.start_mark) from None
            if positions is None:
                data[key] = value_node.value if value_node.tag == _STR else self.value(value_node, path)
                continue
            child = path + (key,)
            mark = key_node.start_mark
            positions[("__key__",) + child] = (mark.line + 1, mark.column + 1)
            if value_node.tag == _STR:  # the most frequent value: built here, without a call
                mark = value_node.start_mark
                positions[child] = (mark.line + 1, mark.column + 1)
                data[key] = value_node.value
            else:
                data[key] = self.value(value_node, child)
        return data

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag == _STR:
            return value
        if tag == _INT and value.isdigit() and (value[0] != "0" or value == "0"):  # 0777 is octal in YAML 1.1
            return int(value)
        return self.construct(node)

    def construct(self, node: yaml.Node, deep: bool = False) -> Any:
        """Build a node with the loader's constructors; a value they cannot hold (a date that does not exist,
        « .inf » as a decimal) becomes a YAML error at the node's place."""
        try:
            return self.loader.construct_object(node, deep=deep)
        except (ValueError, ArithmeticError):
            what = "date impossible" if node.tag == _TIMESTAMP else "valeur impossible"
            shown = f" « {node.value} »" if isinstance(node, yaml.ScalarNode) else ""
            raise yaml.constructor.ConstructorError(None, None, what + shown, node.start_mark) from None


def _describe(char: str) -> str:
    names = {"\x00": "caractère nul", "\x0b": "tabulation verticale", "\x0c": "saut de page"}
    return names.get(char, f"caractère de contrôle U+{ord(char):04X}")


def remove_forbidden_characters(text: str, src_path: Path, problems: Problems) -> str:
    """Return text without the characters a Word document cannot hold, each removal a warning with its place."""
    if not XML_FORBIDDEN.search(text):
        return text
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines: \v and \f end no line here
        for match in XML_FORBIDDEN.finditer(line):
            problems.add(Location(display_path(src_path), number, match.start() + 1),
                         f"caractère interdit supprimé : {_describe(match.group())} (collé depuis un traitement "
                         "de texte ?)", is_warning=True)
    return XML_FORBIDDEN.sub("", text)


def _clean_values(value: Any, path: Path_, source: "SourceFile", problems: Problems) -> Any:
    """Remove forbidden characters that YAML escapes (« \\v ») put into string values, with a warning."""
    if isinstance(value, str):
        if XML_FORBIDDEN.search(value):
            for char in sorted(set(XML_FORBIDDEN.findall(value))):
                problems.add(source.location(path), f"caractère interdit supprimé : {_describe(char)}",
                             is_warning=True)
            return XML_FORBIDDEN.sub("", value)
        return value
    if isinstance(value, dict):
        return {k: _clean_values(v, path + (k,), source, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_values(v, path + (i,), source, problems) for i, v in enumerate(value)]
    return value


def _read_yaml(text: str, positions: dict[Path_, tuple[int, int]] | None = None) -> Any:
    """Return the data of a YAML text (None for an empty one), recording positions in `positions` when given;
    YAMLError when the text cannot be read."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _Reader(loader, positions).value(node, ())
    finally:
        loader.dispose()


def parse_yaml(text: str, source: SourceFile, problems: Problems) -> None:
    """Parse YAML text into `source.data` (its positions are read when asked); a syntax error becomes a
    problem."""
    try:
        data = _read_yaml(text)
        # forbidden characters in a value can only come from an escape (« \v ») of a quoted string
        source.data = _clean_values(data, (), source, problems) if "\\" in text else data
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        what = exc.problem or exc.context or "erreur de syntaxe"
        problems.add(Location(source.display_path, line, column), f"YAML illisible : {what}")
        source.is_unreadable = True
    except yaml.YAMLError as exc:  # a reader error: bad encoding or forbidden character
        problems.add(Location(source.display_path), f"YAML illisible : {exc}")
        source.is_unreadable = True


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


def iter_content_files(root: Path) -> list[tuple[str, Path]]:
    """Return (relative path, path) of every YAML and Markdown file below `root`, hidden ones left out, in the
    order of their folders and names."""
    found = [(rel_path, Path(entry.path)) for rel_path, entry in iter_tree(root)
             if entry.name.endswith(CONTENT_SUFFIXES) and entry.is_file()]
    return sorted(found, key=lambda item: item[0].split("/"))


_CONTROL_BYTES = bytes(code for code in range(0x20) if chr(code) not in "\t\n\r")
"""The bytes of the control characters XML forbids: in UTF-8 no other character's bytes include them."""


def _read_text(src_path: Path) -> tuple[bytes | None, str, bool]:
    """Return a UTF-8 file's bytes when they are its text unchanged (None when its line ends were made « \\n »);
    its text, as `Path.read_text` gives it, a third faster (the bytes decoded at once rather than through a text
    stream); and whether it may hold a character XML forbids.

    That is looked for in the bytes, ten times faster than in the text: the UTF-8 decoder has refused the
    surrogates already, and U+FFFE and U+FFFF are three bytes each, led by EF, which French text seldom holds
    (a search for one byte is a memchr; one for three bytes is slow over the continuation bytes of accents).
    """
    data = src_path.read_bytes()
    may_hold_forbidden = (len(data.translate(None, _CONTROL_BYTES)) != len(data)
                          or (b"\xef" in data and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)))
    text = data.decode("utf-8")
    if "\r" in text:
        return None, text.replace("\r\n", "\n").replace("\r", "\n"), may_hold_forbidden
    return data, text, may_hold_forbidden


def load_contract(root: Path, problems: Problems) -> SourceTree:
    """Read every YAML and Markdown file below `root` (a contract folder) and parse the YAML ones."""
    files: dict[str, SourceFile] = {}
    for rel_path, src_path in iter_content_files(root):
        try:
            raw, text, may_hold_forbidden = _read_text(src_path)
        except UnicodeDecodeError as exc:
            problems.add(Location(display_path(src_path)), f"le fichier n'est pas en UTF-8 ({exc.reason})")
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
