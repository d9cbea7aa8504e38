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


# --- a new avenant ----------------------------------------------------------------------------------------------

# One example per action an avenant may take, shown in the new avenant's comments when its kind allows it.
_EXAMPLES = {
    ("article", "supprimer"): ('- article: 7\n  supprimer: true', "« L'article 7 est supprimé. »"),
    ("article", "rediger"): ('- article: 4\n  rediger: {dossier}/article-4.md', "« L'article 4 est ainsi rédigé : »"),
    ("article", "remplacer"): ('- article: 5\n  remplacer: "1 800 000 €"\n  par: "2 130 000 €"',
                               "« Au deuxième alinéa de l'article 5, le montant : … est remplacé par : … »"),
    ("article", "completer"): ('- article: 6\n  completer: {dossier}/article-6.md',
                               "« L'article 6 est complété par un alinéa ainsi rédigé : »"),
    ("apres_article", "inserer"): ('- apres_article: 3\n  inserer: {dossier}/article-3-1.md',
                                   "« Après l'article 3, il est inséré un article 3-1 ainsi rédigé : »"),
    ("fiche", "supprimer"): ('- fiche: "2.2"\n  supprimer: true', "« La fiche-projet 2.2 est supprimée. »"),
    ("fiche", "modifier"): ('- fiche: "2.3"\n  modifier:\n    echeancier.depenses.investissement: {{2022: 100000}}',
                            "« La fiche-projet 2.3 est ainsi modifiée : »"),
    ("axe", "ajouter_fiche"): ('- axe: 2\n  ajouter_fiche: {dossier}/nouvelle-fiche.yaml',
                               "la fiche prend le numéro suivant de l'axe, jamais celui d'une fiche supprimée"),
    ("partie", "representant"): ('- partie: etat\n  representant: {{civilite: Madame, nom: Marie DURAND, '
                                 'qualite: Préfète du Pas-de-Calais}}', "un nouveau signataire pour une partie"),
}


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def create_avenant(root: Path, changes: dict[str, dict]) -> Path:
    """Create the next avenant of the contract in `root` (`avenants/NN-avenant.yaml`), every value still to write
    holding a marker: its date, object, exposé and, for each party empowered by a deliberation, the deliberation
    that authorises it to sign this avenant (never the contract's, never today by default). `changes` is what the
    contract's kind lets an avenant change (`Kind.avenant_changes`): its examples are in the comments."""
    import yaml

    contrat = yaml.safe_load((root / "contrat.yaml").read_text(encoding="utf-8")) or {}
    folder = root / "avenants"
    numero = len(list(folder.glob("*.yaml"))) + 1 if folder.is_dir() else 1
    name = f"{numero:02}-avenant"
    dest = folder / f"{name}.yaml"
    if dest.exists() or (folder / name).exists():
        raise ScaffoldError(f"{display_path(dest)} existe déjà : rien n'a été modifié")
    signature = contrat.get("signature") or {}
    slug = root.name
    lines = [
        f"# Avenant n° {numero} au contrat « {root.name} », créé par « python build.py avenant nouveau {slug} ».",
        "# Remplacez chaque « [À COMPLÉTER] », puis : python build.py verifier " + slug,
        f"# et : python build.py avenant {slug} {numero}",
        "# Un article ou une fiche se désigne par son numéro EN VIGUEUR à la date de l'avenant : les numéros ne",
        "# changent jamais (un article supprimé garde sa place, un article inséré après l'article 3 est le 3-1 ;",
        "# voir docs/avenants.md).",
        "",
        "# Date de signature de l'avenant, AAAA-MM-JJ (obligatoire).",
        "date: " + _quoted(f"{MARKER} : date de signature]"),
        "# Commune où l'avenant est signé (obligatoire).",
        "lieu: " + _quoted(str(signature.get("lieu") or f"{MARKER} : lieu de signature]")),
        "# Nombre d'exemplaires originaux (facultatif).",
        f"exemplaires: {signature.get('exemplaires') or 2}",
        "# Ce que fait l'avenant, en une phrase (obligatoire).",
        "objet: " + _quoted(f"{MARKER} : objet de l'avenant]"),
        "# Exposé : pourquoi le contrat est modifié (Markdown, obligatoire).",
        "expose: |",
        f"  {MARKER} : exposé des motifs]",
    ]
    empowered = [p for p in contrat.get("parties") or [] if isinstance(p, dict) and p.get("habilitation")]
    if empowered:
        lines += ["# La délibération qui autorise chaque partie à signer CET avenant : la sienne, pas celle du "
                  "contrat (obligatoire).", "habilitations:"]
        for partie in empowered:
            lines += [f"  {partie['id']}:",
                      "    organe: " + _quoted(str(partie["habilitation"].get("organe") or f"{MARKER} : organe]")),
                      "    date: " + _quoted(f"{MARKER} : date de la délibération]"),
                      "    numero: " + _quoted(f"{MARKER} : numéro de la délibération]")]
    lines += ["# Les modifications, dans l'ordre des articles de l'avenant : chacune vise une cible et fait une",
              f"# chose. Les textes qu'elles citent vont dans le dossier {AVENANTS_FOLDER}/{name}/. Par exemple :"]
    for (target, action), (example, effect) in _EXAMPLES.items():
        if action in changes.get(target, {}):
            lines.append(f"#   ({effect})")
            lines += ["#   " + line for line in example.format(dossier=f"{AVENANTS_FOLDER}/{name}").split("\n")]
    lines += ["modifications: []", ""]
    folder.mkdir(exist_ok=True)
    (folder / name).mkdir()
    dest.write_text("\n".join(lines), encoding="utf-8")
    return dest


AVENANTS_FOLDER = "avenants"
