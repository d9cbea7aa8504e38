"""Review stage: a partner's returned Word document traced back to the contract's sources, and applied.

Every changed paragraph and every comment of the returned document (`wordml.revisions`) is mapped to the
source it was printed from: a paragraph of a Markdown file, or a field of a YAML file (its line, its path). The
map is the content itself, typeset as the documents print it: each Markdown paragraph and each YAML value, with
its file and line. A printed paragraph found several times is told apart by where it stands: the file of the
nearest paragraph above it that only one file prints (a fiche's title), and, for an amount in a table, the
field next to the label of its row (a budget line's « montant » beside its « libelle »). An amount no line of
the content prints (a total, a maquette's figure) is computed; a paragraph none prints is the template's.

A change of content becomes a proposed edit of its source; `apply` writes them: Markdown paragraphs rewritten
in place (the changed words only, the author's markup around them kept), YAML values replaced where they stand
(ruamel.yaml finds each value's place and reads the result back), so that the diff is the changed lines only.
What cannot be applied is a conflict, listed with its reason, never dropped.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .french import montant, typographie
from .prose import ProseStyles, word_blocks
from .wordml.marks import file_key, file_key_of_mark
from .wordml.revisions import (Comment, ParagraphChange, ReadDocument, ReadParagraph, align, read_document,
                               tracked_changes)

_AMOUNT = re.compile(r"^-?\d{1,3}(?:[\u202f\u00a0 ]\d{3})*(?:,\d{1,2})?[\u00a0 ]?€$")
_BLANK = re.compile(r"\n[ \t]*\n")
_LIST_OR_HEADING = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+)?")
_STYLES = ProseStyles()


@dataclass(frozen=True)
class Source:
    """Where a printed passage comes from: a Markdown paragraph or a YAML value."""

    rel_path: str
    line: int
    start: int
    """Offset of the passage's source text in the file."""
    end: int
    text: str
    """The source text (Markdown of the paragraph, or the YAML value as read)."""
    field: tuple = ()
    """The YAML value's path (keys and list indexes); empty for Markdown."""
    is_number: bool = False
    is_heading: bool = False
    raw: str = ""
    """A YAML value's text as the file holds it (a block scalar with its indentation)."""

    @property
    def is_yaml(self) -> bool:
        return self.rel_path.endswith((".yaml", ".yml"))

    def describe(self) -> str:
        where = f"{self.rel_path}, ligne {self.line}"
        if self.is_yaml:
            path = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in self.field).lstrip(".")
            return f"{where}, champ « {path} »"
        return f"{where}, {'titre' if self.is_heading else 'paragraphe'}"


@dataclass
class Finding:
    """One change or comment of the returned document, at its source."""

    what: str
    """« modification », « suppression », « ajout » or « commentaire »."""
    old: str | None
    new: str | None
    authors: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    source: Source | None = None
    conflict: str | None = None
    """Why it cannot be applied; None for an applicable change."""
    comment: str = ""
    replacement: str | None = None
    """The source text that replaces `source`'s (None with `source`: the passage is deleted)."""

    @property
    def is_applicable(self) -> bool:
        return self.what in ("modification", "suppression") and self.conflict is None and self.source is not None


@dataclass
class Review:
    """What a returned document changes and says, at its sources."""

    document_name: str
    template: str
    findings: list[Finding] = field(default_factory=list)
    sources_changed: bool = False


# --- the map of printed text to sources -------------------------------------------------------------------


def _printed(text: str) -> list[str]:
    """Return the text of each paragraph Markdown prints (a soft line break stays in it: Word shows a space)."""
    return ["".join(inline.text for inline in block.inlines)
            for block in word_blocks(text, 0, _STYLES.body, _STYLES)]


