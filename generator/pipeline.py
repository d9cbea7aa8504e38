"""The build of one or many contracts: load → validate → enrich → render, then write once nothing failed.

Every problem of every contract is gathered before anything is written (as mkdocs' build does): a build with
an error writes nothing at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import BuildFailed, Location, Problem, Problems, display_path
from .kinds import Kind, get_kind, kind_names
from .load import SourceTree, iter_contract_roots, load_contract
from .render_docx import render_docx
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


def read_and_compute(root: Path) -> Prepared:
    """Load, validate and compute one contract folder; problems are collected, never raised."""
    prepared = Prepared(root)
    problems = prepared.problems
    tree = load_contract(root, problems)
    prepared.tree = tree
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
        h.update(path.read_bytes())
    return h.hexdigest()


def render(prepared: Prepared, output_dir: Path, templates_dir: Path = TEMPLATES_DIR) -> list[Output]:
    """Render every template of the contract's kind; a template problem is raised as TemplateProblem."""
    kind = prepared.kind
    context = kind.context(prepared.computed)
    template_paths = [templates_dir / rel for rel in kind.templates.values()]
    digest = sources_hash(prepared, template_paths)
    outputs = []
    for name, template_path in zip(kind.templates, template_paths):
        data = render_docx(template_path, context)
        dest_path = output_dir / prepared.root.name / f"{name}.docx"
        outputs.append(Output(dest_path, data, digest))
    return outputs


@dataclass
class BuildReport:
    """What a build wrote, kept aside, and warned about."""

    written: list[Path]
    kept_aside: list[tuple[Path, Path]]
    warnings: list[Problem]


def build_report(roots: list[Path], output_dir: Path, templates_dir: Path = TEMPLATES_DIR, *,
                 force: bool = False) -> BuildReport:
    """Build the contracts: gather and check everything, render, then write; raise BuildFailed on any error."""
    errors = Problems()
    warnings: list[Problem] = []
    outputs: list[Output] = []
    for root in roots:
        prepared = read_and_compute(root)
        errors.extend(prepared.problems.errors)
        warnings.extend(prepared.problems.warnings)
        if prepared.problems.errors:
            continue
        try:
            outputs.extend(render(prepared, output_dir, templates_dir))
        except BuildFailed as exc:
            errors.extend(exc.problems)
    if errors:
        raise BuildFailed(list(errors))
    report = write_outputs(outputs, output_dir, force=force)
    return BuildReport(report.written, report.kept_aside, warnings)


def build(roots: list[Path], output_dir: Path, templates_dir: Path = TEMPLATES_DIR, *,
          force: bool = False) -> list[Path]:
    """Build the contracts and return the written paths (see `build_report`)."""
    return build_report(roots, output_dir, templates_dir, force=force).written


def contract_roots(content_dir: Path, slugs: list[str] | None = None) -> list[Path]:
    """Return the contract folders to build: all of `content_dir`, or those named."""
    if not slugs:
        return list(iter_contract_roots(content_dir))
    return [content_dir / slug for slug in slugs]
