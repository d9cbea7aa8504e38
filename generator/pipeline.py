"""The build of one or many contracts: load → validate → enrich → render, then write once nothing failed.

Every problem of every contract is gathered before anything is written (as mkdocs' build does): a build with
an error writes nothing at all.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import BuildFailed, Location, Problem, Problems, display_path
from .kinds import Kind, get_kind, kind_names
from .load import SourceTree, iter_contract_roots, load_contract
from .amend import AVENANTS_DIR, Version
from .amend import versions as amend_versions
from .provenance import provenance, reproducible_zip
from .redline import redline
from .render_docx import render_docx
from .scaffold import find_markers
from .render_html import render_html
from .render_office import convert
from .render_xlsx import render_xlsx
from .write import Output, write_outputs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"


@dataclass
class Prepared:
    """One contract after the stages before writing: its kind, computed document and what it found."""

    root: Path
    tree: SourceTree | None = None
    kind: Kind | None = None
    computed: Any = None
    problems: Problems = field(default_factory=Problems)
    findings: Problems = field(default_factory=Problems)
    markers: Problems = field(default_factory=Problems)
    """The « [À COMPLÉTER] » markers left: the document is a draft (« PROJET ») while there are any."""


def read_and_compute(root: Path) -> Prepared:
    """Load, validate and compute one contract folder; problems are collected, never raised."""
    problems = Problems()
    tree = load_contract(root, problems)
    return compute_tree(tree, root, problems)


def compute_tree(tree: SourceTree, root: Path, problems: Problems | None = None) -> Prepared:
    """Validate and compute a loaded (or amended) contract; problems are collected, never raised."""
    prepared = Prepared(root)
    if problems is not None:
        prepared.problems = problems
    problems = prepared.problems
    prepared.tree = tree
    prepared.markers = find_markers(tree)
    contrat = tree.get("contrat.yaml")
    if contrat is None or not isinstance(contrat.data, dict):
        if not problems:
            problems.add(Location(display_path(root / "contrat.yaml")), "contrat.yaml absent ou vide")
        return prepared
    kind = get_kind(str(contrat.data.get("type")))
    if kind is None:
        problems.add(contrat.location(("type",)),
                     f"type de document inconnu « {contrat.data.get('type')} » "
                     f"(types connus : {', '.join(kind_names())})")
        return prepared
    prepared.kind = kind
    dossier = kind.read(tree, problems)
    if dossier is None or problems.errors:
        return prepared
    prepared.computed = kind.compute(dossier)
    kind.verify(prepared.computed, prepared.findings)
    return prepared


def sources_hash(prepared: Prepared, template_paths: list[Path]) -> str:
    """Return the hash of everything an output is made from: content files, templates, engine version."""
    h = hashlib.sha256(__version__.encode())
    h.update(prepared.tree.digest().encode())
    for path in template_paths:
        h.update(path.read_bytes() if path.is_file() else b"absent:" + str(path).encode())
    return h.hexdigest()


DEFAULT_FORMATS = ("docx",)


def contract_formats(prepared: Prepared, requested: tuple[str, ...] | None) -> tuple[str, ...]:
    """Return the formats to produce: those asked for the build, else the contract's own, else docx."""
    if requested:
        return tuple(requested)
    own = (prepared.tree.get("contrat.yaml").data or {}).get("formats")
    return tuple(own) if own else DEFAULT_FORMATS


def render(prepared: Prepared, output_dir: Path, templates_dir: Path = TEMPLATES_DIR,
           version: Version | None = None, formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Output]:
    """Render every template of the contract's kind in `formats` (docx always, for conversions and redlines);
    a template problem is raised as TemplateProblem.

    For an amended version, the documents go to `<contract>/avenant-NN/` and say they are consolidated.
    """
    kind = prepared.kind
    context = kind.context(prepared.computed)
    context["consolidation"] = None
    context["a_completer"] = bool(prepared.markers)
    dest_dir = output_dir / prepared.root.name
    if version is not None and version.numero:
        context["consolidation"] = {"numero": version.numero, "date": version.avenant.avenant.date}
        dest_dir = dest_dir / f"avenant-{version.numero:02}"
    template_paths = [templates_dir / rel for rel in [*kind.templates.values(), *kind.html_templates.values()]]
    digest = sources_hash(prepared, template_paths)
    origin = provenance(digest)
    outputs = [Output(dest_dir / f"{name}.docx", render_docx(templates_dir / rel, context, origin), digest)
               for name, rel in kind.templates.items()]
    if "html" in formats:
        outputs += [Output(dest_dir / f"{name}.html", render_html(templates_dir / rel, context, origin), digest)
                    for name, rel in kind.html_templates.items()]
    if "xlsx" in formats and kind.workbook is not None:
        outputs += [Output(dest_dir / f"{name}.xlsx", render_xlsx(sheets, name, origin), digest)
                    for name, sheets in kind.workbook(prepared.computed).items()]
    return outputs


