"""Benchmark of the batch, measured in one run; writes bench/RESULTS.md with the machine it ran on.

    python bench/run.py [--contrats 849] [--repetitions 5]

a. one CRTE, in one process: the engine end to end (load → write) vs stock docxtpl (`DocxTemplate(path)`,
   `render`, `save`) on the same template and context, vs the floor (writing the same finished bytes: a lower
   bound of any engine); another contract of the corpus at each round, and one same contract rebuilt round after
   round; on the corpus whose contracts each have their own prose (the main figure), then on the corpus that
   copies Lens-Liévin's prose word for word (a second, labelled figure);
b. the own-prose corpus from cold with one worker and with all cores, and the copied-prose corpus with all cores,
   in interleaved rounds (medians; the cycles and instructions of all the processes of one, counted by `perf
   stat` where it can count), and stock docxtpl per contract document vs the engine per document, one process
   each;
c. a no-op rebuild of the corpus, and a rebuild after changing one fiche, wall time with the interpreter's start;
d. peak memory of the whole build (the parent and its workers, summed; DOCX), small corpus vs full corpus, and
   of one contract of 1000 fiches;
e. time per fiche at 10, 30, 100, 300 fiches;
f. PDF/A throughput: one LibreOffice process for a batch of documents vs one `soffice --convert-to` per document;
g. instructions per CRTE, counted by `perf stat` (the machine's speed drifts, these do not): the engine end to end
   for the contract document and for both documents, stock docxtpl's render and save;
j. the cost of the page-numbered sommaire: the same CRTE documents made PDF/A in one conversion (no page numbers
   in the sommaire) and laid out until their sommaire's numbers are right (`render_office.paginate`);
k. PDF at national scale: the PDF/A of `--contrats-pdf` contracts (contract and annexes) as a build makes them
   (`pipeline._convert_batch`: warm LibreOffice processes, the sommaire laid out until its numbers hold, signature
   fields, PDF/A checks) vs LibreOffice's own conversion of the same .docx in warm processes (one conversion
   each, the PDF as LibreOffice writes it), with one process and with all cores, in alternated rounds (medians
   and paired ratios), wall time and processor time (user + system of every process, LibreOffice's included:
   moved less than wall time by the other engineers' load); then the same batch again with its outputs on disk
   (incremental: nothing converted).
`--sections f` measures some sections only and replaces their rows in RESULTS.md. Ratios come from figures measured in the same run. Not a test: nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.make_corpus import make_corpus  # noqa: E402
from docxtpl import DocxTemplate  # noqa: E402
from generator import TEMPLATES_DIR  # noqa: E402
from generator.caches import clear_text_caches  # noqa: E402
from generator.jinja_env import PROSE_RENDERER_KEY, WORDML_KEY, environment  # noqa: E402
from generator.pipeline import read_and_compute  # noqa: E402
from generator.prose import ProseRenderer  # noqa: E402
from generator.provenance import provenance  # noqa: E402
from generator.render_docx import render_docx  # noqa: E402
from generator.render_office import convert, paginate  # noqa: E402
from generator.wordml.template import CompiledTemplate  # noqa: E402
from generator.write import atomic_write, write_outputs  # noqa: E402

TEMPLATE = TEMPLATES_DIR / "crte" / "contrat.docx"


def timed(function, repetitions: int) -> float:
    """Return the median wall time of `function` over `repetitions` runs, after one warm-up run."""
    function()
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def engine_one(root: Path, dest: Path) -> bytes:
    """The engine end to end for one CRTE's contract: load, validate, compute, render, write; then, as a build
    does once a contract is built, its text caches emptied (nothing typeset for one contract helps the next,
    nor stock docxtpl measured after it)."""
    data = render_docx(TEMPLATE, contract_context(root), provenance("bench"))
    atomic_write(dest, data)
    clear_text_caches()
    return data


def contract_context(root: Path) -> dict:
    """The template context of a CRTE's contract, computed by the engine (load, validate, compute)."""
    prepared = read_and_compute(root)  # as a build does: verified (its findings are its warnings)
    context = prepared.kind.context(prepared.computed)
    context.update(consolidation=None, a_completer=False)
    return context


_COMPILED: list[CompiledTemplate] = []


