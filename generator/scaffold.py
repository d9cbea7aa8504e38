"""New contracts from a kind's model, and the « [À COMPLÉTER] » markers that say what remains to write.

A kind's model is a content folder in `templates/<kind>/nouveau/`, every field present and commented in French.
Required content not yet written holds a marker: a valid value, so that a new folder builds at once into a draft
marked « PROJET »; `verifier` lists every marker left.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from .errors import Location, ParapheError, Problems, display_path
from .load import SourceTree

_PLACEHOLDER = re.compile(r"\{(annee|annee_[1-5]|aujourdhui)\}")

MARKER = "[À COMPLÉTER"
"""Start of every marker: « [À COMPLÉTER] », « [À COMPLÉTER : ville] »."""


class ScaffoldError(ParapheError):
    """A new contract folder cannot be created (unknown kind, folder already there)."""


def model_dir(templates_dir: Path, kind: str) -> Path:
    return templates_dir / kind / "nouveau"


def create(kind: str, slug: str, content_dir: Path, templates_dir: Path, today: dt.date | None = None) -> Path:
    """Create `content_dir/slug` from the model of `kind`; never overwrite an existing folder."""
    source = model_dir(templates_dir, kind)
    if not source.is_dir():
        known = sorted(p.parent.name for p in templates_dir.glob("*/nouveau"))
        raise ScaffoldError(f"pas de modèle pour le type « {kind} » (modèles : {', '.join(known)})")
    if not slug or "/" in slug or slug.startswith("."):
        raise ScaffoldError(f"nom de dossier invalide : « {slug} »")
    dest = content_dir / slug
    content_dir.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        raise ScaffoldError(f"{display_path(dest)} existe déjà : rien n'a été modifié")
    today = today or dt.date.today()
    values = {"annee": today.year, "aujourdhui": today.isoformat(),
              **{f"annee_{i}": today.year + i for i in range(1, 6)}}
    # Written beside, then renamed: a new folder appears whole or not at all.
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=content_dir))
    try:
        for src_path in sorted(p for p in source.rglob("*") if p.is_file()):
            target = staging / src_path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if src_path.suffix == ".yaml":
                text = _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), src_path.read_text(encoding="utf-8"))
                target.write_text(text, encoding="utf-8")
            else:
                shutil.copyfile(src_path, target)
        staging.rename(dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest


def find_markers(tree: SourceTree, only: Callable[[str], bool] | None = None) -> Problems:
    """Return a problem for every marker left in the contract's files (those `only` keeps), with its file and
    line."""
    found = Problems()
    for rel_path in sorted(tree.files):
        source = tree.files[rel_path]
        if MARKER not in source.text or (only is not None and not only(rel_path)):
            continue
        for number, line in enumerate(source.text.split("\n"), start=1):
            if line.lstrip().startswith("#") and source.is_yaml:
                continue  # a YAML comment explains a field, it is not content
            column = line.find(MARKER)
            if column >= 0:
                end = line.find("]", column)
                what = line[column:end + 1] if end >= 0 else line[column:]
                found.add(Location(source.display_path, number, column + 1), f"à compléter : {what}")
    return found
