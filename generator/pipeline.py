"""The build of one or many contracts: load → validate → enrich (amend, compute, verify) → render → write.

A contract is all or nothing: every problem of it is gathered before anything of it is written (as mkdocs'
build does), and a contract that fails does not stop the others. Contracts are built in the workers of an
executor (a process pool, a Dask cluster) and written by the calling process; an unchanged contract is skipped.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import hashlib
import itertools
import os
import re
import threading
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, Iterator

from . import TEMPLATES_DIR, __version__
from .errors import BuildFailed, Location, Problem, Problems, display_path
from .load import SourceTree, iter_contract_roots, iter_tree, load_contract
from .write import Manifest, Output, write_outputs

if TYPE_CHECKING:
    from .amend import Version
    from .kinds import Kind

# The stages past loading (schemas, Jinja, docxtpl, python-docx, openpyxl…) are imported by the functions that
# run them: a build that finds every contract unchanged never loads them, and its start stays short.

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


BUILD_COLLECTION_THRESHOLD = 20_000
"""Objects allocated and not yet freed after which Python's cyclic collector runs, while contracts build."""

_threshold_lock = threading.Lock()
_builds_running = 0
_saved_threshold = gc.get_threshold()


KEPT_ALLOCATION_BYTES = 32 * 2**20
"""Size up to which the C library's malloc serves and keeps memory in its heap, once builds run (glibc)."""

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters, from glibc's <malloc.h>