class SourceIndex:
    """Printed text → the sources that print it, for one contract's files."""

    def __init__(self, files: dict[str, str]):
        self.by_text: dict[str, list[Source]] = {}
        self.headings: dict[str, list[Source]] = {}
        """Printed heading → its sources (a template prints a heading after its number)."""
        self.files_by_key = {file_key(rel_path): rel_path for rel_path in files}
        """The files the source marks of a document name (`wordml.marks`)."""
        for rel_path, text in sorted(files.items()):
            if rel_path.endswith(".md"):
                self._markdown(rel_path, text)
            elif rel_path.endswith((".yaml", ".yml")):
                self._yaml(rel_path, text)

    def _add(self, printed: str, source: Source) -> None:
        printed = printed.strip()
        if printed:
            self.by_text.setdefault(printed, []).append(source)
            if source.is_heading:
                self.headings.setdefault(printed, []).append(source)

    def _markdown(self, rel_path: str, text: str) -> None:
        for chunk in _chunks(text):
            start, end = chunk
            body = text[start:end]
            line = text.count("\n", 0, start) + 1
            printed = _printed(body)
            heading = body.lstrip(" >").startswith("#")
            if len(printed) == 1:
                self._add(printed[0], Source(rel_path, line, start, end, body, is_heading=heading))
                continue
            for item_start, item_end in _items(body):  # a list, a box: each item, its lines wrapped or not
                item = body[item_start:item_end]
                stripped = item[_LIST_OR_HEADING.match(item).end():]
                printed_item = "\n".join(_printed(stripped)) if stripped.strip() else ""
                if printed_item and printed_item in printed:
                    cut = start + item_end - len(stripped)
                    self._add(printed_item, Source(rel_path, line + body.count("\n", 0, item_start), cut,
                                                   start + item_end, stripped,
                                                   is_heading=item.lstrip(" >").startswith("#")))

    def _yaml(self, rel_path: str, text: str) -> None:
        try:
            root = YAML().compose(text)
        except YAMLError:
            return
        for path, node in _scalars(root, ()):
            value = node.value
            source = Source(rel_path, node.start_mark.line + 1, node.start_mark.index, node.end_mark.index, value,
                            path, is_number=node.tag.endswith((":int", ":float")),
                            raw=text[node.start_mark.index:node.end_mark.index])
            if source.is_number:
                try:
                    self._add(montant(Decimal(value)), source)
                except InvalidOperation:
                    pass
                self._add(value, source)
            elif node.tag.endswith(":str") and value.strip():
                self._add(typographie(value), source)
                if any(c in value for c in "*_[`^#\n"):  # Markdown: each paragraph it prints
                    for printed in _printed(value):
                        self._add(printed, source)

    def candidates(self, printed: str) -> list[Source]:
        printed = printed.strip()
        found = self.by_text.get(printed)
        if found:
            return found
        # A heading printed after its number (« Article 2 – Le plan d’action », « 2.1. Intégration »).
        for separator in (" – ", " - ", ". "):
            _, found_separator, title = printed.partition(separator)
            if found_separator and title in self.headings:
                return self.headings[title]
        return []


_ITEM_START = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s|[-*+]\s|\d+[.)]\s)|^\s*(?:>\s*)*$")


