"""The build of one or many contracts: load → validate → enrich (amend, compute, verify) → render → write.

A contract is all or nothing: every problem of it is gathered before anything of it is written (as mkdocs'
build does), and a contract that fails does not stop the others. Contracts are built in the workers of an
executor (a process pool, a Dask cluster) and written by the calling process; an unchanged contract is skipped.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, Iterator

from . import TEMPLATES_DIR, __version__
from .allocator import return_large_blocks
from .caches import clear_text_caches
from .errors import BuildFailed, Location, Problem, Problems, display_path
from .load import SourceTree, iter_contract_roots, iter_tree, load_contract
from .write import Manifest, Output, WriteFailed, check_contract_name, write_outputs

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .amend import Version
    from .kinds import Kind

# The stages past loading (schemas, Jinja, docxtpl, python-docx, XlsxWriter…) are imported by the functions that
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
    from .kinds import kind_names
    from .scaffold import find_markers

    prepared = Prepared(root, tree=tree, problems=problems if problems is not None else Problems())
    problems = prepared.problems
    # A draft avenant's markers make its own documents drafts, not the contract's (see `iter_amended`)
    prepared.markers = find_markers(tree, only=lambda rel: not rel.startswith("avenants/"))
    contrat = tree.get("contrat.yaml")
    if contrat is None or not isinstance(contrat.data, dict):
        if not problems:
            problems.add(Location(display_path(root / "contrat.yaml")), "contrat.yaml absent ou vide")
        return prepared
    kind = _import_kind(str(contrat.data.get("type")))
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
    for rel_path, path in _pictures(prepared.root):  # what prose shows (`![carte](carte.png)`)
        h.update(rel_path.encode() + b"\0" + path.read_bytes())
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


def _pictures(root: Path) -> list[tuple[str, Path]]:
    """Return (relative path, path) of the picture files of a contract's folder, sorted."""
    from .prose import IMAGE_SUFFIXES

    return sorted((rel_path, Path(entry.path)) for rel_path, entry in iter_tree(root)
                  if entry.name.lower().endswith(IMAGE_SUFFIXES) and entry.is_file())


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


def signatories(context: dict) -> tuple[str, ...]:
    """Return the names of the representatives who sign a document rendered with `context`, in the order of
    its signature table (the kinds with signatures give their `parties`)."""
    return tuple(partie.representant.nom for partie in context.get("parties") or ())


def _import_kind(name: str) -> Kind | None:
    """Return the declared kind named `name` (see `kinds.get_kind`), imported with the cyclic collector paused,
    then the objects alive frozen out of its passes (`_freeze_imported`).

    The first contract imports its kind: pydantic's models and validators, the typography's patterns, some
    hundred modules, all alive until the process ends. The collector's passes during that import went through
    a growing heap to free next to nothing (some 190 objects of the 43 000 the largest kind's import leaves,
    kept then by the freeze): 1 % of the instructions of a cold build of one contract. A collector the caller
    had paused stays paused."""
    from .kinds import get_kind

    collecting = gc.isenabled()
    gc.disable()
    try:
        kind = get_kind(name)
    finally:
        if collecting:
            gc.enable()
    _freeze_imported()
    return kind


@functools.cache
def _freeze_imported() -> None:
    """Leave the objects alive once a contract's kind is imported out of the garbage collector's passes, once
    per process (`gc.freeze`).

    Modules, classes and pydantic's validators live until the process ends, but each full pass of the collector
    goes through all of them again: 3 % of the instructions of a cold build of one contract. A frozen object is
    still freed when no longer referenced; only a reference cycle among them would stay, and only the first
    contract's sources are frozen with them."""
    gc.freeze()


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
    outputs = []
    for index, (name, rel) in enumerate(kind.templates.items()):
        shared_regions.last = index == len(kind.templates) - 1  # its regions are let go once it is rendered
        outputs.append(Output(dest_dir / f"{name}.docx", render_docx(templates_dir / rel, context, origin,
                                                                     shared_regions, content_dir=prepared.root),
                              digest, signatories(context)))
    if "html" in formats:
        from .render_html import render_html

        outputs += [Output(dest_dir / f"{name}.html", render_html(templates_dir / rel, context, origin), digest)
                    for name, rel in kind.html_templates.items()]
    if "xlsx" in formats and kind.workbook is not None:
        from .render_xlsx import render_xlsx

        outputs += [Output(dest_dir / f"{name}.xlsx", render_xlsx(book.sheets, book.title, origin), digest)
                    for name, book in kind.workbook(prepared.computed).items()]
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
    outputs = [Output(dest_dir / f"{name}.docx", render_docx(path, context, origin, content_dir=current.root), digest,
                      signatories(context))
               for name, path in zip(kind.avenant_templates, template_paths)]
    when = datetime.combine(signed_or_last_date(version), datetime.min.time())
    marked = redline(previous_outputs[0].data, current_outputs[0].data, author="Paraphe", when=when)
    outputs.append(Output(dest_dir / "redline.docx", reproducible_zip(marked, origin.generated), digest))
    return outputs