@functools.cache
def keep_freed_memory() -> None:
    """Have glibc's malloc keep the memory a contract's build frees, for the next build to reuse.

    A build makes and drops strings of a megabyte (a rendered body, its encoding, the zipped document). By
    default glibc maps each block past its threshold (128 KiB, raised as such blocks are freed) on its own and
    unmaps it when freed, and gives the top of its heap back past another: each contract then touches fresh
    pages again, some 1 200 page faults a contract and a sixth of its cycles (181 → 147 million with both
    thresholds raised). Raised, they keep a process's memory at its high-water mark instead (some 80 MB a
    worker). The processes the build command starts and runs itself call it, once each; not a library user's
    (a Dask worker keeps its own settings). Nothing is done where the C library is not glibc.
    """
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return
        mallopt = ctypes.CDLL(None).mallopt
    except (ValueError, OSError, AttributeError):  # not glibc: no such name, library, or function
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt(_M_MMAP_THRESHOLD, KEPT_ALLOCATION_BYTES)
    mallopt(_M_TRIM_THRESHOLD, 2 * KEPT_ALLOCATION_BYTES)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block (one contract's build) with Python's cyclic garbage collector run far less often.

    A contract's build holds some 10^4 objects at once (YAML nodes, positions, models, computed figures) and
    leaves no reference cycle (tests check it): at Python's default threshold, 700 objects, the collector
    traced the growing young objects a dozen times per contract and the whole heap every twenty contracts, for
    10 to 15 % of a build and nothing to free. It still runs every `BUILD_COLLECTION_THRESHOLD` objects, for
    the cycles other code may make while builds run (the threads of a Dask worker). The first block to come in
    raises the threshold, the last to leave restores it; a collector switched off stays off.
    """
    global _builds_running, _saved_threshold
    with _threshold_lock:
        if _builds_running == 0:
            _saved_threshold = gc.get_threshold()
            if _saved_threshold[0]:  # a threshold of 0 means no collection at all: left as it is
                gc.set_threshold(max(BUILD_COLLECTION_THRESHOLD, _saved_threshold[0]), *_saved_threshold[1:])
        _builds_running += 1
    try:
        yield
    finally:
        with _threshold_lock:
            _builds_running -= 1
            if _builds_running == 0:
                gc.set_threshold(*_saved_threshold)


def read_and_compute(root: Path, *, verify: bool = True) -> Prepared:
    """Load, validate and compute one contract folder; problems are collected, never raised. With `verify`,
    the figures the content prints are compared with the computed ones (`Prepared.findings`)."""
    problems = Problems()
    tree = load_contract(root, problems)
    return compute_tree(tree, root, problems, verify=verify)


def compute_tree(tree: SourceTree, root: Path, problems: Problems | None = None, *, verify: bool = True
                 ) -> Prepared:
    """Validate and compute a loaded (or amended) contract; problems are collected, never raised. With
    `verify`, the figures the content prints are compared with the computed ones (`Prepared.findings`)."""
    from .kinds import get_kind, kind_names
    from .scaffold import find_markers

    prepared = Prepared(root, tree=tree, problems=problems if problems is not None else Problems())
    problems = prepared.problems
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
    if dossier is None:
        return prepared
    # A kind may give a dossier despite errors (some fiches invalid): it is computed and verified so that one
    # run names every mistake, and not rendered.
    computed = kind.compute(dossier)
    if verify:
        kind.verify(computed, prepared.findings)
    if not problems.errors:
        prepared.computed = computed
    return prepared


def sources_hash(prepared: Prepared, template_paths: list[Path]) -> str:
    """Return the hash of everything an output is made from: content files, templates, engine version."""
    h = hashlib.sha256(__version__.encode())
    h.update(prepared.tree.digest().encode())
    for path in template_paths:
        try:
            stat = path.stat()
        except (OSError, ValueError):  # missing, below a file, a link loop, a NUL in the name
            stat = None
        if stat is not None and S_ISREG(stat.st_mode):
            h.update(_template_bytes(path, stat.st_mtime_ns, stat.st_size))
        else:
            h.update(b"absent:" + str(path).encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=64)
def _template_bytes(path: Path, modified_ns: int, size: int) -> bytes:
    """Return a template file's bytes, read once per process and per version of the file."""
    return path.read_bytes()


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
    from .provenance import provenance
    from .render_docx import render_docx
    from .wordml import SharedRegions

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
    shared_regions = SharedRegions(context)  # the regions the kind's templates have in common, rendered once
    outputs = [Output(dest_dir / f"{name}.docx", render_docx(templates_dir / rel, context, origin, shared_regions),
                      digest)
               for name, rel in kind.templates.items()]
    if "html" in formats:
        from .render_html import render_html

        outputs += [Output(dest_dir / f"{name}.html", render_html(templates_dir / rel, context, origin), digest)
                    for name, rel in kind.html_templates.items()]
    if "xlsx" in formats and kind.workbook is not None:
        from .render_xlsx import render_xlsx

        outputs += [Output(dest_dir / f"{name}.xlsx", render_xlsx(sheets, name, origin), digest)
                    for name, sheets in kind.workbook(prepared.computed).items()]
    return outputs


def render_avenant(previous: Prepared, current: Prepared, version: Version, previous_outputs: list[Output],
                   current_outputs: list[Output], templates_dir: Path = TEMPLATES_DIR) -> list[Output]:
    """Render the avenant itself and the redline of the main document between the two versions."""
    from .provenance import provenance, reproducible_zip
    from .render_docx import render_docx
    from .wordml.redline import redline

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
    from .amend import AVENANTS_DIR
    from .amend import versions as amend_versions

    outputs = render(prepared, output_dir, templates_dir, formats=formats)
    if prepared.kind.avenant_context is None or not any(prepared.tree.iter_files(AVENANTS_DIR, ".yaml")):
        return outputs
    chain = amend_versions(prepared.tree, prepared.kind, problems)
    previous, previous_outputs = prepared, outputs
    for version in chain[1:]:
        current = compute_tree(version.tree, prepared.root, verify=False)
        problems.extend(current.problems.errors)
        if current.problems.errors:
            break
        current_outputs = render(current, output_dir, templates_dir, version, formats)
        outputs += current_outputs + render_avenant(previous, current, version, previous_outputs, current_outputs,
                                                     templates_dir)
        previous, previous_outputs = current, current_outputs
    return outputs


def _stat_lines(paths) -> str:
    lines = []
    for path in paths:
        try:
            stat = path.stat()
            lines.append(f"{path}|{stat.st_size}|{stat.st_mtime_ns}")
        except FileNotFoundError:
            lines.append(f"{path}|absent")
    return "\n".join(lines)


def _content_stat_lines(root: Path) -> str:
    """Return path, size and modification time of every file of a folder (os.scandir: no Path per directory
    entry, no second stat call)."""
    lines = []
    for _, entry in iter_tree(root):
        stat = entry.stat()
        lines.append(f"{entry.path}|{stat.st_size}|{stat.st_mtime_ns}")
    return "\n".join(sorted(lines))


def _kind_and_engine_lines(templates_dir: Path, kind_name: str | None) -> str:
    """Return the stat lines of a kind's templates (its folder `templates/<kind>/` and the page layout of the
    HTML templates) and of the engine's code: the same for all the contracts of a kind."""
    paths = sorted(Path(__file__).resolve().parent.rglob("*.py"))
    paths.append(templates_dir / "html" / "base.html")
    lines = _stat_lines(paths)
    if kind_name and (templates_dir / kind_name).is_dir():
        lines += "\n" + _content_stat_lines(templates_dir / kind_name)
    return lines


def inputs_fingerprint(root: Path, templates_dir: Path, formats: tuple[str, ...] | None,
                       shared: dict | None = None) -> str:
    """Return a fingerprint of everything a contract's outputs are made from, without reading file contents:
    path, size and modification time of its content files, of its kind's templates and of the engine's code,
    the engine version and the formats asked. It changes when any of them changes.

    `shared` keeps, for one build, the part that all the contracts of a kind have in common.
    """
    contrat = root / "contrat.yaml"
    # the type only chooses which templates count: a file that is not UTF-8 is the build's to report
    match = _TYPE.search(contrat.read_bytes().decode("utf-8", "replace")) if contrat.is_file() else None
    kind_name = match.group(1).strip("'\"") if match else None
    if kind_name is not None and not _KIND_NAME.fullmatch(kind_name):
        kind_name = None  # not a kind (the build says so): never a path to walk
    shared = {} if shared is None else shared
    if kind_name not in shared:
        shared[kind_name] = _kind_and_engine_lines(templates_dir, kind_name)
    content = _content_stat_lines(root)
    text = f"{__version__}|{formats}\n{shared[kind_name]}\n{content}"
    return hashlib.sha256(text.encode()).hexdigest()


_TYPE = re.compile(r"^type:\s*(\S+)", re.M)
_KIND_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def is_unchanged(root: Path, output_dir: Path, inputs: str) -> bool:
    """Tell whether the contract's outputs were built from these very inputs and are still as written."""
    return Manifest(output_dir / root.name).is_up_to_date(inputs)


@dataclass
class ContractResult:
    """What building one contract gave: its outputs (not written yet), or why it failed."""

    root: Path
    outputs: list[Output] = field(default_factory=list)
    formats: tuple[str, ...] = DEFAULT_FORMATS
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    inputs: str | None = None


def build_contract(root: Path, inputs: str | None, output_dir: Path, templates_dir: Path = TEMPLATES_DIR,
                   formats: tuple[str, ...] | None = None, avenant: int | None = None,
                   strict: bool = False) -> ContractResult:
    """Load, check, compute, verify and render one contract and its avenants; never raises for its content.

    Every mistake is named at once: a reference to an article that does not exist is an error, a declared
    figure that disagrees with the computation a warning (an error too with `strict`, as every warning).
    `inputs` is the contract's fingerprint, taken by the caller before building (it goes to the manifest). It
    runs in a worker process of the batch: everything it returns can be pickled.
    """
    with fewer_collections():
        result = ContractResult(root, inputs=inputs)
        prepared = read_and_compute(root)
        problems, findings = prepared.problems, prepared.findings
        result.warnings = problems.warnings + findings.warnings
        result.errors = problems.errors + findings.errors
        if strict and result.warnings:
            result.errors, result.warnings = result.errors + result.warnings, []
        if result.errors:
            return result
        result.formats = contract_formats(prepared, formats)
        errors = Problems()
        try:
            outputs = render_all_versions(prepared, output_dir, templates_dir, errors, result.formats)
        except BuildFailed as exc:
            errors.extend(exc.problems)
            outputs = []
        if avenant is not None:
            from .amend import AVENANTS_DIR

            outputs = [o for o in outputs if o.dest_path.parent.name == f"avenant-{avenant:02}"]
            if not outputs and not errors:
                errors.add(Location(display_path(root / AVENANTS_DIR)), f"pas d'avenant n° {avenant}")
            result.inputs = None  # a partial build: the next build checks the whole contract again
        result.errors = errors.errors + (errors.warnings if strict else [])
        result.warnings += [] if strict else errors.warnings
        result.outputs = outputs if not result.errors else []
        return result


@dataclass
class BuildReport:
    """What a build wrote, kept aside, skipped and warned about, and which contracts failed."""

    written: list[Path] = field(default_factory=list)
    kept_aside: list[tuple[Path, Path]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        return [p for problems in self.failed.values() for p in problems]


def _finish(result: ContractResult, output_dir: Path, force: bool, report: BuildReport) -> None:
    """Write one contract's outputs (all or nothing for it), and note the outcome."""
    slug = result.root.name
    if result.errors:
        report.failed[slug] = result.errors
        return
    outputs = [o for o in result.outputs if o.dest_path.suffix != ".docx" or "docx" in result.formats]
    written = write_outputs(outputs, output_dir / slug, force=force, inputs=result.inputs)
    report.written += written.written
    report.kept_aside += written.kept_aside
    report.built.append(slug)


def _convert_batch(waiting: list[ContractResult]) -> None:
    """Add the PDF/A and ODT versions to the contracts that ask for them: one LibreOffice process per format
    for the whole batch. A conversion that fails fails the contracts it concerns."""
    from .render_office import convert

    for target in ("pdf", "odt"):
        concerned = [r for r in waiting if target in r.formats and not r.errors]
        sources = {str(o.dest_path): (r, o) for r in concerned for o in r.outputs if o.dest_path.suffix == ".docx"}
        try:
            results = convert({name: o.data for name, (_, o) in sources.items()}, target)
        except BuildFailed as exc:
            for result in concerned:
                result.errors = exc.problems
            continue
        for name, data in results.items():
            result, output = sources[name]
            result.outputs.append(Output(output.dest_path.with_suffix(f".{target}"), data, output.sources_hash))


def _results_as_completed(executor: Executor, task, pending: Iterator[tuple[Path, str | None]], window: int = 64):
    """Yield the results of `task` over `pending` as the executor completes them, with at most `window` tasks
    submitted and not yet collected: the outputs of a national batch never all wait in memory at once (64
    contracts, some 11 MB, keep 32 workers busy)."""
    waiting = iter(pending)
    in_flight = {executor.submit(task, *item) for item in itertools.islice(waiting, window)}
    while in_flight:
        done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            item = next(waiting, None)
            if item is not None:
                in_flight.add(executor.submit(task, *item))
            yield future.result()


def build_report(roots: list[Path], output_dir: Path, templates_dir: Path = TEMPLATES_DIR, *,
                 force: bool = False, avenant: int | None = None, formats: tuple[str, ...] | None = None,
                 rebuild: bool = False, executor: Executor | None = None, executor_for=None,
                 on_progress=None, strict: bool = False) -> BuildReport:
    """Build the contracts, each in a worker of `executor` when given, and write each one that succeeded.

    A contract is all or nothing: every problem of it is gathered before anything of it is written, and a
    contract that fails does not stop the others (the report lists it). Unchanged contracts are skipped unless
    `rebuild`. With `avenant`, only the documents of that avenant are written. With `strict`, a warning fails
    its contract, and every contract is checked again (one built before without `strict` may have warnings).
    """
    report = BuildReport()
    rebuild = rebuild or force or strict

    def iter_pending() -> Iterator[tuple[Path, str | None]]:
        """Yield each contract to build with its fingerprint (None when it could not be taken), noting the
        unchanged ones (a few stat() calls each) as they are found."""
        shared: dict = {}
        for root in roots:
            try:
                inputs = inputs_fingerprint(root, templates_dir, formats, shared)
            except OSError:  # a file unreadable or gone meanwhile: the build says which, and its next one retries
                yield root, None
                continue
            if not rebuild and avenant is None and is_unchanged(root, output_dir, inputs):
                report.unchanged.append(root.name)
                if on_progress is not None:
                    on_progress(None)
            else:
                yield root, inputs

    # The workers start as soon as two contracts are known to build: their start (imports, templates) overlaps
    # the fingerprints of the others, which are taken as tasks are handed out. The pool is sized for the
    # contracts that may still need building (an upper bound: unchanged ones are found later).
    pending = iter_pending()
    first = list(itertools.islice(pending, 2))
    if executor is None and executor_for is not None and first:
        executor = executor_for(len(first) if len(first) < 2 else len(roots) - len(report.unchanged))
    task = partial(build_contract, output_dir=output_dir, templates_dir=templates_dir, formats=formats,
                   avenant=avenant, strict=strict)
    work = itertools.chain(first, pending)
    if executor is None:
        results = (task(root, inputs) for root, inputs in work)
    else:
        results = _results_as_completed(executor, task, work)
    waiting = []  # contracts with PDF or ODT to produce: converted together, written after
    for result in results:
        report.warnings.extend(result.warnings)
        if not result.errors and {"pdf", "odt"} & set(result.formats):
            waiting.append(result)
        else:
            _finish(result, output_dir, force, report)
        if on_progress is not None:
            on_progress(result)
    _convert_batch(waiting)
    for result in waiting:
        _finish(result, output_dir, force, report)
    return report


def build(roots: list[Path], output_dir: Path, templates_dir: Path = TEMPLATES_DIR, *,
          force: bool = False, formats: tuple[str, ...] | None = None, rebuild: bool = True,
          executor: Executor | None = None) -> list[Path]:
    """Build the contracts and return the written paths; raise BuildFailed when any contract failed (the
    others are written)."""
    report = build_report(roots, output_dir, templates_dir, force=force, formats=formats, rebuild=rebuild,
                          executor=executor)
    if report.failed:
        raise BuildFailed(report.problems)
    return report.written


def contract_roots(content_dir: Path, slugs: list[str] | None = None) -> list[Path]:
    """Return the contract folders to build: all of `content_dir`, or those named."""
    if not slugs:
        return list(iter_contract_roots(content_dir))
    return [content_dir / slug for slug in slugs]
