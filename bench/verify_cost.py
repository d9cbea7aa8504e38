"""Paired measurement of what the verifier adds to a build (issue 19): a contract built with it and without it.

    python bench/verify_cost.py [--tours 40] [--contrats 4]

A build compares every figure a contract prints with the computed one and checks its references
(`Kind.verify`), and prints the disagreements as warnings. This script builds, in one process, Lens-Liévin
(`content/crte-lens-lievin`: its avenant, its published maquette, 117 findings) and `--contrats` CRTE of the
own-prose synthetic corpus (`bench/make_corpus.py`: no maquette published), each one as `build_contract` does
(load, validate, compute, verify, render every document, nothing written), with the verifier and without it
(`read_and_compute(verify=False)`), in turn: A B, then B A at the next round, so that the drift of a shared
machine falls on both alike. A round's figure is the CPU time of this process (`time.process_time`) for one
build of each contract. It prints each variant's minimum and median, and the median of the paired ratios
with / without (with their extremes); and first the CPU time of the verifier alone on each contract, loaded and
computed afresh before each call as in a build.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python bench/verify_cost.py --passe avec|sans

builds the same contracts `--tours` times with one variant only (after one warm-up build), for counting the
instructions of the whole process: the difference between the two counts, divided by the builds, is what the
verifier costs, without the noise of a shared machine. Not a test: nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.make_corpus import make_corpus  # noqa: E402
from generator import pipeline  # noqa: E402

_READ_AND_COMPUTE = pipeline.read_and_compute


def build_all(roots: list[Path], output: Path, *, verify: bool) -> float:
    """Return the CPU seconds of one build of each contract, with or without the verifier."""
    pipeline.read_and_compute = _READ_AND_COMPUTE if verify else partial(_READ_AND_COMPUTE, verify=False)
    try:
        start = time.process_time()
        for root in roots:
            result = pipeline.build_contract(root, None, output)
            if result.errors or not result.outputs:
                raise SystemExit(f"{root}: {result.errors[:3]}")
        return time.process_time() - start
    finally:
        pipeline.read_and_compute = _READ_AND_COMPUTE


def measure(label: str, roots: list[Path], output: Path, rounds: int) -> None:
    """Print the CPU time of the contracts' builds with and without the verifier, over interleaved rounds."""
    build_all(roots, output, verify=True)  # warm-up: templates compiled, modules imported, caches filled
    build_all(roots, output, verify=False)
    times: dict[bool, list[float]] = {True: [], False: []}
    ratios = []
    for index in range(rounds):
        order = (True, False) if index % 2 == 0 else (False, True)
        pair = {verify: build_all(roots, output, verify=verify) for verify in order}
        for verify, seconds in pair.items():
            times[verify].append(seconds)
        ratios.append(pair[True] / pair[False])
    per = len(roots)
    for verify, name in ((True, "avec le vérificateur"), (False, "sans le vérificateur")):
        values = times[verify]
        print(f"{label}, {name} : processeur par contrat, minimum {min(values) / per * 1000:.2f} ms, "
              f"médiane {statistics.median(values) / per * 1000:.2f} ms")
    print(f"{label}, rapport apparié avec / sans, médiane de {rounds} paires : {statistics.median(ratios):.3f} "
          f"({min(ratios):.3f} à {max(ratios):.3f}) ; rapport des minimums "
          f"{min(times[True]) / min(times[False]):.3f}")


def measure_verifier_alone(label: str, roots: list[Path], rounds: int) -> None:
    """Print the CPU time of the verifier alone (`Kind.verify`) per contract, on a contract loaded and computed
    afresh before each call, as in a build (the places of its findings are not known yet)."""
    from generator.errors import Problems

    times = []
    for _ in range(rounds):
        spent = 0.0
        for root in roots:
            prepared = _READ_AND_COMPUTE(root, verify=False)
            start = time.process_time()
            prepared.kind.verify(prepared.computed, Problems())
            spent += time.process_time() - start
        times.append(spent / len(roots))
    print(f"{label}, le vérificateur seul : processeur par contrat, minimum {min(times) * 1000:.3f} ms, "
          f"médiane {statistics.median(times) * 1000:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tours", type=int, default=40, help="interleaved pairs of rounds")
    parser.add_argument("--contrats", type=int, default=4, help="contracts of the own-prose corpus")
    parser.add_argument("--passe", choices=("avec", "sans"), help="one variant only, for counting instructions")
    parser.add_argument("--verificateur-seul", action="store_true", help="the verifier alone, not the builds")
    args = parser.parse_args()
    if args.passe:
        with tempfile.TemporaryDirectory(prefix="paraphe-verify-cost-") as work:
            roots = [ROOT / "content" / "crte-lens-lievin", *make_corpus(Path(work) / "corpus", args.contrats)]
            for _ in range(args.tours + 1):
                build_all(roots, Path(work) / "output", verify=args.passe == "avec")
        return
    print(f"début {time.strftime('%H:%M', time.gmtime())} UTC, charge {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="paraphe-verify-cost-") as work:
        work = Path(work)
        lens = [ROOT / "content" / "crte-lens-lievin"]
        corpus = make_corpus(work / "corpus", args.contrats)
        own = f"{args.contrats} CRTE à prose propre (27 fiches)"
        measure_verifier_alone("Lens-Liévin", lens, args.tours)
        measure_verifier_alone(own, corpus, args.tours)
        if args.verificateur_seul:
            return
        measure("Lens-Liévin (contrat, annexes, avenant 1)", lens, work / "output", args.tours)
        measure(own, corpus, work / "output", args.tours)
    print(f"fin {time.strftime('%H:%M', time.gmtime())} UTC, charge {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