def signed_or_last_date(version: Version):
    """Return the avenant's date, or for a draft not dated yet the last date known before it (the revisions of
    its redline carry a date, the same at every build)."""
    import datetime as dt

    for avenant in [version.avenant, *reversed(version.earlier)]:
        if isinstance(avenant.avenant.date, dt.date):
            return avenant.avenant.date
    signature = (version.tree.get("contrat.yaml").data.get("signature") or {}).get("date")
    return signature if isinstance(signature, dt.date) else dt.date(2000, 1, 1)


def render_all_versions(prepared: Prepared, output_dir: Path, templates_dir: Path, problems: Problems,
                        formats: tuple[str, ...] = DEFAULT_FORMATS, up_to: int | None = None) -> list[Output]:
    """Render the contract and, for each of its avenants, the four documents of the amended version.

    Each avenant is checked on its own: one that cannot be applied (a draft naming a fiche that does not exist)
    adds its problems and ends the chain, and the documents of the contract and of the avenants before it are
    still returned, to be written. With `up_to`, the avenants after that one are left aside.
    """
    from .amend import AVENANTS_DIR

    outputs = render(prepared, output_dir, templates_dir, formats=formats)
    if prepared.kind.avenant_context is None or not any(prepared.tree.iter_files(AVENANTS_DIR, ".yaml")):
        return outputs
    previous_outputs = outputs
    for previous, current, version in iter_amended(prepared, problems, up_to=up_to):
        current_outputs = render(current, output_dir, templates_dir, version, formats)
        outputs += current_outputs + render_avenant(previous, current, version, previous_outputs, current_outputs,
                                                     templates_dir)
        previous_outputs = current_outputs
    return outputs


def iter_amended(prepared: Prepared, problems: Problems, *, verify: bool = False,
                 findings: Problems | None = None, up_to: int | None = None):
    """Yield (previous, current, version) for each avenant that applies: the version before it and its own,
    validated and computed (`Prepared`).

    The first avenant that does not apply, or whose consolidated version is invalid, adds its problems and ends
    the chain. With `verify`, each consolidated version's declared figures are compared with the computed ones,
    each new disagreement added to `findings` and said to be after that avenant.
    """
    from .amend import avenant_files
    from .amend import versions as amend_versions
    from .scaffold import find_markers

    chain = amend_versions(prepared.tree, prepared.kind, problems, up_to=up_to)
    files = avenant_files(prepared.tree)[:up_to]
    previous = prepared
    known = {problem.message for problem in prepared.findings}
    for version in chain[1:]:
        current = compute_tree(version.tree, prepared.root, verify=False)
        own = version.avenant.source.rel_path
        own_folder = own.removesuffix(".yaml") + "/"
        current.markers = find_markers(version.tree, only=lambda rel: rel == own or rel.startswith(own_folder)
                                       or not rel.startswith("avenants/"))
        if current.problems.errors:
            problems.extend(current.problems.errors)
            for later in files[version.numero:]:
                problems.add(later.location(), f"l'avenant n° {files.index(later) + 1} n'est pas construit : "
                                               f"l'avenant n° {version.numero}, qu'il suit, est en erreur")
            return
        if verify and findings is not None:
            if previous.kind.references is not None:
                from .verify import check_avenant_references

                check_avenant_references(version.avenant.source, version.numero,
                                         previous.kind.references(previous.computed), findings)
            found = Problems()
            current.kind.verify(current.computed, found)
            for problem in found:
                if problem.message not in known:  # said of the version before already: said once
                    findings.add(problem.location, f"après l'avenant n° {version.numero} : {problem.message}",
                                 is_warning=problem.is_warning)
            known = {problem.message for problem in found}
        yield previous, current, version
        previous = current


