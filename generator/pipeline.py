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
from .redline import redline
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


def render(prepared: Prepared, output_dir: Path, templates_dir: Path = TEMPLATES_DIR,
           version: Version | None = None) -> list[Output]:
    """Render every template of the contract's kind; a template problem is raised as TemplateProblem.

    For an amended version, the documents go to `<contract>/avenant-NN/` and say they are consolidated.
    """
    kind = prepared.kind
    context = kind.context(prepared.computed)
    context["consolidation"] = None
    dest_dir = output_dir / prepared.root.name
    if version is not None and version.numero:
        context["consolidation"] = {"numero": version.numero, "date": version.avenant.avenant.date}
        dest_dir = dest_dir / f"avenant-{version.numero:02}"
    template_paths = [templates_dir / rel for rel in kind.templates.values()]
    digest = sources_hash(prepared, template_paths)
    return [Output(dest_dir / f"{name}.docx", render_docx(path, context), digest)
            for name, path in zip(kind.templates, template_paths)]


def render_avenant(previous: Prepared, current: Prepared, version: Version, previous_outputs: list[Output],
                   current_outputs: list[Output], templates_dir: Path = TEMPLATES_DIR) -> list[Output]:
    """Render the avenant itself and the redline of the main document between the two versions."""
    kind = current.kind
    context = kind.avenant_context(previous.computed, current.computed, version)
    template_paths = [templates_dir / rel for rel in kind.avenant_templates.values()]
    digest = sources_hash(current, template_paths)
    dest_dir = current_outputs[0].dest_path.parent
    outputs = [Output(dest_dir / f"{name}.docx", render_docx(path, context), digest)
               for name, path in zip(kind.avenant_templates, template_paths)]
    when = datetime.combine(version.avenant.avenant.date, datetime.min.time())
    marked = redline(previous_outputs[0].data, current_outputs[0].data, author="Paraphe", when=when)
    outputs.append(Output(dest_dir / "redline.docx", marked, digest))
    return outputs


def render_all_versions(prepared: Prepared, output_dir: Path, templates_dir: Path, problems: Problems) -> list[Output]:
    """Render the contract and, for each of its avenants, the four documents of the amended version."""
    outputs = render(prepared, output_dir, templates_dir)
    if prepared.kind.avenant_context is None or not any(prepared.tree.iter_files(AVENANTS_DIR, ".yaml")):
        return outputs
    chain = amend_versions(prepared.tree, prepared.kind, problems)
    previous, previous_outputs = prepared, outputs
    for version in chain[1:]:
        current = compute_tree(version.tree, prepared.root)
        problems.extend(current.problems.errors)
        if current.problems.errors:
            break
        current_outputs = render(current, output_dir, templates_dir, version)
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


def build_report(roots: list[Path], output_dir: Path, templates_dir: Path = TEMPLATES_DIR, *,
                 force: bool = False, avenant: int | None = None) -> BuildReport:
    """Build the contracts: gather and check everything, render, then write; raise BuildFailed on any error.

    With `avenant`, only the documents of that avenant are written.
    """
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
            outputs.extend(render_all_versions(prepared, output_dir, templates_dir, errors))
        except BuildFailed as exc:
            errors.extend(exc.problems)
    if avenant is not None:
        outputs = [o for o in outputs if o.dest_path.parent.name == f"avenant-{avenant:02}"]
        if not outputs:
            errors.add(Location(display_path(roots[0] / AVENANTS_DIR)), f"pas d'avenant n° {avenant}")
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
