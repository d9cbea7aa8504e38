"""Write stage: atomic writes of rendered files, recorded in a manifest keyed by content hashes.

A file is written to a temporary file in its destination folder, flushed to disk, then moved over the old
one with `os.replace`: a reader (or a build killed half-way) sees the old complete file or the new complete
file, never a partial one. The manifest (`output/.paraphe-manifest.json`) records, for every output, the hash
of its bytes and the hash of the sources it was made from.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from .errors import BuildFailed, Location, ParapheError, Problem, display_path

MANIFEST_NAME = ".paraphe-manifest.json"
TEMP_PREFIX = ".paraphe-tmp-"
LOCK_NAME = ".paraphe-verrou"
"""The lock file of a contract's output folder, held by the build writing into it."""
LOCK_TIMEOUT = 600.0
"""Seconds a build waits for another one to finish writing the same contract before giving up on it."""


class ContractNameError(ParapheError):
    """A name given for a contract is not the name of one folder (« .. », « a/b », empty…)."""


def contract_name_problem(name: str) -> str | None:
    """Return why `name` cannot be a contract's name (in French), or None when it is one folder's name.

    A contract is named by one path segment: never empty, « . » or « .. », without « / », « \\ », NUL or
    control characters, not hidden (a leading dot is the engine's own files), at most 200 characters.
    """
    if not name:
        return "nom de contrat vide"
    if name in (".", ".."):
        return f"« {name} » n'est pas un nom de contrat (un seul nom de dossier, sans chemin)"
    if "/" in name or "\\" in name:
        return f"« {name} » n'est pas un nom de contrat : un seul nom de dossier, sans « / » ni « \\ »"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "le nom de contrat contient un caractère de contrôle"
    if name.startswith("."):
        return f"« {name} » n'est pas un nom de contrat : il ne peut pas commencer par un point"
    if len(name) > 200:
        return "nom de contrat trop long (200 caractères au plus)"
    return None


def check_contract_name(name: str) -> str:
    """Return `name` when it is a contract's name; raise ContractNameError (in French) otherwise."""
    problem = contract_name_problem(name)
    if problem is not None:
        raise ContractNameError(problem)
    return name


class WriteFailed(BuildFailed):
    """Writing a contract's outputs failed (read-only folder, full disk, a path leaving the folder): its
    problems say where; `kept_aside` lists the hand-edited files already kept aside before it failed."""

    def __init__(self, problems: list[Problem], kept_aside: list[tuple[Path, Path]] | None = None):
        super().__init__(problems)
        self.kept_aside = kept_aside or []


_REASONS = {
    errno.EROFS: "le disque ou le dossier est en lecture seule",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota de disque est atteint",
    errno.EISDIR: "un dossier porte ce nom",
    errno.ENOTDIR: "un fichier se trouve à la place d'un dossier du chemin",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.EIO: "erreur d'entrée-sortie du disque",
}


_READ_REASONS = {
    errno.EACCES: "lecture non permise",
    errno.EPERM: "lecture non permise",
    errno.EISDIR: "un dossier porte ce nom",
    errno.EIO: "erreur d'entrée-sortie du disque",
}


def write_error_message(exc: OSError) -> str:
    """Return, in French, why a file could not be written."""
    reason = _REASONS.get(exc.errno)
    if reason is None:
        reason = f"erreur du système ({exc.strerror or exc.__class__.__name__})"
    return f"écriture impossible : {reason} ; rien n'a été écrit à moitié"


def _inside(path: Path, folder: Path) -> bool:
    """Tell whether `path`, its links followed, lies in `folder` (whose links are followed too)."""
    real_folder = os.path.realpath(folder)
    real = os.path.realpath(path)
    return real == real_folder or real.startswith(real_folder.rstrip(os.sep) + os.sep)


def check_inside(path: Path, folder: Path) -> None:
    """Raise WriteFailed unless `path` (its folder's links followed) lies in `folder`, below it."""
    if path.name in ("", "..") or not _inside(path.parent, folder):  # pathlib never names a path « . »
        raise WriteFailed([Problem(Location(display_path(path)),
                                   f"chemin de sortie hors du dossier du contrat {display_path(folder)} : "
                                   "rien n'a été écrit")])