def check_avenants(prepared: Prepared) -> tuple[Problems, Problems]:
    """Return the problems of the contract's avenants, checked in order as a build applies them, and the
    disagreements of each consolidated version's figures (for `verifier`)."""
    problems, findings = Problems(), Problems()
    if prepared.kind is None or prepared.kind.avenant_context is None or prepared.problems.errors:
        return problems, findings
    for _ in iter_amended(prepared, problems, verify=True, findings=findings):
        pass
    return problems, findings


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
    runs in a worker process of the batch: everything it returns can be pickled. Any exception of the build
    (a bug, memory exhausted…) becomes a French problem of this contract alone.
    """
    return_large_blocks()
    try:
        return _build_contract(root, inputs, output_dir, templates_dir, formats, avenant, strict)
    except Exception as exc:  # noqa: BLE001 - one contract's failure is that contract's alone
        return ContractResult(root, inputs=inputs, errors=[unexpected_problem(root, exc)])
    finally:
        clear_text_caches()


def unexpected_problem(root: Path, exc: BaseException) -> Problem:
    """Return, in French, the problem of a contract whose build raised an exception nobody expected."""
    if isinstance(exc, MemoryError):
        reason = "mémoire insuffisante"
    elif isinstance(exc, RecursionError):
        reason = "contenu ou modèle trop profondément imbriqué"
    elif isinstance(exc, OSError):
        reason = f"erreur du système : {exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
    else:
        reason = f"{type(exc).__name__} : {exc}" if str(exc) else type(exc).__name__
    return Problem(Location(display_path(root)),
                   f"erreur inattendue en construisant ce contrat ({reason}) ; les autres contrats sont construits")


def _build_contract(root: Path, inputs: str | None, output_dir: Path, templates_dir: Path,
                    formats: tuple[str, ...] | None, avenant: int | None, strict: bool) -> ContractResult:
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
        outputs = render_all_versions(prepared, output_dir, templates_dir, errors, result.formats, avenant)
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
    # An avenant in error leaves the contract and the avenants before it to be written (`outputs`); a
    # template problem leaves none. Either way the contract is built again next time.
    result.outputs = outputs
    if result.errors:
        result.inputs = None
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
    partly_written: list[str] = field(default_factory=list)
    """Failed contracts whose documents were written up to an avenant in error."""

    @property
    def problems(self) -> list[Problem]:
        return [p for problems in self.failed.values() for p in problems]


def _finish(result: ContractResult, output_dir: Path, force: bool, report: BuildReport, on_wait=None) -> None:
    """Write one contract's outputs (all or nothing for it), and note the outcome; a write that fails is a
    failure of this contract alone (the files it kept aside are still reported)."""
    slug = result.root.name
    if result.errors:
        report.failed[slug] = result.errors
        if not result.outputs:
            return
        report.partly_written.append(slug)
    outputs = [o for o in result.outputs if o.dest_path.suffix != ".docx" or "docx" in result.formats]
    try:
        written = write_outputs(outputs, output_dir / slug, force=force, inputs=result.inputs, on_wait=on_wait)
    except WriteFailed as exc:
        report.kept_aside += exc.kept_aside
        report.failed[slug] = exc.problems
        return
    except Exception as exc:  # noqa: BLE001 - one contract's failure is that contract's alone
        report.failed[slug] = [unexpected_problem(result.root, exc)]
        return
    report.written += written.written
    report.kept_aside += written.kept_aside
    report.warnings += written.warnings
    if not result.errors:
        report.built.append(slug)


def _convert_batch(waiting: list[ContractResult], output_dir: Path, processes: int | None = None) -> None:
    """Add the PDF/A and ODT versions to the contracts that ask for them, converted by LibreOffice processes kept
    warm for the batch, one per core (`render_office.OfficePool`; one `soffice --convert-to` process per format
    and layout pass where UNO is missing). The documents are laid out first (`render_office.paginate`): their
    .docx get the page numbers of their sommaire and their page count, and the ODT is made from that .docx. Each
    PDF gets a signature field in each signatory's block, and is checked to be the PDF/A it says it is. A
    conversion that fails fails the contracts it concerns.

    A rendered .docx converted before whose laid-out .docx, PDF and ODT are still on disk as they were made is
    not converted again (`render_office.ConversionRecords`). `processes`: how many LibreOffice processes at most
    (one per core by default)."""
    if not waiting:  # a build without PDF or ODT loads nothing of LibreOffice's side
        return
    from concurrent.futures import ThreadPoolExecutor

    from .pdfa import open_pdf_problems
    from .render_office import ConversionRecords, OfficePool, convert, paginate
    from .render_signature import add_signature_fields

    def fail(results: list[ContractResult], exc: Exception) -> None:
        for result in results:
            if isinstance(exc, BuildFailed):
                problems = [p for p in exc.problems if p not in result.errors]
            else:  # an exception nobody expected: the contracts concerned fail, the others are written
                problems = [unexpected_problem(result.root, exc)]
            result.errors, result.outputs = [*result.errors, *problems], []

    def wanted(result: ContractResult) -> set[str]:
        return {"docx", "pdf", "odt"} & set(result.formats)

    def replace(result: ContractResult, output: Output, data: bytes) -> Output:
        updated = Output(output.dest_path, data, output.sources_hash, output.signatories)
        result.outputs[result.outputs.index(output)] = updated
        return updated

    sources = {str(o.dest_path): (r, o) for r in waiting for o in r.outputs if o.dest_path.suffix == ".docx"}
    records = ConversionRecords(output_dir)
    rendered = {name: o.data for name, (_, o) in sources.items()}  # the keys of the records
    for name, (result, output) in list(sources.items()):
        found = records.reuse(output.data, output.dest_path, wanted(result))
        if found is None:
            continue
        del sources[name]
        if "docx" in found:
            output = replace(result, output, found["docx"])
        result.outputs += [Output(output.dest_path.with_suffix(f".{suffix}"), found[suffix], output.sources_hash)
                           for suffix in ("pdf", "odt") if suffix in found]
    if not sources:
        return
    try:
        pool = OfficePool(min(len(sources), processes or os.cpu_count() or 1)) if OfficePool.available() else None
    except Exception as exc:  # noqa: BLE001 - see fail()
        fail(list({id(r): r for r, _ in sources.values()}.values()), exc)
        return

    def finish_pdf(name: str, document) -> tuple[bool, list[str]]:
        """Give the PDF (open with pikepdf, `render_office.paginate`) its signature fields; return whether it
        changed it, and what keeps it from being the PDF/A it says it is (what is signed and archived must be);
        nothing for a document whose PDF is not asked (laid out for its ODT)."""
        result, output = sources[name]
        if "pdf" not in result.formats:
            return False, None
        signatories = output.signatories
        added = add_signature_fields(document, list(signatories)) if signatories else False
        return added, open_pdf_problems(document)

    def make_one(name: str):
        """With warm processes: one document, from its layout to its ODT (a thread each: one document's Python
        work is done while LibreOffice converts others)."""
        result, output = sources[name]
        paginated = paginate({name: output.data}, pool=pool, finish=finish_pdf)[name]
        pdf = (paginated.pdf, paginated.finishing) if "pdf" in result.formats else None
        odt = convert({name: paginated.docx}, "odt", pool=pool)[name] if "odt" in result.formats else None
        return paginated, pdf, odt

    def make_all() -> dict[str, tuple]:
        """Without UNO: one LibreOffice process per layout pass and format, for the whole batch."""
        laid_out = paginate({name: o.data for name, (_, o) in sources.items()}, finish=finish_pdf)
        pdfs = {name: (paginated.pdf, paginated.finishing) for name, paginated in laid_out.items()
                if "pdf" in sources[name][0].formats}
        odts = convert({name: laid_out[name].docx for name, (r, _) in sources.items() if "odt" in r.formats}, "odt")
        return {name: (laid_out[name], pdfs.get(name), odts.get(name)) for name in sources}

    outcomes: dict[str, tuple | Exception] = {}
    if pool is not None:
        with pool, ThreadPoolExecutor(2 * pool.processes, thread_name_prefix="conversion") as threads:
            futures = {name: threads.submit(make_one, name) for name in sources}
            for name, future in futures.items():
                try:
                    outcomes[name] = future.result()
                except Exception as exc:  # noqa: BLE001 - see fail(): the contract of this document fails
                    outcomes[name] = exc
    else:
        try:
            outcomes = make_all()
        except Exception as exc:  # noqa: BLE001 - see fail()
            outcomes = {name: exc for name in sources}
    failed = {id(sources[name][0]): sources[name][0] for name, outcome in outcomes.items()
              if isinstance(outcome, Exception)}
    for name, outcome in outcomes.items():
        if isinstance(outcome, Exception):
            fail([sources[name][0]], outcome)
    made: dict[str, dict[str, bytes]] = {}
    for name, outcome in outcomes.items():
        result, output = sources[name]
        if id(result) in failed:
            continue
        paginated, pdf, odt = outcome
        output = replace(result, output, paginated.docx)
        files = made[name] = {"docx": paginated.docx}
        if pdf is not None:
            data, flaws = pdf
            dest = output.dest_path.with_suffix(".pdf")
            if flaws:  # not written: the contract fails, naming the file and what is wrong with it
                result.errors = [*result.errors, *(Problem(Location(display_path(dest)), flaw) for flaw in flaws)]
            else:
                result.outputs.append(Output(dest, data, output.sources_hash))
                files["pdf"] = data
        if odt is not None:
            result.outputs.append(Output(output.dest_path.with_suffix(".odt"), odt, output.sources_hash))
            files["odt"] = odt
    for name, files in made.items():
        result = sources[name][0]
        if not result.errors and wanted(result) <= set(files):
            records.remember(rendered[name], {suffix: files[suffix] for suffix in wanted(result)})
    records.prune()


def _results_as_completed(executor: Executor, task, pending: Iterator[tuple[Path, str | None]], window: int = 64,
                          task_timeout: float | None = None):
    """Yield the results of `task` over `pending` as the executor completes them, with at most `window` tasks
    submitted and not yet collected: the outputs of a national batch never all wait in memory at once (64
    contracts, some 11 MB, keep 32 workers busy).

    A task that fails in the executor (a cluster lost, a result that cannot travel) gives a failed result for
    its contract. When a worker process dies (killed by the system for memory, say), the pool is broken and
    every task in flight lost: those are tried again one at a time (in a pool that renews itself, see
    `batch.process_pool`), so that only the contract that kills its worker fails. When no task completes for
    `task_timeout` seconds (every worker gone, a scheduler stopped), the contracts still waiting fail with a
    French message: the build never hangs.
    """
    from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, wait  # a batch's only: not one contract's

    waiting = iter(pending)
    in_flight: dict = {}
    lost: list[ContractResult] = []
    suspects: list[tuple[Path, str | None]] = []  # in flight when their pool broke

    def fill() -> None:
        """Submit contracts until `window` are in flight; one the executor refuses (broken, shut down) fails."""
        while len(in_flight) < window:
            item = next(waiting, None)
            if item is None:
                return
            root, inputs = item
            try:
                in_flight[executor.submit(task, root, inputs)] = item
            except Exception as exc:  # noqa: BLE001 - this contract fails, the next ones are tried
                lost.append(ContractResult(root, inputs=inputs, errors=[_executor_problem(root, exc)]))

    def outcome(future, root: Path, inputs: str | None) -> ContractResult:
        try:
            return future.result()
        except BaseException as exc:  # noqa: BLE001 - this contract fails alone
            if not isinstance(exc, Exception) and not _asyncio_cancelled(exc):
                raise
            return ContractResult(root, inputs=inputs, errors=[_executor_problem(root, exc)])

    def alone(root: Path, inputs: str | None) -> ContractResult:
        """Build one contract with nothing else in flight: if its worker dies again, it is the one."""
        try:
            future = executor.submit(task, root, inputs)
        except Exception as exc:  # noqa: BLE001 - an executor that cannot start again: this contract fails
            return ContractResult(root, inputs=inputs, errors=[_executor_problem(root, exc)])
        if not wait([future], timeout=task_timeout).done:
            future.cancel()
            return ContractResult(root, inputs=inputs, errors=[_timeout_problem(root, task_timeout)])
        return outcome(future, root, inputs)

    fill()
    while in_flight or lost or suspects:
        yield from lost
        lost.clear()
        if suspects and not in_flight:  # every task of the broken pool has come back
            for root, inputs in suspects:
                yield alone(root, inputs)
            suspects.clear()
            fill()
            continue
        if not in_flight:
            break
        done, _ = wait(in_flight, timeout=task_timeout, return_when=FIRST_COMPLETED)
        if not done:
            for future, (root, inputs) in in_flight.items():
                future.cancel()
                yield ContractResult(root, inputs=inputs, errors=[_timeout_problem(root, task_timeout)])
            for root, inputs in [*suspects, *waiting]:
                yield ContractResult(root, inputs=inputs, errors=[_timeout_problem(root, task_timeout)])
            return
        results = []
        for future in done:
            root, inputs = in_flight.pop(future)
            if not future.cancelled() and isinstance(future.exception(), BrokenExecutor):
                suspects.append((root, inputs))
            else:
                results.append(outcome(future, root, inputs))
        if not suspects:
            fill()  # the workers go on while this process writes what came back
        yield from results


def _asyncio_cancelled(exc: BaseException) -> bool:
    """Return whether `exc` is asyncio's CancelledError (a cluster's future raises it), without importing asyncio
    for a build that never started it: then no such error can exist."""
    asyncio = sys.modules.get("asyncio")
    return asyncio is not None and isinstance(exc, asyncio.CancelledError)


def _executor_problem(root: Path, exc: BaseException) -> Problem:
    """Return, in French, the problem of a contract whose task the executor could not run to its end."""
    from concurrent.futures import BrokenExecutor, CancelledError

    if isinstance(exc, BrokenExecutor):
        reason = "le processus qui le construisait s'est arrêté brutalement (mémoire épuisée, tué ?)"
    elif isinstance(exc, CancelledError) or _asyncio_cancelled(exc):
        reason = "sa tâche a été annulée (ordonnanceur de la grappe arrêté ?)"
    else:
        return unexpected_problem(root, exc)
    return Problem(Location(display_path(root)), f"ce contrat n'a pas été construit : {reason} ; "
                                                 "rien n'a été écrit pour lui")


def _timeout_problem(root: Path, timeout: float | None) -> Problem:
    return Problem(Location(display_path(root)),
                   f"ce contrat n'a pas été construit : aucun travailleur n'a rendu de résultat en {timeout:g} s "
                   "(travailleurs arrêtés ou grappe injoignable) ; rien n'a été écrit pour lui")


def build_report(roots: list[Path], output_dir: Path, templates_dir: Path = TEMPLATES_DIR, *,
                 force: bool = False, avenant: int | None = None, formats: tuple[str, ...] | None = None,
                 rebuild: bool = False, executor: Executor | None = None, executor_for=None,
                 on_progress=None, on_wait=None, task_timeout: float | None = None, strict: bool = False
                 ) -> BuildReport:
    """Build the contracts, each in a worker of `executor` when given, and write each one that succeeded.

    A contract is all or nothing: every problem of it is gathered before anything of it is written, and a
    contract that fails does not stop the others (the report lists it). Unchanged contracts are skipped unless
    `rebuild`. With `avenant`, only the documents of that avenant are written. Any exception while building or
    writing one contract fails that contract alone. `on_wait(folder)` is called when another build is writing
    a contract's folder (this one waits for it); with an executor, the contracts still waiting fail when no
    task completes for `task_timeout` seconds. With `strict`, a warning fails its contract, and every contract
    is checked again (one built before without `strict` may have warnings).
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
                unchanged = not rebuild and avenant is None and is_unchanged(root, output_dir, inputs)
            except Exception:  # noqa: BLE001 - a file unreadable or gone meanwhile, a manifest that is not one:
                yield root, None  # the build says which, and its next one retries
                continue
            if unchanged:
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
        results = _results_as_completed(executor, task, work, task_timeout=task_timeout)
    waiting = []  # contracts with PDF or ODT to produce: converted together, written after
    for result in results:
        report.warnings.extend(result.warnings)
        if result.outputs and {"pdf", "odt"} & set(result.formats):
            waiting.append(result)
        else:
            _finish(result, output_dir, force, report, on_wait)
        if on_progress is not None:
            on_progress(result)
    _convert_batch(waiting, output_dir)
    for result in waiting:
        _finish(result, output_dir, force, report, on_wait)
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
    """Return the contract folders to build: all of `content_dir`, or those named; raise ContractNameError (in
    French) for a name that is not one folder's name (« .. », « a/b »)."""
    if not slugs:
        return list(iter_contract_roots(content_dir))
    return [content_dir / check_contract_name(slug) for slug in slugs]
