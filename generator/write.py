"""Write stage: atomic writes of rendered files, recorded in a manifest keyed by content hashes.

A file is written to a temporary file in its destination folder, flushed to disk, then moved over the old
one with `os.replace`: a reader (or a build killed half-way) sees the old complete file or the new complete
file, never a partial one. The manifest (`output/.paraphe-manifest.json`) records, for every output, the hash
of its bytes and the hash of the sources it was made from.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

MANIFEST_NAME = ".paraphe-manifest.json"
TEMP_PREFIX = ".paraphe-tmp-"


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


def remove_stale_temporaries(output_dir: Path) -> int:
    """Delete temporary files a killed build left behind; return how many."""
    count = 0
    if output_dir.is_dir():
        for path in output_dir.rglob(TEMP_PREFIX + "*"):
            path.unlink(missing_ok=True)
            count += 1
    return count


@dataclass
class Output:
    """A rendered file waiting to be written: where, its bytes, and the hash of what it was made from."""

    dest_path: Path
    data: bytes
    sources_hash: str


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
        self.problem: str | None = None
        """Why the manifest on disk could not be read (then it counts as absent: no output is known)."""
        try:
            data = json.loads(self.path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            data = {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.problem = f"{MANIFEST_NAME} illisible, ignoré ({exc.__class__.__name__})"
            data = {}
        outputs = data.get("outputs", {}) if isinstance(data, dict) else None
        if not (isinstance(outputs, dict) and all(isinstance(e, dict) for e in outputs.values())):
            self.problem = f"{MANIFEST_NAME} invalide, ignoré"
            data, outputs = {}, {}
        self.inputs: str | None = data.get("inputs") if isinstance(data.get("inputs"), str) else None
        self.entries: dict[str, dict] = outputs or {}

    def key(self, dest_path: Path) -> str:
        return dest_path.relative_to(self.folder).as_posix()

    def record(self, dest_path: Path, data: bytes, sources_hash: str) -> None:
        """Record an output about to be written; its previous hash stays valid until `commit()`."""
        key = self.key(dest_path)
        previous = self.entries.get(key, {}).get("sha256")
        entry = {"sha256": sha256(data), "sources": sources_hash, "size": len(data)}
        if previous and previous != entry["sha256"]:
            entry["previous"] = previous
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
            stat = path.stat()
        except FileNotFoundError:
            return False
        return stat.st_size == entry.get("size") and stat.st_mtime_ns == entry.get("mtime_ns")

    def is_engine_output(self, dest_path: Path) -> bool:
        """Tell whether the file at `dest_path` is what the engine wrote there (now or before this build)."""
        entry = self.entries.get(self.key(dest_path))
        if entry is None:
            return False
        if self._is_as_written(dest_path, entry):
            return True
        return sha256(dest_path.read_bytes()) in (entry.get("sha256"), entry.get("previous"))

    def is_up_to_date(self, inputs: str) -> bool:
        """Tell whether the folder was built from these inputs and every output is still as written."""
        return self.inputs == inputs and bool(self.entries) and all(
            self._is_as_written(self.folder / key, entry) for key, entry in self.entries.items())

    def save(self) -> None:
        data = {"inputs": self.inputs, "outputs": self.entries}
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        atomic_write(self.path, text.encode("utf-8"))


@dataclass
class WriteReport:
    """What the write stage did: files written, and hand-edited files it kept aside instead of overwriting."""

    written: list[Path] = field(default_factory=list)
    kept_aside: list[tuple[Path, Path]] = field(default_factory=list)
    """(output path, where the hand-edited file now is)."""


def is_hand_edited(dest_path: Path, manifest: "Manifest") -> bool:
    """Tell whether a file at an output path is not what the engine wrote there (edited by hand, or put
    there by someone else)."""
    return dest_path.exists() and not manifest.is_engine_output(dest_path)


def aside_path(dest_path: Path, now: datetime) -> Path:
    """Return where a hand-edited file is kept: « contrat.modifie-20261121-213000.docx »."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    candidate = dest_path.with_name(f"{dest_path.stem}.modifie-{stamp}{dest_path.suffix}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = dest_path.with_name(f"{dest_path.stem}.modifie-{stamp}-{counter}{dest_path.suffix}")
    return candidate


def write_outputs(outputs: list[Output], folder: Path, *, force: bool = False, inputs: str | None = None
                  ) -> WriteReport:
    """Write a contract's outputs atomically into its output folder and record them in its manifest.

    A file changed by hand since the engine wrote it is never overwritten: it is renamed with a timestamp and
    kept beside the new one, unless `force` is set. The manifest is saved with the new hashes before the files
    are replaced, keeping the old ones until every file is written: a build killed half-way leaves files that
    are each the old or the new version, both known to the manifest.
    """
    remove_stale_temporaries(folder)
    manifest = Manifest(folder)
    report = WriteReport()
    now = datetime.now()
    for output in outputs:
        if not force and is_hand_edited(output.dest_path, manifest):
            kept = aside_path(output.dest_path, now)
            os.replace(output.dest_path, kept)
            report.kept_aside.append((output.dest_path, kept))
        manifest.record(output.dest_path, output.data, output.sources_hash)
    manifest.save()
    for output in outputs:
        atomic_write(output.dest_path, output.data)
        report.written.append(output.dest_path)
    manifest.commit(report.written, inputs)
    return report
