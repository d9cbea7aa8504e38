"""Paired measurement of the process tunings the engine had until issue 26, each switched off in turn.

    python bench/tuning_ab.py CORPUS [--tours 5] [--commit 5cbfafc] [--travailleurs 2]

Until commit 5cbfafc a build process raised Python's cyclic-collector threshold to 20 000 objects while a
contract built (`pipeline.fewer_collections`) and set glibc's malloc to keep the memory a build frees
(`pipeline.keep_freed_memory`). This script extracts that commit (`git archive`) and builds CORPUS (made by
`bench/make_corpus.py`) with it, as `python build.py --tout` does, in four variants — both tunings, without the
collector's, without malloc's, without either — interleaved round after round, so that the drift of a shared
machine falls on all four alike. A variant switches a tuning off by replacing it with a no-op in the build's
`__main__`, which the spawned workers run too. It prints, for each variant, the wall time, the CPU time of all
the processes (`perf stat -e task-clock`) and their page faults, per round and as medians of the paired ratios
to « both ». Not a test: nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {"both": "", "no-gc": "gc", "no-malloc": "malloc", "none": "gc,malloc"}

# The build command of the extracted commit, with the tunings named in PARAPHE_TUNINGS_OFF replaced by no-ops.
# Top-level code: a worker spawned by the pool runs it too (as `__mp_main__`), so the switch reaches it.
DRIVER = '''
import contextlib, os, sys
sys.path.insert(0, os.environ["PARAPHE_TREE"])
off = set(filter(None, os.environ.get("PARAPHE_TUNINGS_OFF", "").split(",")))
import generator.pipeline as pipeline
if "gc" in off:
    pipeline.fewer_collections = contextlib.nullcontext
if "malloc" in off:
    import generator.batch as batch, generator.cli as cli
    batch.keep_freed_memory = cli.keep_freed_memory = lambda: None
if __name__ == "__main__":
    from generator.cli import main
    main(prog_name="build.py")
'''


def extract(commit: str, dest: Path) -> None:
    """Extract the files of `commit` of this repository into `dest`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(dest, filter="data")


def run(driver: Path, tree: Path, corpus: Path, output: Path, off: str, workers: int) -> dict:
    """Build the corpus once with the tunings `off` switched off; return its wall time and perf's counts."""
    environment = dict(os.environ, PARAPHE_TREE=str(tree), PARAPHE_TUNINGS_OFF=off,
                       SOURCE_DATE_EPOCH="1764000000")
    command = [sys.executable, str(driver), "--contenu", str(corpus), "--sortie", str(output), "--tout",
               "--travailleurs", str(workers)]
    perf = shutil.which("perf")
    if perf:
        command = [perf, "stat", "-x", ",", "-e", "task-clock,page-faults", *command]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    figures = {"wall": time.perf_counter() - start}
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    for line in result.stderr.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2] in ("task-clock", "page-faults"):
            figures[fields[2]] = float(fields[0])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--tours", type=int, default=5)
    parser.add_argument("--commit", default="5cbfafc")
    parser.add_argument("--travailleurs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paraphe-tuning-") as work:
        work = Path(work)
        extract(args.commit, work / "tree")
        driver = work / "build_with_tunings.py"
        driver.write_text(DRIVER)
        rounds = []
        names = list(VARIANTS)
        for number in range(args.tours):
            order = names[number % len(names):] + names[:number % len(names)]
            measured = {}
            for name in order:
                measured[name] = run(driver, work / "tree", args.corpus, work / f"out-{name}", VARIANTS[name],
                                     args.travailleurs)
                print(json.dumps({"tour": number, "variante": name, **measured[name]}), flush=True)
            rounds.append(measured)
    for figure in ("wall", "task-clock", "page-faults"):
        if not all(figure in r["both"] for r in rounds):
            continue
        for name in names[1:]:
            ratios = [r[name][figure] / r["both"][figure] for r in rounds]
            medians = statistics.median(r[name][figure] for r in rounds), statistics.median(
                r["both"][figure] for r in rounds)
            print(f"{figure:12} {name:10} median {medians[0]:.1f} vs {medians[1]:.1f} (both); "
                  f"median of paired ratios {statistics.median(ratios):.3f}, range {min(ratios):.2f}–{max(ratios):.2f}")


if __name__ == "__main__":
    main()