def _items(body: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of the items of a Markdown paragraph: a list item or a heading starts
    one, a line that does not start one continues the last."""
    items: list[list[int]] = []
    offset = 0
    for source_line in body.split("\n"):
        end = offset + len(source_line)
        if not items or _ITEM_START.match(source_line) or source_line.lstrip().startswith(">"):
            items.append([offset, end])
        else:
            items[-1][1] = end
        offset = end + 1
    return [(a, b) for a, b in items]


def _chunks(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of the paragraphs (runs of non-blank lines) of a Markdown text."""
    out, start = [], 0
    for match in _BLANK.finditer(text + "\n\n"):
        if text[start:match.start()].strip():
            out.append((start + len(text[start:match.start()]) - len(text[start:match.start()].lstrip("\n")),
                        min(match.start(), len(text.rstrip("\n")))))
        start = match.end()
    return out


def _scalars(node, path):
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield from _scalars(value, path + (key.value,))
    elif isinstance(node, SequenceNode):
        for index, value in enumerate(node.value):
            yield from _scalars(value, path + (index,))
    elif isinstance(node, ScalarNode):
        yield path, node


# --- mapping a document's paragraphs -----------------------------------------------------------------------


class DocumentMap:
    """The source of each paragraph of a document, told apart by where it stands."""

    def __init__(self, document: ReadDocument, index: SourceIndex):
        self.document = document
        self.index = index
        self.sources: dict[int, Source | None] = {}
        self.marked_files: dict[int, set[str]] = {
            p.index: {f for name in p.marks if (f := index.files_by_key.get(file_key_of_mark(name)))}
            for p in document.paragraphs if p.marks}
        """The files whose source marks hold each paragraph."""
        self.ambiguous: dict[int, list[Source]] = {}
        """The paragraphs several sources print alike, with those sources."""
        current_file = None
        for paragraph in document.paragraphs:
            found = self._resolve(paragraph, current_file)
            self.sources[paragraph.index] = found
            candidates = index.candidates(paragraph.original)
            files = {c.rel_path for c in candidates}
            if len(files) == 1 and not paragraph.original.strip().isdigit() and \
                    not _AMOUNT.match(paragraph.original.strip()):
                file = files.pop()
                if file != "contrat.yaml":
                    current_file = file
        self.section = {}
        current_file = None
        for paragraph in document.paragraphs:  # the file each paragraph stands in, for added paragraphs
            source = self.sources[paragraph.index]
            if source is not None:
                current_file = source.rel_path
            self.section[paragraph.index] = current_file

    def _resolve(self, paragraph: ReadParagraph, current_file: str | None) -> Source | None:
        text = paragraph.original.strip()
        candidates = self.index.candidates(text)
        if not candidates:
            return None
        if _AMOUNT.match(text):
            return self._amount_in_row(paragraph, candidates)
        marked = self.marked_files.get(paragraph.index)
        if marked:  # the document says which file printed it
            candidates = [c for c in candidates if c.rel_path in marked]
            if not candidates:
                return None
        if len(candidates) > 1 and paragraph.row is not None:  # the file its row's other cells come from
            mates = [self.index.candidates(self.document.paragraphs[i].original)
                     for i in self.document.rows.get(paragraph.row, ()) if i != paragraph.index]
            score = {c.rel_path: sum(any(m.rel_path == c.rel_path for m in ms) for ms in mates) for c in candidates}
            best = max(score.values())
            candidates = [c for c in candidates if score[c.rel_path] == best]
        if len(candidates) > 1 and current_file is not None:
            near = [c for c in candidates if c.rel_path == current_file]
            candidates = near or candidates
        if len({(c.rel_path, c.start) for c in candidates}) == 1:
            return candidates[0]
        self.ambiguous[paragraph.index] = candidates
        return None

    def _amount_in_row(self, paragraph: ReadParagraph, candidates: list[Source]) -> Source | None:
        """Return the amount field beside its row's label (a budget line), or None: a computed figure."""
        if paragraph.row is None:
            return None
        for other in self.document.rows.get(paragraph.row, ()):
            if other == paragraph.index:
                continue
            label = self.document.paragraphs[other].original.strip()
            for mate in self.index.candidates(label):
                if not mate.is_yaml or mate.is_number:
                    continue
                same_line = [c for c in candidates if c.rel_path == mate.rel_path and c.field[:-1] == mate.field[:-1]]
                if len(same_line) == 1:
                    return same_line[0]
        return None

    def amounts_of_table(self, paragraph: ReadParagraph) -> list[Source]:
        """Return the amount fields printed in the same table as `paragraph` (the lines a total adds up)."""
        if paragraph.table is None:
            return []
        rows = self.document.rows

        def column(p: ReadParagraph) -> int:
            return rows[p.row].index(p.index) if p.row is not None else -1

        return [s for p in self.document.paragraphs if p.table == paragraph.table and column(p) == column(paragraph)
                and (s := self.sources.get(p.index)) is not None and s.is_number]


# --- the review ----------------------------------------------------------------------------------------------


def _template_texts(template_bytes: bytes) -> tuple[set[str], list[re.Pattern]]:
    """Return the fixed paragraphs of a template, and patterns of those holding `{{ … }}`."""
    fixed, patterns = set(), []
    for paragraph in read_document(template_bytes).paragraphs:
        text = paragraph.original.strip()
        if not text:
            continue
        if "{{" in text or "{%" in text:
            parts = re.split(r"\{\{.*?\}\}|\{%.*?%\}", text)
            if not "".join(parts).strip():
                continue  # a value alone: says nothing of where a paragraph comes from
            patterns.append(re.compile(".*".join(re.escape(typographie(p)) for p in parts) + "$", re.S))
        else:
            fixed.add(text)
            fixed.add(typographie(text))
    return fixed, patterns


def review_document(returned: ReadDocument, sent: ReadDocument | None, files: dict[str, str], document_name: str,
                    template: str, template_bytes: bytes, current_hash: str) -> Review:
    """Return the findings of a returned document: its changes (tracked, or found by comparing it with the
    document `sent`) and comments, each at its source, with the edit of the source or why none can be made."""
    index = SourceIndex(files)
    base = returned if returned.has_revisions or sent is None else sent
    changes = tracked_changes(returned) if returned.has_revisions or sent is None else align(sent, returned)
    mapped = DocumentMap(base, index)
    review = Review(document_name, template, sources_changed=bool(returned.sources_hash)
                    and returned.sources_hash != current_hash)
    fixed, patterns = _template_texts(template_bytes)
    for change in changes:
        review.findings.append(_finding(change, mapped, files, review, fixed, patterns))
    comment_map = mapped if base is returned else DocumentMap(returned, index)
    for comment in returned.comments:
        review.findings.append(_comment(comment, comment_map))
    return review


def _finding(change: ParagraphChange, mapped: DocumentMap, files: dict[str, str], review: Review,
             fixed: set[str], patterns: list[re.Pattern]) -> Finding:
    if change.sent is None:
        section = mapped.section.get(change.after.index) if change.after is not None else None
        where = f" (après un passage de {section})" if section else ""
        return Finding("ajout", None, change.returned, change.authors, change.dates,
                       conflict=f"paragraphe ajouté : à reporter à la main dans la source voulue{where}")
    paragraph = change.sent
    what = "suppression" if change.returned is None or not change.returned.strip() else "modification"
    finding = Finding(what, paragraph.original, change.returned, change.authors, change.dates)
    source = mapped.sources.get(paragraph.index)
    old = paragraph.original.strip()
    if source is None:
        finding.conflict = _why_not_content(paragraph, old, mapped, review, fixed, patterns)
        return finding
    finding.source = source
    if source.is_yaml:
        if what == "suppression":
            finding.conflict = "un champ ne se supprime pas depuis le document : videz-le ou retirez-le dans la source"
            return finding
        finding.replacement, finding.conflict = _yaml_replacement(source, old, change.returned.strip())
    elif what == "suppression":
        finding.replacement = None
    else:
        replacement = _rewrite(source.text, old, change.returned.strip())
        if replacement is None:
            finding.conflict = ("le passage modifié porte une mise en forme Markdown qui ne se retrouve pas telle "
                                "quelle dans la source : à reporter à la main")
        finding.replacement = replacement
    return finding


def _why_not_content(paragraph, old, mapped, review, fixed, patterns) -> str:
    several = mapped.ambiguous.get(paragraph.index)
    if several:
        listed = " ; ".join(s.describe() for s in several)
        return f"plusieurs sources impriment ce texte : {listed} — à reporter à la main dans celle qui convient"
    marked = mapped.marked_files.get(paragraph.index)
    if marked:
        files = ", ".join(sorted(marked))
        return (f"ce passage vient de {files}, qui ne le contient plus tel qu'il a été envoyé : la source a changé "
                f"depuis l'envoi du document ; à reporter à la main")
    if _AMOUNT.match(old):
        lines = mapped.amounts_of_table(paragraph)
        if lines:
            listed = " ; ".join(s.describe() for s in lines)
            return f"chiffre calculé par Paraphe (un total) : modifiez plutôt les lignes dont il découle : {listed}"
        return "chiffre calculé par Paraphe : modifiez plutôt les montants dont il découle dans le contenu"
    if old in fixed:
        return f"texte fixe du modèle {review.template} : à modifier dans le modèle, s'il le faut"
    if any(p.match(old) for p in patterns):
        return (f"texte composé par le modèle {review.template} (libellé fixe ou valeur calculée : numéro, date, "
                f"total) : à reporter à la main")
    if review.sources_changed:
        return "la source de ce passage a changé depuis l'envoi du document : à reporter à la main"
    return f"passage introuvable dans le contenu (texte composé par le modèle {review.template}) : à reporter à la main"


def _comment(comment: Comment, mapped: DocumentMap) -> Finding:
    source = mapped.sources.get(comment.paragraph) if comment.paragraph is not None else None
    anchored = comment.anchored_text
    if not anchored and comment.paragraph is not None and comment.paragraph < len(mapped.document.paragraphs):
        anchored = mapped.document.paragraphs[comment.paragraph].original
    finding = Finding("commentaire", anchored, None, (comment.author,), (comment.date,), source=source,
                      comment=comment.text, conflict="commentaire : à traiter par le rédacteur")
    return finding


# --- edits of the sources --------------------------------------------------------------------------------------


def _detypo(text: str) -> str:
    """Return printed text as an author types it: straight apostrophes, plain spaces."""
    return text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")


def _rewrite(source: str, old: str, new: str) -> str | None:
    """Return the source text with the words that changed between `old` and `new` (as printed) changed, or None
    when they cannot be found in it as they are."""
    if old == new:
        return source
    prefix = len(_common_prefix(old, new))
    suffix = len(_common_prefix(old[prefix:][::-1], new[prefix:][::-1]))
    while prefix and not old[prefix - 1].isspace():  # whole words
        prefix -= 1
    while suffix and not old[len(old) - suffix].isspace() and old[len(old) - suffix] not in ".,;:!?":
        suffix -= 1
    old_part, new_part = old[prefix:len(old) - suffix], new[prefix:len(new) - suffix]
    for typed_old, typed_new in ((old_part, new_part), (_detypo(old_part), _detypo(new_part))):
        if typed_old and source.count(typed_old) == 1:
            return source.replace(typed_old, typed_new)
    return None


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def parse_amount(printed: str) -> Decimal | None:
    """Return the amount of a French printed amount (« 175 000 € », « 1 234,56 € »), or None."""
    if not _AMOUNT.match(printed.strip()):
        return None
    digits = re.sub(r"[\s\u202f\u00a0€]", "", printed).replace(",", ".")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _yaml_replacement(source: Source, old: str, new: str) -> tuple[str | None, str | None]:
    """Return the YAML text of the new value (or None and why it cannot be written)."""
    if source.is_number:
        amount = parse_amount(new)
        if amount is None:
            if re.fullmatch(r"-?\d+", new):
                return new, None
            return None, f"« {new} » n'est pas un montant lisible : à reporter à la main"
        return (str(int(amount)) if amount == amount.to_integral_value() else str(amount)), None
    if typographie(source.text) == old:  # the whole value
        return _yaml_scalar(_detypo(new)), None
    # One paragraph of Markdown the value holds: the changed words, where the file holds them.
    raw = _rewrite(source.raw, old, new)
    if raw is None:
        return None, ("les mots modifiés ne se retrouvent pas tels quels dans le champ (mise en forme, retour à la "
                      "ligne) : à reporter à la main")
    return raw, None


def _yaml_scalar(value: str) -> str:
    """Return a YAML scalar for a string: plain when YAML reads it back as that string, else double-quoted."""
    try:
        node = YAML().compose(f"k: {value}\n")
        read = node.value[0][1]
        if isinstance(read, ScalarNode) and read.tag.endswith(":str") and read.value == value and "\n" not in value:
            return value
    except YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def apply(review: Review, content_root: Path) -> tuple[list[Finding], list[Finding]]:
    """Write the applicable findings into the contract's sources; return (applied, refused). A file is written
    only if it reads back with every edited value as intended (YAML checked with ruamel.yaml)."""
    by_file: dict[str, list[Finding]] = {}
    for finding in review.findings:
        if finding.is_applicable:
            by_file.setdefault(finding.source.rel_path, []).append(finding)
    applied, refused = [], []
    for rel_path, findings in by_file.items():
        path = content_root / rel_path
        text = path.read_text(encoding="utf-8")
        current = {(f.source.start, f.source.end): text[f.source.start:f.source.end] for f in findings}
        if any(current[(f.source.start, f.source.end)] != _original_text(f.source) for f in findings):
            for f in findings:
                f.conflict = "la source de ce passage a changé depuis l'envoi du document : à reporter à la main"
            refused += findings
            continue
        new_text = text
        for finding in sorted(findings, key=lambda f: f.source.start, reverse=True):
            start, end = finding.source.start, finding.source.end
            if finding.replacement is None:  # a deleted Markdown paragraph, with the blank line after it
                end = end + len(re.match(r"\n*", new_text[end:]).group(0))
                if end >= len(new_text):
                    start = len(new_text[:start].rstrip("\n"))
                    end = len(new_text)
                    new_text = new_text[:start] + "\n" + new_text[end:] if start else new_text[end:]
                    continue
                new_text = new_text[:start] + new_text[end:]
            else:
                new_text = new_text[:start] + finding.replacement + new_text[end:]
        if rel_path.endswith((".yaml", ".yml")):
            try:
                YAML().load(new_text)
            except YAMLError as exc:
                for f in findings:
                    f.conflict = f"la modification rendrait le YAML illisible ({exc.__class__.__name__})"
                refused += findings
                continue
        path.write_text(new_text, encoding="utf-8")
        applied += findings
    return applied, refused


def _original_text(source: Source) -> str:
    """Return the source's text as the file held it when the review read it."""
    return source.raw if source.is_yaml else source.text


# --- the report --------------------------------------------------------------------------------------------------


def describe_finding(finding: Finding) -> list[str]:
    """Return the lines, in French, that tell one finding."""
    who = ", ".join(a for a in finding.authors if a) or "auteur inconnu"
    when = ", ".join(d[:16].replace("T", " à ") for d in finding.dates if d)
    head = f"{finding.what} par {who}" + (f" le {when}" if when else "")
    where = finding.source.describe() if finding.source else "sans source dans le contenu"
    lines = [f"{head} — {where}"]
    if finding.what == "commentaire":
        lines.append(f"    sur « {finding.old} » : « {finding.comment} »")
    else:
        if finding.old is not None:
            lines.append(f"    avant : « {finding.old} »")
        lines.append(f"    après : « {finding.new} »" if finding.new else "    après : (supprimé)")
    if finding.conflict:
        lines.append(f"    non applicable : {finding.conflict}")
    elif finding.source is not None:
        lines.append("    applicable avec --appliquer")
    return lines


def report_html(review: Review, slug: str) -> str:
    """Return the review as a web page, in French."""
    rows = []
    for finding in review.findings:
        who = html.escape(", ".join(a for a in finding.authors if a))
        when = html.escape(", ".join(d[:16].replace("T", " ") for d in finding.dates if d))
        where = html.escape(finding.source.describe() if finding.source else "—")
        if finding.what == "commentaire":
            text = f"sur « {html.escape(finding.old or '')} » : <q>{html.escape(finding.comment)}</q>"
        else:
            text = (f"<del>{html.escape(finding.old or '')}</del><br><ins>{html.escape(finding.new or '')}</ins>")
        status = (f"non applicable : {html.escape(finding.conflict)}" if finding.conflict
                  else "applicable avec --appliquer")
        rows.append(f"<tr><td>{html.escape(finding.what)}</td><td>{where}</td><td>{text}</td>"
                    f"<td>{who}<br>{when}</td><td>{status}</td></tr>")
    warning = ("<p><strong>Les sources ont changé depuis l'envoi du document.</strong></p>"
               if review.sources_changed else "")
    return ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            f"<title>Relecture de {html.escape(slug)} : {html.escape(review.document_name)}</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid "
            "#999;padding:.4em;vertical-align:top}del{color:#a00}ins{color:#070}</style></head><body>"
            f"<h1>Relecture de {html.escape(slug)} — document « {html.escape(review.document_name)} »</h1>"
            f"{warning}<p>{len(review.findings)} modification(s) et commentaire(s).</p>"
            "<table><thead><tr><th>Nature</th><th>Source</th><th>Texte</th><th>Auteur, date</th><th>Suite</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></body></html>\n")