def render_avenant(previous: Prepared, current: Prepared, version: Version, previous_outputs: list[Output],
                   current_outputs: list[Output], templates_dir: Path = TEMPLATES_DIR) -> list[Output]:
    """Render the avenant itself and the redline of the main document between the two versions."""
    kind = current.kind
    context = kind.avenant_context(previous.computed, current.computed, version)
    context["a_completer"] = bool(current.markers)
    template_paths = [templates_dir / rel for rel in kind.avenant_templates.values()]
    digest = sources_hash(current, template_paths)
    origin = provenance(digest)
    dest_dir = current_outputs[0].dest_path.parent
    outputs = [Output(dest_dir / f"{name}.docx", render_docx(path, context, origin), digest)
               for name, path in zip(kind.avenant_templates, template_paths)]
    when = datetime.combine(version.avenant.avenant.date, datetime.min.time())
    marked = redline(previous_outputs[0].data, current_outputs[0].data, author="Paraphe", when=when)
    outputs.append(Output(dest_dir / "redline.docx", reproducible_zip(marked, origin.generated), digest))
    return outputs


def render_all_versions(prepared: Prepared, output_dir: Path, templates_dir: Path, problems: Problems,
                        formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Output]:
    """Render the contract and, for each of its avenants, the four documents of the amended version."""
    outputs = render(prepared, output_dir, templates_dir, formats=formats)
    if prepared.kind.avenant_context is None or not any(prepared.tree.iter_files(AVENANTS_DIR, ".yaml")):
        return outputs
    chain = amend_versions(prepared.tree, prepared.kind, problems)
    previous, previous_outputs = prepared, outputs
    for version in chain[1:]:
        current = compute_tree(version.tree, prepared.root)
        problems.extend(current.problems.errors)
        if current.problems.errors:
            break
        current_outputs = render(current, output_dir, templates_dir, version, formats)
        outputs += current_outputs + render_avenant(previous, current, version, previous_outputs, current_outputs,
                                                     templates_dir)
        previous, previous_outputs = current, current_outputs
    return outputs


@dataclass
class BuildReport:
    """What a build wrote, kept aside, and warned about."""

    written: list[Path]
    kept_aside: list[tuple[Path, Path]]
    warnings: list[Problem]


def convert_documents(outputs: list[Output], wanted: dict[Path, tuple[str, ...]]) -> list[Output]:
    """Return the PDF/A and ODT versions of the .docx outputs whose contract asks for them, converted in one
    LibreOffice batch per format."""
    converted = []
    for target in ("pdf", "odt"):
        sources = {str(o.dest_path): o for o in outputs
                   if o.dest_path.suffix == ".docx" and target in wanted.get(o.dest_path, ())}
        results = convert({name: o.data for name, o in sources.items()}, target)
        converted += [Output(sources[name].dest_path.with_suffix(f".{target}"), data, sources[name].sources_hash)
                      for name, data in results.items()]
    return converted


def build_report(roots: list[Path], output_dir: Path, templates_dir: Path = TEMPLATES_DIR, *,
                 force: bool = False, avenant: int | None = None,
                 formats: tuple[str, ...] | None = None) -> BuildReport:
    """Build the contracts: gather and check everything, render, then write; raise BuildFailed on any error.

    With `avenant`, only the documents of that avenant are written.
    """
    errors = Problems()
    warnings: list[Problem] = []
    outputs: list[Output] = []
    wanted: dict[Path, tuple[str, ...]] = {}
    for root in roots:
        prepared = read_and_compute(root)
        errors.extend(prepared.problems.errors)
        warnings.extend(prepared.problems.warnings)
        if prepared.problems.errors:
            continue
        contract_formats_ = contract_formats(prepared, formats)
        try:
            rendered = render_all_versions(prepared, output_dir, templates_dir, errors, contract_formats_)
        except BuildFailed as exc:
            errors.extend(exc.problems)
            continue
        outputs.extend(rendered)
        wanted.update((o.dest_path, contract_formats_) for o in rendered)
    if avenant is not None:
        outputs = [o for o in outputs if o.dest_path.parent.name == f"avenant-{avenant:02}"]
        if not outputs:
            errors.add(Location(display_path(roots[0] / AVENANTS_DIR)), f"pas d'avenant n° {avenant}")
    if not errors:
        try:
            outputs += convert_documents(outputs, wanted)
        except BuildFailed as exc:
            errors.extend(exc.problems)
    if errors:
        raise BuildFailed(list(errors))
    outputs = [o for o in outputs if o.dest_path.suffix != ".docx" or "docx" in wanted[o.dest_path]]
    report = write_outputs(outputs, output_dir, force=force)
    return BuildReport(report.written, report.kept_aside, warnings)


def build(roots: list[Path], output_dir: Path, templates_dir: Path = TEMPLATES_DIR, *,
          force: bool = False, formats: tuple[str, ...] | None = None) -> list[Path]:
    """Build the contracts and return the written paths (see `build_report`)."""
    return build_report(roots, output_dir, templates_dir, force=force, formats=formats).written


def contract_roots(content_dir: Path, slugs: list[str] | None = None) -> list[Path]:
    """Return the contract folders to build: all of `content_dir`, or those named."""
    if not slugs:
        return list(iter_contract_roots(content_dir))
    return [content_dir / slug for slug in slugs]
