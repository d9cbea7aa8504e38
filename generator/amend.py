"""Amend stage: an avenant is a change to content expressed as data; applying it gives the next version.

`content/<contract>/avenants/NN-<slug>.yaml` lists its changes (`modifications`). Applying avenants 1 to n to
the loaded content folder gives the consolidated content of version n, as a new `SourceTree`: the later stages
validate, compute and render it like any contract.

Numbers never move (guide de légistique): a deleted article keeps its place, marked deleted; an article inserted
after article 3 is « 3-1 », the next after it « 3-2 », and the articles after keep their numbers. Every avenant
names its targets by the numbers in force at its date.

A kind declares what an avenant may change in it (`Kind.avenant_changes`: target → action → model of the
action's value, or None). Changes to articles and parties are the same for every kind that allows them; a kind
applies its own (a CRTE's fiches) through `Kind.amend`. This stage reads the declaration on the kind it is
given, never importing the kinds.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Iterable

from pydantic import AfterValidator, PlainValidator, ValidationError, WithJsonSchema, model_validator

from .errors import Problems
from .load import SourceFile, SourceTree
from .schema import Engagement, Model, parse_engagement
from .validate import french_message, validate_source

AVENANTS_DIR = "avenants"

TARGETS = ("article", "apres_article", "fiche", "axe", "partie")
ACTIONS = ("rediger", "completer", "remplacer", "inserer", "modifier", "ajouter_fiche", "representant")

_A_COMPLETER = "[À COMPLÉTER"


def _is_marker(value: str) -> str:
    if not value.startswith(_A_COMPLETER):
        raise ValueError("date attendue, au format AAAA-MM-JJ (ou « [À COMPLÉTER] » dans un projet)")
    return value


Marker = Annotated[str, AfterValidator(_is_marker)]
"""« [À COMPLÉTER …] » where a draft avenant does not know a value yet (a deliberation's date)."""


class ArticleEnVigueur(Model):
    """An entry of `articles` that an avenant wrote: an article inserted (its own number) or deleted."""

    fichier: str
    """Markdown file of the article (of its last text, for a deleted article)."""
    numero: str | None = None
    """Number of an inserted article: « 3-1 » after article 3. None: the next whole number."""
    supprime_par: int | None = None
    """Number of the avenant that deleted the article: it keeps its place, marked « (supprimé) »."""


@dataclass(frozen=True)
class NumberedArticle:
    """An article of the version in force: its number, its file, and the avenant that deleted it, if any."""

    numero: int | str
    """1, 2, 3… or « 3-1 » for an inserted article."""
    fichier: str
    supprime_par: int | None = None


def number_articles(entries: Iterable[Any]) -> list[NumberedArticle]:
    """Return the articles of `articles` with their numbers in force: plain entries are numbered 1, 2, 3…
    (deleted ones included); an inserted one carries its own number and does not move the others."""
    numbered, count = [], 0
    for entry in entries:
        if isinstance(entry, str):
            entry = {"fichier": entry}
        elif not isinstance(entry, dict):
            entry = entry.model_dump()
        numero = entry.get("numero")
        if numero is None:
            count += 1
            numero = count
        numbered.append(NumberedArticle(numero, entry.get("fichier", ""), entry.get("supprime_par")))
    return numbered


def article_number_key(numero: str) -> tuple[int, int] | None:
    """Return (3, 1) for « 3-1 », (3, 0) for « 3 », None for what is not an article number."""
    match = re.fullmatch(r"(\d+)(?:-(\d+))?", str(numero).strip())
    return (int(match.group(1)), int(match.group(2) or 0)) if match else None


class Deliberation(Model):
    """The deliberation that empowers a party's representative to sign this avenant."""

    organe: str
    """The deliberating body: « conseil communautaire »."""
    date: dt.date | Marker
    """Date of the deliberation (« [À COMPLÉTER] » in a draft: never today by default)."""
    numero: str | None = None
    """Number of the deliberation, printed as is."""


_PAR_SCHEMA = {"anyOf": [{"type": "string"}, {"type": "null"}, {
    "type": "object", "properties": {"engagement": {"type": "number", "minimum": 0}}, "required": ["engagement"],
    "additionalProperties": False}]}


def parse_par(value: Any) -> str | Engagement | None:
    """Return the words that replace others in an article, or the financial commitment `{engagement: …}`."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"engagement"}:
        return parse_engagement(value["engagement"])
    raise ValueError("« par » attend les mots qui remplacent, ou un engagement financier : "
                     "« par: {engagement: 2130000} »")


class Modification(Model):
    """One change of an avenant: a target (article, fiche, axis or party) and one action on it."""

    article: int | str | None = None
    """Number of the article changed, in force at the avenant's date: 7, « 3-1 »."""
    apres_article: int | str | None = None
    """Number of the article after which a new one is inserted (`inserer`): it gets the number « 3-1 »."""
    fiche: str | None = None
    """Number of the fiche changed, in force at the avenant's date: « 3.2 »."""
    axe: int | None = None
    """Number of the axis a fiche is added to: it takes the next free number of the axis."""
    partie: str | None = None
    """`id` of the party whose representative changes."""

    rediger: str | None = None
    """Markdown file of the article's new text (« est ainsi rédigé »), its first line `# Title`."""
    completer: str | None = None
    """Markdown file of the text added at the end of the article (« est complété par »)."""
    remplacer: str | None = None
    """Words of the article to replace (« les mots … sont remplacés par … »)."""
    par: Annotated[str | Engagement | None, PlainValidator(parse_par), WithJsonSchema(_PAR_SCHEMA)] = None
    """Words that replace `remplacer`; or, where the article states a financial commitment, the new amount
    (`par: {engagement: 2130000}`), printed in words and in figures (« deux millions cent trente mille euros
    (2 130 000 €) »)."""
    inserer: str | None = None
    """Markdown file of the article inserted after `apres_article`, its first line `# Title`."""
    supprimer: bool = False
    """The article or fiche is deleted (« est supprimé »): it keeps its number."""
    modifier: dict[str, Any] | None = None
    """New values of a fiche's fields, by dotted path: `echeancier.depenses.investissement: {2022: 1000000}`."""
    ajouter_fiche: str | None = None
    """YAML file of a fiche added at the end of `axe`."""
    representant: dict[str, Any] | None = None
    """The party's new representative."""

    @model_validator(mode="after")
    def _one_target_one_action(self) -> "Modification":
        targets = [name for name in TARGETS if getattr(self, name) is not None]
        actions = [name for name in ACTIONS if getattr(self, name) is not None]
        if self.supprimer:
            actions.append("supprimer")
        if len(targets) != 1:
            raise ValueError("une modification vise exactement une cible : article, apres_article, fiche, axe "
                             "ou partie")
        if len(actions) != 1:
            raise ValueError("une modification fait exactement une chose : rediger, completer, remplacer (avec "
                             "par), inserer, supprimer, modifier, ajouter_fiche ou representant")
        if (self.remplacer is None) != (self.par is None):
            raise ValueError("« remplacer » et « par » vont ensemble")
        return self

    @property
    def target(self) -> tuple[str, Any]:
        """Return the target's name and value: (« article », 7)."""
        return next((name, getattr(self, name)) for name in TARGETS if getattr(self, name) is not None)

    @property
    def action(self) -> str:
        return next((name for name in ACTIONS if getattr(self, name) is not None), "supprimer")


class Avenant(Model):
    """`avenants/NN-<slug>.yaml`: an amendment to the contract, numbered by its position among the avenants."""

    date: dt.date | Marker
    """Date of signature of the avenant (« [À COMPLÉTER] » in a draft)."""
    lieu: str
    """Town where it is signed."""
    exemplaires: int = 2
    """Number of originals."""
    objet: str
    """What the avenant does, in one sentence."""
    expose: str
    """« Exposé » (Markdown): why the contract is amended."""
    habilitations: dict[str, Deliberation] = {}
    """For each party empowered by a deliberation (by its `id`), the deliberation that authorises it to sign
    this avenant: its own, not the contract's."""
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
    """A modification once applied: what it targeted, as numbered in force before the avenant, and its states."""

    modification: Modification
    index: int
    target_label: str
    before: Any = None
    after: Any = None
    numero: str | None = None
    """The number of the article or fiche the change is about, once known (« 3-1 » for an inserted article)."""
    value: Any = None
    """The action's value once validated by the kind's declaration (a party's new representative)."""


@dataclass
class Version:
    """The content after avenants 1 to `numero` (0: the original contract)."""

    numero: int
    tree: SourceTree
    avenant: AvenantSource | None = None
    changes: list[Change] = field(default_factory=list)
    earlier: list[AvenantSource] = field(default_factory=list)
    """The avenants before this version's own."""


def avenant_files(tree: SourceTree) -> list[SourceFile]:
    """Return the avenant files, in the order of their names (their number)."""
    return list(tree.iter_files(AVENANTS_DIR, ".yaml"))


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


def _declared(kind) -> dict[str, dict[str, Any]]:
    return getattr(kind, "avenant_changes", None) or {}


def apply_avenant(version: Version, avenant: AvenantSource, kind, problems: Problems) -> Version | None:
    """Return the version after `avenant`, or None after adding every problem (unknown target, conflict)."""
    editor = TreeEditor(version.tree)
    contrat = editor.data("contrat.yaml")
    where = avenant.source.location
    declared = _declared(kind)
    changes: list[Change] = []
    seen: dict[tuple[str, Any], int] = {}
    count = len(problems.errors)
    for index, modification in enumerate(avenant.avenant.modifications):
        path = ("modifications", index)
        target = modification.target
        action = modification.action
        allowed = declared.get(target[0])
        if allowed is None:
            problems.add(where(path), f"avenant n° {avenant.numero} : un avenant à ce type de document ne peut "
                                      f"pas viser : {target[0]} (cibles possibles : "
                                      f"{', '.join(declared) or 'aucune'})")
            continue
        if action not in allowed:
            problems.add(where(path), f"avenant n° {avenant.numero} : « {action} » ne s'applique pas à : "
                                      f"{target[0]} (actions possibles : {', '.join(allowed)})")
            continue
        key = (target[0], str(target[1]))
        if key in seen and target[0] not in ("axe", "apres_article"):
            problems.add(where(path), f"avenant n° {avenant.numero} : deux modifications visent "
                                      f"{_label(*target)} (modifications {seen[key] + 1} et {index + 1})")
            continue
        seen[key] = index
        change = Change(modification, index, _label(*target))
        model = allowed[action]
        if model is not None:
            try:
                change.value = model.model_validate(getattr(modification, action))
            except ValidationError as exc:
                for error in exc.errors():
                    problems.add(where(path + (action, *error["loc"])),
                                 f"avenant n° {avenant.numero} : {action} : {french_message(error, model)}")
                continue
        if target[0] in ("article", "apres_article"):
            ok = _apply_article(editor, contrat, modification, change, avenant, path, problems)
        elif target[0] == "partie":
            ok = _apply_partie(contrat, modification, change, avenant, path, problems)
        else:
            ok = kind.amend(editor, contrat, modification, change, avenant, path, problems)
        if ok:
            changes.append(change)
    _check_habilitations(contrat, avenant, problems)
    for finish in editor.deferred:
        finish()
    if len(problems.errors) > count:
        return None
    earlier = [*version.earlier, version.avenant] if version.avenant else []
    return Version(version.numero + 1, editor.build(), avenant, changes, earlier)


def _check_habilitations(contrat: dict, avenant: AvenantSource, problems: Problems) -> None:
    """Every party empowered by a deliberation to sign the contract needs its own one for this avenant."""
    parties = contrat.get("parties", [])
    ids = [p.get("id") for p in parties]
    for partie in parties:
        if partie.get("habilitation") and partie.get("id") not in avenant.avenant.habilitations:
            problems.add(avenant.source.location(("habilitations",)) if "habilitations" in avenant.source.data
                         else avenant.source.location(),
                         f"avenant n° {avenant.numero} : la délibération qui autorise « {partie.get('id')} » à "
                         f"signer cet avenant manque (habilitations: {partie.get('id')}: organe, date)")
    for partie_id in avenant.avenant.habilitations:
        if partie_id not in ids:
            problems.add(avenant.source.key_location(("habilitations", partie_id)),
                         f"avenant n° {avenant.numero} : la partie « {partie_id} » n'existe pas (parties : "
                         f"{', '.join(map(str, ids))})")


def _label(target: str, value: Any) -> str:
    return {"article": f"l'article {value}", "apres_article": f"l'article {value}", "fiche": f"la fiche {value}",
            "axe": f"l'axe {value}", "partie": f"la partie « {value} »"}[target]


def _markdown(editor: TreeEditor, rel: str, avenant: AvenantSource, path, problems: Problems) -> SourceFile | None:
    source = editor.files.get(rel)
    if source is None or not rel.endswith(".md"):
        problems.add(avenant.source.location(path), f"avenant n° {avenant.numero} : fichier Markdown introuvable : "
                                                    f"« {rel} »")
        return None
    return source


def _apply_article(editor, contrat, modification, change, avenant, path, problems) -> bool:
    entries = contrat.get("articles", [])
    in_force = number_articles(entries)
    target, numero = modification.target
    numero = str(numero).strip()
    index = next((i for i, a in enumerate(in_force) if str(a.numero) == numero), None)
    where = avenant.source.location(path + (target,))
    if index is None:
        known = ", ".join(str(a.numero) for a in in_force)
        problems.add(where, f"avenant n° {avenant.numero} : l'article {numero} n'existe pas à la date de "
                            f"l'avenant (articles en vigueur : {known})")
        return False
    article = in_force[index]
    if article.supprime_par is not None:
        problems.add(where, f"avenant n° {avenant.numero} : l'article {numero} a été supprimé par l'avenant "
                            f"n° {article.supprime_par}")
        return False
    change.numero = numero
    if modification.inserer is not None:
        return _insert_article(editor, entries, in_force, index, modification, change, avenant, path, problems)
    rel = article.fichier
    old = editor.files[rel]
    change.before = old.text
    if modification.supprimer:
        change.after = None
        entries[index] = {"fichier": rel, **({"numero": numero} if not numero.isdigit() else {}),
                          "supprime_par": avenant.numero}
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


def _insert_article(editor, entries, in_force, index, modification, change, avenant, path, problems) -> bool:
    """Insert a new article after the one at `index`: « 3-1 » after 3, « 3-2 » after 3-1; the others keep
    their numbers. It goes after the last article of its group only (after 3 while 3-1 exists would be
    between 3 and 3-1: insert after 3-1)."""
    base, sub = article_number_key(str(in_force[index].numero))
    following = in_force[index + 1].numero if index + 1 < len(in_force) else None
    if following is not None and article_number_key(str(following))[0] == base:
        problems.add(avenant.source.location(path + ("apres_article",)),
                     f"avenant n° {avenant.numero} : l'article {following} suit déjà l'article "
                     f"{in_force[index].numero} : insérez après l'article {following}")
        return False
    source = _markdown(editor, modification.inserer, avenant, path + ("inserer",), problems)
    if source is None:
        return False
    numero = f"{base}-{sub + 1}"
    change.numero = numero
    change.target_label = f"l'article {numero}"
    change.after = source.text
    entries.insert(index + 1, {"fichier": modification.inserer, "numero": numero})
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
    value = change.value.model_dump() if change.value is not None else dict(modification.representant)
    partie["representant"] = value
    change.after = value
    change.target_label = partie.get("nom", modification.partie)
    return True


def load_avenant(source: SourceFile, numero: int, problems: Problems) -> AvenantSource | None:
    """Return one avenant file validated, or None after adding its problems."""
    avenant = validate_source(source, Avenant, problems)
    return AvenantSource(numero, avenant, source) if avenant is not None else None


def versions(tree: SourceTree, kind, problems: Problems, up_to: int | None = None) -> list[Version]:
    """Return the original version and one version per avenant, each the previous one amended.

    A draft's date may be a marker: its order is then the one of its file name.

    Each avenant is checked on its own: the first one that cannot be applied (its problems are added) ends the
    chain, and the avenants after it, which name their targets by numbers that
    depend on it, are listed as not built. Avenants must be dated after the contract and after each other. With
    `up_to`, the avenants after that one are left aside.
    """
    chain = [Version(0, tree)]
    contrat = tree.get("contrat.yaml").data or {}
    previous_date = (contrat.get("signature") or {}).get("date")
    files = avenant_files(tree)[:up_to]
    for numero, source in enumerate(files, start=1):
        own = Problems()
        avenant = load_avenant(source, numero, own)
        date = avenant.avenant.date if avenant is not None else None
        if isinstance(date, dt.date) and isinstance(previous_date, dt.date) and date <= previous_date:
            what = "le contrat" if numero == 1 else f"l'avenant n° {numero - 1}"
            own.add(source.location(("date",)), f"l'avenant n° {numero} est daté du "
                                                f"{avenant.avenant.date:%d/%m/%Y}, pas après {what} "
                                                f"({previous_date:%d/%m/%Y})")
        following = apply_avenant(chain[-1], avenant, kind, own) if avenant is not None and not own.errors else None
        problems.extend(own)
        if following is None:
            for later, later_source in enumerate(files[numero:], start=numero + 1):
                problems.add(later_source.location(), f"l'avenant n° {later} n'est pas construit : l'avenant "
                                                      f"n° {numero}, qu'il suit, est en erreur")
            break
        if isinstance(date, dt.date):
            previous_date = date
        chain.append(following)
    return chain