def _file_mode() -> int:
    """Return the mode a new file gets under the current umask (mkstemp would give 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(dest_path: Path, data: bytes) -> None:
    """Write `data` to `dest_path` atomically (temporary file in the same folder, fsync, os.replace)."""
    dest_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=dest_path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _file_mode())
        os.replace(tmp_name, dest_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(folder: Path) -> int:
    """Delete the temporary files a killed build left in a contract's output folder and its subfolders (links
    to folders are not followed); return how many."""
    count = 0
    for directory, _, files in os.walk(folder):  # followlinks=False: never leaves the folder
        for name in files:
            if name.startswith(TEMP_PREFIX):
                Path(directory, name).unlink(missing_ok=True)
                count += 1
    return count


@dataclass
class Output:
    """A rendered file waiting to be written: where, its bytes, and the hash of what it was made from."""

    dest_path: Path
    data: bytes
    sources_hash: str
    signatories: tuple[str, ...] = ()
    """Who signs the document, in the order of its signature table (each gets a signature field in its PDF)."""


class Manifest:
    """The record of what the engine wrote in one contract's output folder.

    For each output (path relative to the folder): the hash of its bytes, the hash of its sources, and its size
    and modification time as written (so that an unchanged file is recognised without reading it); for the
    folder: the fingerprint of the inputs it was built from (`inputs`), which lets an unchanged contract be
    skipped.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / MANIFEST_NAME
        self.problem: Problem | None = None
        """Why the manifest on disk could not be read, in French (then it counts as absent: no output is known,
        the files already there are kept aside as hand-edited ones); a warning of the build."""
        try:
            data = json.loads(self.path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            data = {}
        except OSError as exc:
            data = self._refuse(f"illisible ({_READ_REASONS.get(exc.errno) or exc.strerror or 'erreur du système'})")
        except UnicodeDecodeError as exc:
            data = self._refuse(f"n'est pas enregistré en UTF-8 (octet 0x{exc.object[exc.start]:02X} illisible)")
        except json.JSONDecodeError as exc:
            data = self._refuse("n'est pas du JSON valide", exc.lineno, exc.colno)
        outputs = data.get("outputs", {}) if isinstance(data, dict) else None
        if not (isinstance(outputs, dict) and all(isinstance(e, dict) for e in outputs.values())):
            if self.problem is None:
                self._refuse("n'a pas la forme attendue (un objet JSON dont « outputs » donne un objet par "
                             "document)")
            data, outputs = {}, {}
        self.inputs: str | None = data.get("inputs") if isinstance(data.get("inputs"), str) else None
        self.entries: dict[str, dict] = outputs or {}

    def _refuse(self, reason: str, line: int | None = None, column: int | None = None) -> dict:
        """Note why the manifest on disk is ignored, and return the empty data it counts as."""
        self.problem = Problem(Location(display_path(self.path), line, column),
                               f"registre des documents écrits {reason} : il est ignoré, les documents déjà "
                               "présents sont conservés à part comme s'ils avaient été modifiés à la main, et il "
                               "est écrit à neuf", is_warning=True)
        return {}

    def key(self, dest_path: Path) -> str:
        return dest_path.relative_to(self.folder).as_posix()

    def record(self, dest_path: Path, data: bytes, sources_hash: str) -> None:
        """Record an output about to be written; its previous hashes stay valid until `commit()` (those of
        every build interrupted since the last complete one: the file on disk may still be any of them)."""
        key = self.key(dest_path)
        old = self.entries.get(key, {})
        entry = {"sha256": sha256(data), "sources": sources_hash, "size": len(data)}
        previous = [h for h in [old.get("sha256"), *_hashes(old.get("previous"))] if h and h != entry["sha256"]]
        if previous:
            entry["previous"] = list(dict.fromkeys(previous))
        self.entries[key] = entry

    def commit(self, written: list[Path], inputs: str | None) -> None:
        """Forget the previous hashes once every recorded output is written, note what the files look like on
        disk and the inputs they come from, and save."""
        for path in written:
            self.entries[self.key(path)]["mtime_ns"] = path.stat().st_mtime_ns
        for entry in self.entries.values():
            entry.pop("previous", None)
        self.inputs = inputs
        self.save()

    def _is_as_written(self, path: Path, entry: dict) -> bool:
        try:
            status = path.lstat()
        except (FileNotFoundError, NotADirectoryError):
            return False
        return (stat.S_ISREG(status.st_mode) and status.st_size == entry.get("size")
                and status.st_mtime_ns == entry.get("mtime_ns"))

    def is_engine_output(self, dest_path: Path) -> bool:
        """Tell whether the file at `dest_path` is what the engine wrote there (now or before this build); a
        folder or a link put in its place is not."""
        entry = self.entries.get(self.key(dest_path))
        if entry is None or not isinstance(entry, dict):
            return False
        if self._is_as_written(dest_path, entry):
            return True
        if not stat.S_ISREG(dest_path.lstat().st_mode):
            return False
        return sha256(dest_path.read_bytes()) in (entry.get("sha256"), *_hashes(entry.get("previous")))

    def is_up_to_date(self, inputs: str) -> bool:
        """Tell whether the folder was built from these inputs and every output is still as written."""
        return self.inputs == inputs and bool(self.entries) and all(
            self._is_as_written(self.folder / key, entry) for key, entry in self.entries.items())

    def save(self) -> None:
        data = {"inputs": self.inputs, "outputs": self.entries}
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        atomic_write(self.path, text.encode("utf-8"))


def _hashes(previous) -> list[str]:
    """Return the previous hashes of a manifest entry (one string in the manifests of earlier versions)."""
    if isinstance(previous, str):
        return [previous]
    return [h for h in previous if isinstance(h, str)] if isinstance(previous, list) else []


@dataclass
class WriteReport:
    """What the write stage did: files written, and hand-edited files it kept aside instead of overwriting."""

    written: list[Path] = field(default_factory=list)
    kept_aside: list[tuple[Path, Path]] = field(default_factory=list)
    """(output path, where the hand-edited file now is)."""
    warnings: list[Problem] = field(default_factory=list)
    """What the user should know of the folder: its manifest could not be read, say."""


def is_hand_edited(dest_path: Path, manifest: "Manifest") -> bool:
    """Tell whether a file at an output path is not what the engine wrote there (edited by hand, or put
    there by someone else)."""
    return (dest_path.exists() or dest_path.is_symlink()) and not manifest.is_engine_output(dest_path)


def aside_path(dest_path: Path, now: datetime) -> Path:
    """Return where a hand-edited file is kept: « contrat.modifie-20261121-213000.docx »."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    candidate = dest_path.with_name(f"{dest_path.stem}.modifie-{stamp}{dest_path.suffix}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = dest_path.with_name(f"{dest_path.stem}.modifie-{stamp}-{counter}{dest_path.suffix}")
    return candidate


def write_outputs(outputs: list[Output], folder: Path, *, force: bool = False, inputs: str | None = None,
                  on_wait: Callable[[Path], None] | None = None, lock_timeout: float = LOCK_TIMEOUT
                  ) -> WriteReport:
    """Write a contract's outputs atomically into its output folder and record them in its manifest.

    A file changed by hand since the engine wrote it is never overwritten: it is renamed with a timestamp and
    kept beside the new one, unless `force` is set. The manifest is saved with the new hashes before the files
    are replaced, keeping the old ones until every file is written: a build killed half-way leaves files that
    are each the old or the new version, both known to the manifest.

    The folder is locked while it is written: a build that finds it locked calls `on_wait(folder)` and waits
    (at most `lock_timeout` seconds). Raises WriteFailed (French, naming the path) when a path leaves the
    folder or a write fails; the files it kept aside before are in the exception.
    """
    problem = contract_name_problem(folder.name)
    if problem is None and (not _inside(folder, folder.parent)
                            or os.path.realpath(folder) == os.path.realpath(folder.parent)):
        problem = "le dossier du contrat est un lien qui sort du dossier de sortie : rien n'a été écrit"
    if problem is not None:
        raise WriteFailed([Problem(Location(display_path(folder)), problem)])
    for output in outputs:
        check_inside(output.dest_path, folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(folder / LOCK_NAME)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait is not None:
                on_wait(folder)
            try:
                lock.acquire(timeout=lock_timeout)
            except Timeout:
                raise WriteFailed([Problem(Location(display_path(folder)),
                                           "une autre construction écrit dans ce dossier depuis plus de "
                                           f"{round(lock_timeout)} s : ce contrat n'a pas été écrit")]) from None
    except OSError as exc:
        raise WriteFailed([Problem(Location(display_path(folder)), write_error_message(exc))]) from None
    try:
        return _write_locked(outputs, folder, force, inputs)
    finally:
        lock.release()


def _write_locked(outputs: list[Output], folder: Path, force: bool, inputs: str | None) -> WriteReport:
    """Write the outputs into their folder, which this build has locked."""
    report = WriteReport()
    current = folder
    try:
        remove_stale_temporaries(folder)
        manifest = Manifest(folder)
        if manifest.problem is not None:
            report.warnings.append(manifest.problem)
        now = datetime.now()
        for output in outputs:
            current = output.dest_path
            if not force and is_hand_edited(output.dest_path, manifest):
                kept = aside_path(output.dest_path, now)
                os.replace(output.dest_path, kept)
                report.kept_aside.append((output.dest_path, kept))
            manifest.record(output.dest_path, output.data, output.sources_hash)
        current = manifest.path
        manifest.save()
        for output in outputs:
            current = output.dest_path
            atomic_write(output.dest_path, output.data)
            report.written.append(output.dest_path)
        current = manifest.path
        manifest.commit(report.written, inputs)
    except OSError as exc:
        raise WriteFailed([Problem(Location(display_path(current)), write_error_message(exc))],
                          report.kept_aside) from None
    return report
