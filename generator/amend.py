"""Amend stage: an avenant is a change to content expressed as data; applying it gives the next version.

`content/<contract>/avenants/NN-<slug>.yaml` lists its changes (`modifications`). Applying avenants 1 to n to
the loaded content folder gives the consolidated content of version n, as a new `SourceTree`: the later stages
validate, compute and render it like any contract. Changes to articles and parties are the same for every kind;
a kind adds its own (a CRTE's fiches) through `Kind.amend`.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import model_validator

from .errors import Problems
from .kinds.common import Representant
from .load import SourceFile, SourceTree
from .schema import Model
from .validate import validate_source

AVENANTS_DIR = "avenants"


class Modification(Model):
    """One change of an avenant: a target (article, fiche, axis or party) and one action on it."""

    article: int | None = None
    """Number of the article changed, in the version before the avenant."""
    fiche: str | None = None
    """Number of the fiche changed, in the version before the avenant: « 3.2 »."""
    axe: int | None = None
    """Number of the axis a fiche is added to."""
    partie: str | None = None
    """`id` of the party whose representative changes."""

    rediger: str | None = None
    """Markdown file of the article's new text (« est ainsi rédigé »), its first line `# Title`."""
    completer: str | None = None
    """Markdown file of the text added at the end of the article (« est complété par »)."""
    remplacer: str | None = None
    """Words of the article to replace (« les mots … sont remplacés par … »)."""
    par: str | None = None
    """Words that replace `remplacer`."""
    supprimer: bool = False
    """The article or fiche is deleted (« est supprimé »)."""
    modifier: dict[str, Any] | None = None
    """New values of a fiche's fields, by dotted path: `echeancier.depenses.investissement: {2022: 1000000}`."""
    ajouter_fiche: str | None = None
    """YAML file of a fiche added at the end of `axe`."""
    representant: Representant | None = None
    """The party's new representative."""

    @model_validator(mode="after")
    def _one_target_one_action(self) -> "Modification":
        targets = [name for name in ("article", "fiche", "axe", "partie") if getattr(self, name) is not None]
        actions = [name for name in ("rediger", "completer", "remplacer", "modifier", "ajouter_fiche",
                                     "representant") if getattr(self, name) is not None]
        if self.supprimer:
            actions.append("supprimer")
        if len(targets) != 1:
            raise ValueError("une modification vise exactement une cible : article, fiche, axe ou partie")
        if len(actions) != 1:
            raise ValueError("une modification fait exactement une chose : rediger, completer, remplacer (avec "
                             "par), supprimer, modifier, ajouter_fiche ou representant")
        if (self.remplacer is None) != (self.par is None):
            raise ValueError("« remplacer » et « par » vont ensemble")
        allowed = {"article": {"rediger", "completer", "remplacer", "supprimer"},
                   "fiche": {"modifier", "supprimer"}, "axe": {"ajouter_fiche"}, "partie": {"representant"}}
        if actions[0] not in allowed[targets[0]]:
            raise ValueError(f"« {actions[0]} » ne s'applique pas à : {targets[0]}")
        return self

    @property
    def action(self) -> str:
        for name in ("rediger", "completer", "remplacer", "modifier", "ajouter_fiche", "representant"):
            if getattr(self, name) is not None:
                return name
        return "supprimer"


class Avenant(Model):
    """`avenants/NN-<slug>.yaml`: an amendment to the contract, numbered by its position among the avenants."""

    date: dt.date
    """Date of signature of the avenant."""
    lieu: str
    """Town where it is signed."""
    exemplaires: int = 2
    """Number of originals."""
    objet: str
    """What the avenant does, in one sentence."""
    expose: str
    """« Exposé » (Markdown): why the contract is amended."""
    modifications: list[Modification]
    """The changes, in the order of the avenant's articles."""


@dataclass
class AvenantSource:
    """A validated avenant, its number and its file."""

    numero: int
    avenant: Avenant
    source: SourceFile


@dataclass
class Change:
    """A modification once applied: what it targeted, as numbered before the avenant, and its old state."""

    modification: Modification
    index: int
    target_label: str
    before: Any = None
    after: Any = None


@dataclass
class Version:
    """The content after avenants 1 to `numero` (0: the original contract)."""

    numero: int
    tree: SourceTree
    avenant: AvenantSource | None = None
    changes: list[Change] = field(default_factory=list)
    earlier: list[AvenantSource] = field(default_factory=list)
    """The avenants before this version's own."""


def load_avenants(tree: SourceTree, problems: Problems) -> list[AvenantSource]:
    """Return the contract's avenants, validated, in the order of their file names (their number)."""
    avenants = []
    for source in tree.iter_files(AVENANTS_DIR, ".yaml"):
        avenant = validate_source(source, Avenant, problems)
        if avenant is not None:
            avenants.append(AvenantSource(len(avenants) + 1, avenant, source))
    return avenants


class TreeEditor:
    """Copy-on-write edits of a SourceTree's files: the original tree is never changed."""

    def __init__(self, tree: SourceTree):
        self.tree = tree
        self.files = dict(tree.files)
        self.deferred: list = []
        """Edits run once every modification of the avenant has found its target by its old number."""

    def data(self, rel_path: str) -> Any:
        """Return the (copied, editable) data of a YAML file of the new tree."""
        source = self.files[rel_path]
        if source is self.tree.files.get(rel_path):
            source = SourceFile(source.src_path, source.rel_path, source.text, copy.deepcopy(source.data))
            self.files[rel_path] = source
        return source.data

    def set_text(self, rel_path: str, text: str, like: SourceFile) -> None:
        self.files[rel_path] = SourceFile(like.src_path, rel_path, text)

    def add(self, rel_path: str, source: SourceFile) -> None:
        self.files[rel_path] = SourceFile(source.src_path, rel_path, source.text, copy.deepcopy(source.data))

    def remove(self, rel_path: str) -> None:
        self.files.pop(rel_path, None)

    def build(self) -> SourceTree:
        return SourceTree(self.tree.root, self.files)


