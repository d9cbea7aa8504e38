"""Compiled templates kept on disk, so that a process builds one contract without compiling its templates again.

Compiling a CRTE's three templates (reading the package, docxtpl's regular expressions, Jinja's parse, code
generation and Python's compile) was a third of the instructions of `python build.py construire <contrat>` from
cold. A compiled template is stored under the key of everything it comes from: the template's bytes, the engine's
code (every module of `generator`), the versions of Python, Jinja, docxtpl and python-docx. Its Jinja templates
are stored as Python code objects (`marshal`, as Jinja's own bytecode cache does), the rest as it is. A file that
cannot be read or written, or does not load, is compiled again: the cache only saves time.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import re
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from .template import CompiledTemplate, docx_template_class

_PACKAGE = Path(__file__).resolve().parent.parent
CACHE_DIR = _PACKAGE.parent / "output" / ".paraphe-cache" / "modeles"
"""Where compiled templates are kept: in the project's output folder (git ignores it, and the engine writes
nowhere else)."""

KEPT = 64
"""How many compiled templates the folder keeps (the least recently written go first): tests and authors
editing a template make new versions, which would otherwise pile up."""

_TEMPLATE_ATTRIBUTES = ("_body",)  # attributes of a CompiledTemplate that hold a Jinja template
_TEMPLATE_DICT_ATTRIBUTES = ("_parts_with_tags", "_property_templates")  # … a dict of Jinja templates


class _Listing:
    """What a loaded template keeps of docxtpl's DocxTemplate: `resolve_listing`, which uses nothing else of it."""

    @staticmethod
    def resolve_listing(xml: str) -> str:
        return docx_template_class().resolve_listing(None, xml)


_LIBRARIES = ("jinja2", "docxtpl", "python-docx", "markupsafe")  # the libraries that compile a template
_METADATA_FOLDER = re.compile(r"(?P<name>[^-]+)-(?P<version>[^-]+)\.dist-info")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def installed_versions(names) -> dict[str, str]:
    """Return the version of each distribution of `names` installed on `sys.path` (the first found, as
    `importlib.metadata` finds it), read from the name of its metadata folder (`python_docx-1.2.0.dist-info`,
    as installers name it); a distribution without such a folder (an egg) is asked of `importlib.metadata`, a
    missing one left out. importlib.metadata and the e-mail parser it reads the metadata with are not imported
    by a build otherwise."""
    wanted = {_normalized(name): name for name in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:  # a zip file, a folder that does not exist
            continue
        for folder in listing:
            match = _METADATA_FOLDER.fullmatch(folder) if folder.endswith(".dist-info") else None
            if match is not None and (name := wanted.get(_normalized(match["name"]))) and name not in found:
                found[name] = match["version"]
    for name in set(names) - set(found):
        from importlib import metadata

        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """Return the hash of what a compiled template depends on besides its file: the engine's code and the
    versions of Python and of the libraries that compile it."""
    digest = hashlib.sha256(sys.version.encode() + sys.implementation.cache_tag.encode())
    versions = installed_versions(_LIBRARIES)
    for library in _LIBRARIES:
        digest.update(f"{library} {versions[library]}".encode() if library in versions else library.encode())
    for module in sorted(_PACKAGE.rglob("*.py")):
        digest.update(module.relative_to(_PACKAGE).as_posix().encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()


def compiled_template(path: Path, env, cache_dir: Path | None = CACHE_DIR) -> CompiledTemplate:
    """Return the template at `path` compiled with `env`: loaded from `cache_dir` when compiled before by the
    same engine, compiled and stored there otherwise (`cache_dir` None: compiled, never stored)."""
    if cache_dir is None:
        return CompiledTemplate(path, env)
    data = path.read_bytes()
    key = hashlib.sha256(engine_fingerprint().encode() + hashlib.sha256(data).digest()).hexdigest()
    cached = cache_dir / f"{key}.pickle"
    try:
        return _load(cached.read_bytes(), env)
    except Exception:  # absent, unreadable, or not what this engine wrote: compiled again
        pass
    recording = _RecordingEnvironment(env)
    compiled = CompiledTemplate(path, recording)
    try:
        _store(cached, _dump(compiled, recording.codes))
    except Exception:  # a read-only project, or something that does not pickle: nothing kept
        pass
    return compiled


class _RecordingEnvironment:
    """The Jinja environment, recording the code it compiles each template from (Jinja's templates do not keep
    it)."""

    def __init__(self, env):
        self._env = env
        self.codes: dict[int, object] = {}

    def __getattr__(self, name):
        return getattr(self._env, name)

    def from_string(self, source):
        code = self._env.compile(source)
        template = self._env.template_class.from_code(self._env, code, self._env.make_globals(None), None)
        self.codes[id(template)] = code
        return template


def _dump(compiled: CompiledTemplate, codes: dict[int, object]) -> bytes:
    state = dict(compiled.__dict__)
    del state["_docxtpl"]
    for name in _TEMPLATE_ATTRIBUTES:
        state[name] = marshal.dumps(codes[id(state[name])])
    for name in _TEMPLATE_DICT_ATTRIBUTES:
        state[name] = {key: marshal.dumps(codes[id(template)]) for key, template in state[name].items()}
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def _load(data: bytes, env) -> CompiledTemplate:
    state = pickle.loads(data)

    def template(code: bytes):
        return env.template_class.from_code(env, marshal.loads(code), env.make_globals(None), None)

    for name in _TEMPLATE_ATTRIBUTES:
        state[name] = template(state[name])
    for name in _TEMPLATE_DICT_ATTRIBUTES:
        state[name] = {key: template(code) for key, code in state[name].items()}
    state["_docxtpl"] = _Listing()
    compiled = CompiledTemplate.__new__(CompiledTemplate)
    compiled.__dict__.update(state)
    return compiled


def _store(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all (workers of a batch may write the same template at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".paraphe-tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    kept = sorted(path.parent.glob("*.pickle"), key=lambda entry: entry.stat().st_mtime, reverse=True)
    for old in kept[KEPT:]:
        old.unlink(missing_ok=True)
