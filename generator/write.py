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
from dataclasses import dataclass
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
    """The record of what the engine wrote: output path → hash of its bytes and of its sources."""

    def __init__(self, output_dir: Path):
        self.output_dir = output_dir
        self.path = output_dir / MANIFEST_NAME
        try:
            self.entries: dict[str, dict[str, str]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            self.entries = {}

    def key(self, dest_path: Path) -> str:
        return dest_path.relative_to(self.output_dir).as_posix()

    def record(self, dest_path: Path, data: bytes, sources_hash: str) -> None:
        self.entries[self.key(dest_path)] = {"sha256": sha256(data), "sources": sources_hash}

    def save(self) -> None:
        text = json.dumps(self.entries, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        atomic_write(self.path, text.encode("utf-8"))


def write_outputs(outputs: list[Output], output_dir: Path) -> list[Path]:
    """Write every output atomically, record each in the manifest, and return the written paths."""
    remove_stale_temporaries(output_dir)
    manifest = Manifest(output_dir)
    written = []
    for output in outputs:
        atomic_write(output.dest_path, output.data)
        manifest.record(output.dest_path, output.data, output.sources_hash)
        written.append(output.dest_path)
    manifest.save()
    return written