def apply_avenant(version: Version, avenant: AvenantSource, kind, problems: Problems) -> Version | None:
    """Return the version after `avenant`, or None after adding every problem (unknown target, conflict)."""
    editor = TreeEditor(version.tree)
    contrat = editor.data("contrat.yaml")
    where = avenant.source.location
    changes: list[Change] = []
    seen: dict[tuple[str, Any], int] = {}
    for index, modification in enumerate(avenant.avenant.modifications):
        path = ("modifications", index)
        target = next((name, getattr(modification, name)) for name in ("article", "fiche", "axe", "partie")
                      if getattr(modification, name) is not None)
        if target in seen and target[0] != "axe":
            problems.add(where(path), f"avenant n° {avenant.numero} : deux modifications visent "
                                      f"{_label(*target)} (modifications {seen[target] + 1} et {index + 1})")
            continue
        seen[target] = index
        change = Change(modification, index, _label(*target))
        if modification.article is not None:
            ok = _apply_article(editor, contrat, modification, change, avenant, path, problems)
        elif modification.partie is not None:
            ok = _apply_partie(contrat, modification, change, avenant, path, problems)
        elif kind.amend is not None:
            ok = kind.amend(editor, contrat, modification, change, avenant, path, problems)
        else:
            problems.add(where(path), f"ce type de document n'a pas de {target[0]} à modifier")
            ok = False
        if ok:
            changes.append(change)
    for finish in editor.deferred:
        finish()
    if problems.errors:
        return None
    earlier = [*version.earlier, version.avenant] if version.avenant else []
    return Version(version.numero + 1, editor.build(), avenant, changes, earlier)


def _label(target: str, value: Any) -> str:
    return {"article": f"l'article {value}", "fiche": f"la fiche {value}", "axe": f"l'axe {value}",
            "partie": f"la partie « {value} »"}[target]


def _markdown(editor: TreeEditor, rel: str, avenant: AvenantSource, path, problems: Problems) -> SourceFile | None:
    source = editor.files.get(rel)
    if source is None or not rel.endswith(".md"):
        problems.add(avenant.source.location(path), f"fichier Markdown introuvable : « {rel} »")
        return None
    return source


def _apply_article(editor, contrat, modification, change, avenant, path, problems) -> bool:
    articles = contrat.get("articles", [])
    numero = modification.article
    if not 1 <= numero <= len(articles):
        problems.add(avenant.source.location(path + ("article",)),
                     f"avenant n° {avenant.numero} : l'article {numero} n'existe pas (le contrat en compte "
                     f"{len(articles)})")
        return False
    rel = articles[numero - 1]
    old = editor.files[rel]
    change.before = old.text
    if modification.supprimer:
        # A deleted article keeps its number (legal texts are not renumbered): its text says it is deleted.
        title = next((line[2:].strip() for line in old.text.splitlines() if line.startswith("# ")), "")
        change.after = f"# {title}\n\n*(Article supprimé par l'avenant n° {avenant.numero}.)*\n"
        editor.set_text(rel, change.after, old)
        return True
    if modification.remplacer is not None:
        if modification.remplacer not in old.text:
            problems.add(avenant.source.location(path + ("remplacer",)),
                         f"avenant n° {avenant.numero} : les mots « {modification.remplacer} » ne figurent pas à "
                         f"l'article {numero}")
            return False
        change.after = old.text.replace(modification.remplacer, modification.par)
    else:
        text_rel = modification.rediger or modification.completer
        source = _markdown(editor, text_rel, avenant, path + (modification.action,), problems)
        if source is None:
            return False
        change.after = source.text if modification.rediger else old.text.rstrip("\n") + "\n\n" + source.text
    editor.set_text(rel, change.after, old)
    return True


def _apply_partie(contrat, modification, change, avenant, path, problems) -> bool:
    parties = contrat.get("parties", [])
    partie = next((p for p in parties if p.get("id") == modification.partie), None)
    if partie is None:
        known = ", ".join(p.get("id", "?") for p in parties)
        problems.add(avenant.source.location(path + ("partie",)),
                     f"avenant n° {avenant.numero} : la partie « {modification.partie} » n'existe pas "
                     f"(parties : {known})")
        return False
    change.before = copy.deepcopy(partie.get("representant"))
    partie["representant"] = modification.representant.model_dump()
    change.after = partie["representant"]
    change.target_label = partie.get("nom", modification.partie)
    return True


def versions(tree: SourceTree, kind, problems: Problems) -> list[Version]:
    """Return the original version and one version per avenant, each the previous one amended.

    Avenants must be dated after the contract's signature and after each other; a problem stops the chain.
    """
    chain = [Version(0, tree)]
    avenants = load_avenants(tree, problems)
    contrat = tree.get("contrat.yaml").data or {}
    previous_date = (contrat.get("signature") or {}).get("date")
    for avenant in avenants:
        if isinstance(previous_date, dt.date) and avenant.avenant.date <= previous_date:
            what = "le contrat" if avenant.numero == 1 else f"l'avenant n° {avenant.numero - 1}"
            problems.add(avenant.source.location(("date",)),
                         f"l'avenant n° {avenant.numero} est daté du {avenant.avenant.date:%d/%m/%Y}, pas après "
                         f"{what} ({previous_date:%d/%m/%Y})")
            break
        previous_date = avenant.avenant.date
        following = apply_avenant(chain[-1], avenant, kind, problems)
        if following is None:
            break
        chain.append(following)
    return chain