def stock_docxtpl(context: dict, dest: Path) -> None:
    """Stock docxtpl on the same template and context: DocxTemplate(path), render, save. Its prose is written
    by the engine's writer (the template's style ids, compiled once), as in the engine."""
    if not _COMPILED:
        _COMPILED.append(CompiledTemplate(TEMPLATE, environment()))
    writer = _COMPILED[0].new_document()
    template = DocxTemplate(str(TEMPLATE))
    template.render({**context, PROSE_RENDERER_KEY: ProseRenderer(writer), WORDML_KEY: writer}, environment())
    template.save(str(dest))


def floor(data: bytes, dest: Path) -> None:
    """The floor: write the finished document's bytes as the engine writes them (atomic, synced): whatever an
    engine does, it writes at least this."""
    atomic_write(dest, data)


def run_build(content: Path, output: Path, *extra: str, counted: bool = False) -> tuple[float, int, dict[str, int]]:
    """Run `python build.py` as a user would; return its wall time, the peak of the resident memory (KiB) of the
    whole build (the parent and its workers, summed, sampled every 10 ms), and when `counted` and perf can
    count here, the cycles and instructions of all its processes (an empty dict otherwise)."""
    command = [sys.executable, str(ROOT / "build.py"), "--contenu", str(content), "--sortie", str(output), *extra]
    perf_path = shutil.which("perf") if counted else None
    perf = [perf_path, "stat", "-x", ",", "-e", "cycles,instructions"]
    counting = perf_path is not None and \
        bool(_counted_events(subprocess.run([*perf, "true"], capture_output=True, text=True)))
    start = time.perf_counter()
    process = subprocess.Popen([*perf, *command] if counting else command, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    peak = [0]
    sampler = threading.Thread(target=_sample_tree_memory, args=(process, peak), daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command, stderr=stderr)
    counts = _counted_events(subprocess.CompletedProcess(command, 0, "", stderr)) if counting else {}
    return elapsed, peak[0], counts


def _sample_tree_memory(process: subprocess.Popen, peak: list[int]) -> None:
    """Keep in `peak[0]` the largest sum of the resident memory (KiB) of `process` and its descendants."""
    while process.poll() is None:
        total, pending = 0, [process.pid]
        while pending:
            pid = pending.pop()
            try:
                with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
                    total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                        pending += [int(child) for child in children.read().split()]
            except (OSError, ValueError):
                continue  # the process ended meanwhile
        peak[0] = max(peak[0], total)
        time.sleep(0.01)


def _counted_events(result: subprocess.CompletedProcess) -> dict[str, int]:
    """Return the cycles and instructions `perf stat -x ,` printed (summed over a hybrid CPU's kinds of core),
    or an empty dict when perf is missing or cannot count here."""
    counts: dict[str, int] = {}
    for line in result.stderr.splitlines() if result.returncode == 0 else []:
        fields = line.split(",")
        if len(fields) > 2 and fields[0].isdigit():
            event = fields[2].split(":")[0].strip("/").split("/")[-1]  # « cycles », « cpu_core/cycles/ »
            if event in ("cycles", "instructions"):
                counts[event] = counts.get(event, 0) + int(fields[0])
    return counts


def peak_memory(content: Path, output: Path) -> int:
    """Return the peak resident memory (MiB) of one cold build, the parent and its workers summed."""
    return run_build(content, output, "--tout", "--formats", "docx")[1] // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contrats", type=int, default=849)
    parser.add_argument("--petit", type=int, default=100, help="size of the small corpus (memory comparison)")
    parser.add_argument("--grandes-fiches", type=int, default=1000, help="fiches of the large contract (section d)")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--sections", default="abcdefgjk", help="sections to measure (others kept from RESULTS.md)")
    parser.add_argument("--documents-pdf", type=int, default=10, help="documents converted in section f")
    parser.add_argument("--contrats-pdf", type=int, default=100, help="contracts made PDF/A in section k")
    parser.add_argument("--tours-pdf", type=int, default=3, help="alternated rounds of section k")
    parser.add_argument("--compter", nargs=3, metavar=("QUOI", "N", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.compter:  # the process whose instructions section g counts
        counted_work(args.compter[0], int(args.compter[1]), Path(args.compter[2]))
        return
    rows: list[tuple[str, str]] = []
    args.load_before = os.getloadavg()  # the machine is shared: its load is written with the figures
    args.started = time.strftime("%H:%M", time.gmtime())
    work = Path(tempfile.mkdtemp(prefix="paraphe-bench-"))
    cores = os.cpu_count() or 1
    try:
        if "f" in args.sections:
            rows += pdf_throughput(work, args.documents_pdf)
        if set(args.sections) - {"f", "g", "h", "i", "j", "k"}:
            rows = measure_batch(args, work, cores) + rows
        if "g" in args.sections:
            rows += instructions(args, work)
        if "j" in args.sections:
            rows += sommaire_cost(work, args.documents_pdf)
        if "k" in args.sections:
            rows += pdf_national(args, work, cores)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the corpora: hundreds of megabytes
    write_results(rows, args, cores)


def pdf_throughput(work: Path, count: int) -> list[tuple[str, str]]:
    """f. Convert `count` CRTE documents to PDF/A: in one LibreOffice process, then one process each."""
    roots = make_corpus(work / "pdf", count, fiches=10)
    documents = {f"{root.name}.docx": engine_one(root, work / f"{root.name}.docx") for root in roots}
    start = time.perf_counter()
    convert(documents, "pdf")
    shared = time.perf_counter() - start
    start = time.perf_counter()
    for name, data in documents.items():
        convert({name: data}, "pdf")
    separate = time.perf_counter() - start
    return [(f"f. PDF/A de {count} documents, un seul processus LibreOffice",
             f"{shared:.1f} s ({count / shared:.2f} documents/s)"),
            (f"f. PDF/A de {count} documents, un soffice --convert-to par document",
             f"{separate:.1f} s ({count / separate:.2f} documents/s)"),
            ("f. rapport par document / processus partagé", f"{separate / shared:.2f}")]


def sommaire_cost(work: Path, count: int) -> list[tuple[str, str]]:
    """j. Make `count` CRTE documents PDF/A: in one conversion (their sommaire without page numbers), then laid
    out until the page numbers written in their sommaire are those of the layout; same documents, same run."""
    roots = make_corpus(work / "sommaire", count, fiches=10)
    documents = {f"{root.name}.docx": engine_one(root, work / f"{root.name}.docx") for root in roots}
    start = time.perf_counter()
    convert(documents, "pdf")
    plain = time.perf_counter() - start
    start = time.perf_counter()
    passes = [laid_out.passes for laid_out in paginate(documents).values()]
    numbered = time.perf_counter() - start
    return [(f"j. PDF/A de {count} CRTE, sommaire sans numéros de page (une conversion)",
             f"{plain:.1f} s ({plain / count:.2f} s par document)"),
            (f"j. PDF/A de {count} CRTE, sommaire numéroté (mises en page par document : {min(passes)} à "
             f"{max(passes)})", f"{numbered:.1f} s ({numbered / count:.2f} s par document)"),
            ("j. coût du sommaire numéroté par document", f"{(numbered - plain) / count:.2f} s "
                                                          f"(rapport {numbered / plain:.2f})")]


class ProcessorTime:
    """The processor time (user + system, seconds) that this process and its descendants use while the block
    runs, LibreOffice's processes included: a figure the other engineers' load moves far less than wall time
    (though it does move it: on a busy machine a core does less per second). The descendants (which the pool
    kills rather than waits for: their time never reaches this process's children's) are read from /proc every
    0.1 s, each one's last reading kept; the reading thread's own time is left out."""

    def __enter__(self) -> "ProcessorTime":
        self.seconds = 0.0
        self._before = self._descendants()  # warm processes started before the block: only what they use now
        self._last: dict[int, float] = dict(self._before)
        self._own = time.process_time()
        self._done = threading.Event()
        self._reader_time = 0.0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._reader.join()
        self._last.update(self._descendants())
        own = time.process_time() - self._own - self._reader_time
        self.seconds = own + sum(used - self._before.get(pid, 0.0) for pid, used in self._last.items())

    def _read(self) -> None:
        start = time.thread_time()
        while not self._done.wait(0.1):
            self._last.update(self._descendants())
        self._reader_time = time.thread_time() - start

    @staticmethod
    def _descendants() -> dict[int, float]:
        """Return the processor time used so far by each descendant of this process (pid → seconds)."""
        tick = os.sysconf("SC_CLK_TCK")
        found, waiting = {}, [os.getpid()]
        while waiting:
            pid = waiting.pop()
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as handle:
                        waiting += [int(child) for child in handle.read().split()]
                if pid != os.getpid():
                    with open(f"/proc/{pid}/stat") as handle:
                        fields = handle.read().rsplit(")", 1)[1].split()
                    found[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            except (OSError, ValueError, IndexError):
                continue  # ended meanwhile
        return found


def pdf_national(args, work: Path, cores: int) -> list[tuple[str, str]]:
    """k. The PDF/A of `args.contrats_pdf` contracts: the build's batch (`pipeline._convert_batch`, formats docx
    and pdf: warm processes started, layout passes, signature fields, PDF/A checks) vs LibreOffice's own
    conversion of the same rendered .docx in warm processes (started and warmed before the clock starts; one
    conversion per document, no finishing), each with one process and with `cores`; the four runs of a round
    alternate, and their order is reversed every other round (the machine is shared: ratios are paired)."""
    from generator.pipeline import ContractResult, _convert_batch, build_contract
    from generator.render_office import OfficePool

    roots = make_corpus(work / "pdf-national", args.contrats_pdf)
    rendered = []
    for root in roots:
        result = build_contract(root, None, work / "sortie-pdf", formats=("docx", "pdf"))
        assert not result.errors, result.errors
        rendered.append((root, list(result.outputs)))
    documents = {str(o.dest_path): o.data for _, outputs in rendered for o in outputs if o.dest_path.suffix == ".docx"}
    started: list[float] = []
    written: list[Path] = []  # the output folder (conversion records) of the batch whose files are on disk

    def own(processes: int) -> tuple[float, float]:
        with OfficePool(processes) as pool:
            start = time.perf_counter()
            pool.convert(dict(list(documents.items())[:processes]), "pdf", finished=False)  # each process warm
            started.append(time.perf_counter() - start)
            start = time.perf_counter()
            with ProcessorTime() as used:
                pool.convert(documents, "pdf", finished=False)
            return time.perf_counter() - start, used.seconds

    def batch(processes: int, output: Path) -> tuple[float, float]:
        waiting = [ContractResult(root, outputs=list(outputs), formats=("docx", "pdf")) for root, outputs in rendered]
        start = time.perf_counter()
        with ProcessorTime() as used:
            _convert_batch(waiting, output, processes=processes)
        elapsed = time.perf_counter() - start
        pdfs = [o for result in waiting for o in result.outputs if o.dest_path.suffix == ".pdf"]
        assert not any(result.errors for result in waiting) and len(pdfs) == len(documents)
        if not written:  # the outputs of one batch on disk, for the incremental run
            written.append(output)
            for result in waiting:
                write_outputs(result.outputs, work / "sortie-pdf" / result.root.name)
        return elapsed, used.seconds

    times: dict[str, list[float]] = {"own-1": [], "own-n": [], "batch-1": [], "batch-n": []}
    processor: dict[str, list[float]] = {name: [] for name in times}
    loads: list[float] = []
    runs = [("own-n", lambda i: own(cores)), ("batch-n", lambda i: batch(cores, work / f"lot-n-{i}")),
            ("own-1", lambda i: own(1)), ("batch-1", lambda i: batch(1, work / f"lot-1-{i}"))]
    for index in range(args.tours_pdf):
        loads.append(os.getloadavg()[0])
        for name, run in (runs if index % 2 == 0 else runs[::-1]):
            elapsed, used = run(index)
            times[name].append(elapsed)
            processor[name].append(used)
    median = {name: statistics.median(values) for name, values in times.items()}

    def paired(top: str, bottom: str, figures: dict[str, list[float]] = times) -> str:
        ratios = sorted(a / b for a, b in zip(figures[top], figures[bottom]))
        return f"{statistics.median(ratios):.2f} ({ratios[0]:.2f} à {ratios[-1]:.2f})"

    # incremental: the same rendered documents again, their outputs on disk (`ConversionRecords`)
    waiting = [ContractResult(root, outputs=list(outputs), formats=("docx", "pdf")) for root, outputs in rendered]
    start = time.perf_counter()
    _convert_batch(waiting, written[0], processes=cores)
    again = time.perf_counter() - start
    assert sum(o.dest_path.suffix == ".pdf" for result in waiting for o in result.outputs) == len(documents)

    count, docs = args.contrats_pdf, len(documents)
    label = f"k. PDF/A de {count} contrats ({docs} documents, contrat et annexes)"

    def shown(name: str) -> str:
        values = times[name]
        return (f"{median[name]:.1f} s ({median[name] / docs:.2f} s par document ; de {min(values):.1f} à "
                f"{max(values):.1f} s)")

    return [(f"{label}, conversion propre de LibreOffice, processus chauds, 1 processus, médiane de {args.tours_pdf}",
             shown("own-1")),
            (f"{label}, conversion propre de LibreOffice, processus chauds, {cores} processus", shown("own-n")),
            (f"{label}, lot de la construction (mise en page du sommaire, champs de signature, contrôles PDF/A, "
             f"démarrage compris), 1 processus", shown("batch-1")),
            (f"{label}, lot de la construction, {cores} processus", shown("batch-n")),
            (f"{label}, démarrage des processus LibreOffice et première conversion, médiane",
             f"{statistics.median(started):.1f} s"),
            (f"k. rapport lot / conversion propre, {cores} processus, médiane des {args.tours_pdf} paires (extrêmes)",
             paired("batch-n", "own-n")),
            (f"k. rapport lot / conversion propre, 1 processus, médiane des paires (extrêmes)",
             paired("batch-1", "own-1")),
            (f"k. accélération du lot, 1 processus / {cores} processus, médiane des paires (extrêmes)",
             paired("batch-1", "batch-n")),
            (f"k. accélération de la conversion propre, 1 processus / {cores} processus, médiane des paires "
             f"(extrêmes)", paired("own-1", "own-n")),
            *[(f"{label}, temps processeur (user + sys, tous les processus, LibreOffice compris), {what}",
               f"{statistics.median(processor[name]):.1f} s ({statistics.median(processor[name]) / docs:.2f} s par "
               f"document)") for name, what in (("own-1", "conversion propre, 1 processus"),
                                               ("own-n", f"conversion propre, {cores} processus"),
                                               ("batch-1", "lot de la construction, 1 processus"),
                                               ("batch-n", f"lot de la construction, {cores} processus"))],
            (f"k. rapport des temps processeur lot / conversion propre, {cores} processus, médiane des paires "
             f"(extrêmes)", paired("batch-n", "own-n", processor)),
            (f"k. rapport des temps processeur lot / conversion propre, 1 processus, médiane des paires (extrêmes)",
             paired("batch-1", "own-1", processor)),
            (f"k. rapport des temps processeur du lot, {cores} processus / 1 processus, médiane des paires "
             f"(extrêmes)", paired("batch-n", "batch-1", processor)),
            (f"{label}, le même lot à nouveau, sorties sur disque (incrémental : aucune conversion)",
             f"{again:.2f} s"),
            ("k. conditions de mesure", f"{cores} cœurs partagés avec d'autres ingénieurs (charge moyenne sur 1 "
             f"minute au début de chaque tour : {', '.join(f'{load:.1f}' for load in loads)}) : les temps varient "
             "d'un passage à l'autre ; seuls les rapports appariés d'un même tour se comparent ; les temps "
             "processeur dépendent moins de la charge, sans y échapper (cœur partagé, plus lent)")]


_COUNTED = {"moteur": "le moteur de bout en bout, document du contrat",
            "moteur-deux": "le moteur de bout en bout, contrat et annexes",
            "docxtpl": "docxtpl standard, document du contrat"}


def counted_work(what: str, rounds: int, corpus: Path) -> None:
    """Do `rounds` times what section g counts, each on another contract of `corpus`, after the same set-up
    whatever `rounds` (modules imported, templates compiled, a first contract built, and for docxtpl the
    contexts computed): the difference between `rounds` and 0 is the work itself."""
    from generator.pipeline import build_contract

    first, *others = sorted(corpus.iterdir())
    with tempfile.TemporaryDirectory(prefix="paraphe-compte-") as folder:
        work = Path(folder)
        build_contract(first, "bench", work)
        engine_one(first, work / "engine.docx")
        if what == "docxtpl":
            contexts = [contract_context(root) for root in [first, *others]]
            stock_docxtpl(contexts[0], work / "stock.docx")
            for context in contexts[1:rounds + 1]:
                stock_docxtpl(context, work / "stock.docx")
        elif what == "moteur":
            for root in others[:rounds]:
                engine_one(root, work / "engine.docx")
        else:
            for root in others[:rounds]:
                write_outputs(build_contract(root, "bench", work).outputs, work / root.name)


def instructions(args, work: Path) -> list[tuple[str, str]]:
    """g. Instructions per CRTE, each round on another contract, counted by `perf stat`."""
    perf = shutil.which("perf")
    if perf is None:
        return [("g. instructions", "non mesurées : perf absent de cette machine")]
    rounds = args.repetitions
    corpus = work / "instructions"
    make_corpus(corpus, rounds + 1)

    def count(what: str, n: int) -> int | None:
        result = subprocess.run([perf, "stat", "-x", ",", "-e", "instructions", sys.executable, __file__,
                                 "--compter", what, str(n), str(corpus)], capture_output=True, text=True,
                                check=True)
        return _counted_events(result).get("instructions")  # None: perf cannot count here (perf_event_paranoid)

    measured = {}
    for what in _COUNTED:
        with_work, without = count(what, rounds), count(what, 0)
        if with_work is None or without is None:
            return [("g. instructions", "non mesurées : perf ne peut pas compter sur cette machine")]
        measured[what] = (with_work - without) / rounds
    rows = [(f"g. {label}", f"{measured[what] / 1e6:.0f} millions d'instructions")
            for what, label in _COUNTED.items()]
    rows.append(("g. rapport docxtpl / moteur (document du contrat)",
                 f"{measured['docxtpl'] / measured['moteur']:.2f}"))
    return rows


def measure_batch(args, work: Path, cores: int) -> list[tuple[str, str]]:
    """Measure the sections a to e that `args.sections` names; b, c and d share one corpus."""
    rows: list[tuple[str, str]] = []
    if "a" in args.sections:
        rows += one_crte(args, work)
    if set(args.sections) & set("bcd"):
        corpus = work / "corpus"
        roots = make_corpus(corpus, args.contrats)
        if "b" in args.sections:
            rows += cold_corpus(args, work, corpus, roots, cores)
        if "c" in args.sections:
            rows += incremental(args, work, corpus, roots)
        if "d" in args.sections:
            rows += memory(args, work, corpus)
    if "e" in args.sections:
        rows += per_fiche(args, work)
    return rows


def one_crte(args, work: Path) -> list[tuple[str, str]]:
    """a. One CRTE, on the own-prose corpus (the main figure) and on the copied-prose corpus (labelled)."""
    return one_crte_on(args, work, "propre") + one_crte_on(args, work, "copiee")


def one_crte_on(args, work: Path, prose: str) -> list[tuple[str, str]]:
    """a. One CRTE: the engine end to end, stock docxtpl on the same template and context, the floor.

    Each round measures, in turn (a ratio compares runs made under the same load of the machine): the engine
    on another contract of the synthetic corpus, whose texts and amounts it has not typeset yet (as in a
    batch), then stock docxtpl on that contract's context, with the engine's filters (the engine's run leaves its
    text caches empty, as a build does); the engine and docxtpl on one same contract rebuilt round after round
    (as when a legal officer rebuilds the contract being drafted); the engine's render and write alone; the
    floor."""
    rounds = 3 * args.repetitions
    roots = make_corpus(work / f"un-{prose}", rounds + 1, prose=prose)
    same = roots[0]
    same_context = contract_context(same)
    times: dict[str, list[float]] = {name: [] for name in ("engine", "stock", "same", "same-stock", "render",
                                                           "floor")}

    def measure(name: str, function):
        start = time.perf_counter()
        result = function()
        times[name].append(time.perf_counter() - start)
        return result

    for index, root in enumerate(roots):
        data = measure("engine", lambda: engine_one(root, work / "engine.docx"))
        context = contract_context(root)
        measure("stock", lambda: stock_docxtpl(context, work / "stock.docx"))
        measure("same", lambda: engine_one(same, work / "engine.docx"))
        measure("same-stock", lambda: stock_docxtpl(same_context, work / "stock.docx"))
        measure("render", lambda: atomic_write(work / "rendu.docx",
                                               render_docx(TEMPLATE, context, provenance("bench"))))
        measure("floor", lambda: floor(data, work / "plancher.docx"))
        if index == 0:  # the warm-up round: templates compiled, modules imported
            for values in times.values():
                values.clear()
    median = {name: statistics.median(values) for name, values in times.items()}
    ms = {name: f"{value * 1000:.0f} ms" for name, value in median.items()}
    label = "prose propre à chaque contrat" if prose == "propre" else "prose copiée de Lens-Liévin (second chiffre)"
    a = f"a. [{label}]"
    return [(f"{a} un CRTE (27 fiches, 13 articles), un autre à chaque mesure : moteur de bout en bout, "
             "1 processus", ms["engine"]),
            (f"{a} docxtpl standard (même modèle, même contexte ; DocxTemplate, render, save), 1 processus",
             ms["stock"]),
            (f"{a} le même CRTE reconstruit : moteur de bout en bout", ms["same"]),
            (f"{a} le même CRTE reconstruit : docxtpl standard", ms["same-stock"]),
            (f"{a} moteur, rendu et écriture seuls (même contexte que docxtpl)", ms["render"]),
            (f"{a} plancher (écrire les octets finis du même document, comme le moteur les écrit)", ms["floor"]),
            (f"{a} rapport docxtpl / moteur, un CRTE différent à chaque mesure",
             f"{median['stock'] / median['engine']:.2f}"),
            (f"{a} rapport docxtpl / moteur, le même CRTE reconstruit",
             f"{median['same-stock'] / median['same']:.2f}"),
            (f"{a} rapport docxtpl / moteur, rendu et écriture seuls", f"{median['stock'] / median['render']:.2f}"),
            (f"{a} rapport moteur / plancher", f"{median['engine'] / median['floor']:.2f}")]


def cold_corpus(args, work: Path, corpus: Path, roots: list[Path], cores: int) -> list[tuple[str, str]]:
    """b. The own-prose corpus from cold with one worker, then with all cores and the copied-prose corpus with
    all cores in interleaved rounds (the machine is shared: a ratio compares runs made side by side; medians,
    perf counting the instructions of the last own-prose build, which the machine's load does not change, and
    its cycles, which it does), and stock docxtpl per contract document, one process like the engine's."""
    copied = work / "corpus-copie"
    make_corpus(copied, args.contrats, prose="copiee")
    t_one_worker, _, _ = run_build(corpus, work / "out-1", "--tout", "--travailleurs", "1")
    own, repeated, counts = [], [], {}
    for attempt in range(3):
        elapsed, _, measured = run_build(corpus, work / ("out" if attempt == 2 else f"out-tous-{attempt}"),
                                         "--tout", counted=attempt == 2)  # section c rebuilds the last
        own.append(elapsed)
        counts = measured or counts
        repeated.append(run_build(copied, work / f"out-copie-{attempt}", "--tout")[0])
    docs = 2 * args.contrats  # contrat.docx and annexes.docx per contract
    start = time.perf_counter()
    for root in roots:  # the content read by the engine: docxtpl has no reader of its own
        stock_docxtpl(contract_context(root), work / "stock.docx")
    t_stock_corpus = time.perf_counter() - start

    def shown(times: list[float]) -> str:
        return (f"{statistics.median(times):.1f} s ({docs / statistics.median(times):.1f} documents/s ; "
                f"de {min(times):.1f} à {max(times):.1f} s)")

    ratios = sorted(o / r for o, r in zip(own, repeated))
    rows = [(f"b. {args.contrats} contrats à froid, prose propre, 1 processus",
             f"{t_one_worker:.1f} s ({docs / t_one_worker:.1f} documents/s)"),
            (f"b. {args.contrats} contrats à froid, prose propre, {cores} processus, médiane de 3", shown(own)),
            (f"b. [second chiffre] {args.contrats} contrats à froid, prose copiée de Lens-Liévin, {cores} processus,"
             " médiane de 3 (passages entrelacés avec la ligne précédente)", shown(repeated)),
            (f"b. rapport prose propre / prose copiée, {cores} processus, médiane des 3 paires (extrêmes)",
             f"{ratios[1]:.2f} ({ratios[0]:.2f} à {ratios[2]:.2f})")]
    if counts:
        rows.append((f"b. {args.contrats} contrats à froid, {cores} processus : tous les processus (perf stat)",
                     f"{counts.get('cycles', 0) / 1e9:.0f} milliards de cycles, "
                     f"{counts.get('instructions', 0) / 1e9:.0f} milliards d'instructions"))
    per_stock, per_engine = t_stock_corpus / args.contrats, t_one_worker / docs
    return rows + [
        (f"b. docxtpl standard, {args.contrats} documents de contrat (contenu lu par le moteur), 1 processus",
         f"{t_stock_corpus:.1f} s ({per_stock * 1000:.0f} ms par document)"),
        ("b. rapport par document, 1 processus de chaque côté : docxtpl (document du contrat) / moteur (contrat "
         "et annexes, démarrage et lecture compris)", f"{per_stock / per_engine:.2f}")]


def incremental(args, work: Path, corpus: Path, roots: list[Path]) -> list[tuple[str, str]]:
    """c. A no-op rebuild and a rebuild after changing one fiche (another contract's each time), wall time with
    the interpreter's start: the median of `args.repetitions` rebuilds of each, the slowest in parentheses."""
    if not (work / "out").is_dir():
        run_build(corpus, work / "out", "--tout")
    no_op, one_fiche = [], []
    for index in range(args.repetitions):
        no_op.append(run_build(corpus, work / "out")[0])
        fiche = roots[(index + 1) * len(roots) // (args.repetitions + 1)] / "fiches" / "3-habitat-prive.yaml"
        fiche.write_text(fiche.read_text(encoding="utf-8").replace("Principal", "Principal ", 1), encoding="utf-8")
        one_fiche.append(run_build(corpus, work / "out")[0])

    def shown(times: list[float]) -> str:
        return f"{statistics.median(times):.2f} s (au plus {max(times):.2f} s)"

    return [(f"c. reconstruction sans changement ({args.contrats} contrats), médiane de {args.repetitions}",
             shown(no_op)),
            (f"c. reconstruction après modification d'une fiche, médiane de {args.repetitions}", shown(one_fiche))]


def memory(args, work: Path, corpus: Path) -> list[tuple[str, str]]:
    """d. Peak memory of a cold build (DOCX, as many processes as cores), small corpus vs full corpus, and of
    one contract of `args.grandes_fiches` fiches (goals of issue 23: under 300 MiB for the 849 contracts, under
    200 MiB for 1000 fiches)."""
    small = work / "petit"
    make_corpus(small, args.petit)
    memory_small = peak_memory(small, work / "out-petit")
    memory_full = peak_memory(corpus, work / "out-plein")
    large = work / "grand"
    make_corpus(large, 1, fiches=args.grandes_fiches)
    memory_large = peak_memory(large, work / "out-grand")
    return [(f"d. mémoire maximale de toute la construction (parent et travailleurs), {args.petit} contrats",
             f"{memory_small} Mio"),
            (f"d. mémoire maximale de toute la construction (parent et travailleurs), {args.contrats} contrats",
             f"{memory_full} Mio"),
            (f"d. mémoire maximale de la construction d'un contrat de {args.grandes_fiches} fiches",
             f"{memory_large} Mio")]


def per_fiche(args, work: Path) -> list[tuple[str, str]]:
    """e. Time per fiche at 10, 30, 100 and 300 fiches."""
    rows = []
    for count in (10, 30, 100, 300):
        [root] = make_corpus(work / f"fiches-{count}", 1, fiches=count)
        t = timed(lambda: engine_one(root, work / "fiches.docx"), max(1, args.repetitions // 2))
        rows.append((f"e. un contrat de {count} fiches", f"{t * 1000:.0f} ms ({t * 1000 / count:.1f} ms par fiche)"))
    return rows


def write_results(rows: list[tuple[str, str]], args, cores: int) -> None:
    """Write RESULTS.md: the rows measured now, and the rows of the other sections kept from the last run."""
    results = ROOT / "bench" / "RESULTS.md"
    measured = {name[0] for name, _ in rows}
    kept = []
    if results.is_file():
        for line in results.read_text(encoding="utf-8").splitlines():
            match = re.match(r"\| (([a-z])\. .*?) \| (.*) \|$", line)  # h: tuning_ab.py; i: by hand
            if match and match.group(2) not in measured:
                kept.append((match.group(1), match.group(3)))
    rows = sorted(kept + rows, key=lambda row: row[0][0])
    machine = (f"{platform.machine()}, {cores} cœurs, Python {platform.python_version()}, "
               f"{platform.system()} {platform.release()}")
    lines = ["# Résultats du banc d'essai", "", f"Machine : {machine}. Sections {args.sections} mesurées le "
             f"{time.strftime('%Y-%m-%d', time.gmtime())} de {args.started} à {time.strftime('%H:%M', time.gmtime())}"
             f" UTC (charge moyenne de la machine sur 1, 5 et 15 minutes : "
             f"{' / '.join(f'{x:.1f}' for x in args.load_before)} au début, "
             f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} à la fin) par "
             f"`python bench/run.py --contrats {args.contrats} --petit {args.petit} "
             f"--repetitions {args.repetitions} --sections {args.sections}"
             + (f" --contrats-pdf {args.contrats_pdf} --tours-pdf {args.tours_pdf}" if "k" in args.sections else "")
             + "`" + (" (les autres lignes viennent du passage précédent)" if kept else "")
             + " ; les rapports d'une section viennent de mesures du même passage.", "", "| mesure | résultat |",
             "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