# --- the stage ---------------------------------------------------------------------------------------------------


class ReviewError(Exception):
    """A returned document that cannot be reviewed (message in French)."""


def review_returned(root: Path, returned_path: Path, output_dir: Path, templates_dir: Path) -> Review:
    """Return the review of a returned document of the contract at `root`: the contract is read and its
    documents rendered in memory (nothing is written), the returned document matched to one of them."""
    from .pipeline import read_and_compute, render

    try:
        returned = read_document(returned_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ReviewError(f"{returned_path} : {exc}") from None
    prepared = read_and_compute(root, verify=False)
    if prepared.problems.errors:
        raise ReviewError("le contenu du contrat a des problèmes : corrigez-les d'abord ("
                          + "; ".join(str(p) for p in prepared.problems.errors[:3]) + ")")
    outputs = [o for o in render(prepared, output_dir, templates_dir) if o.dest_path.suffix == ".docx"]
    rendered = {o.dest_path.stem: (o, read_document(o.data)) for o in outputs}
    texts = {p.original for p in returned.paragraphs if p.original.strip()}

    def likeness(name: str) -> int:
        return len(texts & {p.original for p in rendered[name][1].paragraphs})

    name = max(rendered, key=likeness)
    output, current = rendered[name]
    sent = None
    if not returned.has_revisions:
        if returned.sources_hash in ("", output.sources_hash):
            sent = current
        else:
            kept = output_dir / root.name / f"{name}.docx"
            kept_document = read_document(kept.read_bytes()) if kept.is_file() else None
            if kept_document is None or kept_document.sources_hash != returned.sources_hash:
                raise ReviewError("le document envoyé n'est plus disponible (les sources ont changé depuis) : "
                                  "sans modifications suivies, il n'y a rien à quoi le comparer")
            sent = kept_document
    files = {rel: source.text for rel, source in prepared.tree.files.items()}
    template = prepared.kind.templates[name]
    template_path = templates_dir / template
    return review_document(returned, sent, files, name, f"templates/{template}", template_path.read_bytes(),
                           output.sources_hash)
