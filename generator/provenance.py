"""Provenance of every output (engine version, hash of its sources, generation date) and reproducible files.

The same sources give the same bytes: the generation date is the day of the build (or `SOURCE_DATE_EPOCH`, the
reproducible-builds convention), and the zip containers of DOCX and XLSX files are rewritten with that date on
every member instead of the clock's time.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import datetime, timezone

from . import __version__


@dataclass(frozen=True)
class Provenance:
    """Where an output comes from."""

    engine_version: str
    sources_hash: str
    generated: datetime

    @property
    def description(self) -> str:
        return (f"Produit par Paraphe {self.engine_version} le {self.generated:%Y-%m-%d} "
                f"à partir des sources {self.sources_hash[:16]}")


def generation_time() -> datetime:
    """Return the generation date: `SOURCE_DATE_EPOCH` when set, else today at midnight (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    today = datetime.now(timezone.utc).date()
    return datetime(today.year, today.month, today.day, tzinfo=timezone.utc)


def provenance(sources_hash: str) -> Provenance:
    return Provenance(__version__, sources_hash, generation_time())


def reproducible_zip(data: bytes, when: datetime) -> bytes:
    """Return the zip container with every member dated `when` (its bytes depend on its content only); the
    members are copied as they are compressed."""
    from .container import read_members, write_zip

    return write_zip(read_members(io.BytesIO(data)), when)
