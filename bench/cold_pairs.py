"""One contract from cold, the legal officer's everyday command, timed against a baseline checkout in alternated pairs.

`python bench/cold_pairs.py BASELINE CORPUS [--paires N] [--contrat crte-000]` runs `python build.py --contenu
CORPUS --sortie S --tout --formats docx construire CONTRAT` from the baseline tree (e.g. a `git worktree add
--detach` of an earlier commit) and from this one, in turn (order reversed every other pair), after two runs each
that compile the templates and write the `.pyc` (`PYTHONDONTWRITEBYTECODE` is unset, as in a user's Python). It
prints the medians, the bests and the median of the paired ratios. Not a test: nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def timed_build(tree: Path, corpus: Path, output: Path, contract: str) -> float:
    """Return the wall time of one whole `build.py … construire` process run from `tree`."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "build.py", "--contenu", str(corpus), "--sortie", str(output), "--tout",
                             "--formats", "docx", "construire", contract], check=False, cwd=tree, env=environment,
                            capture_output=True)
    elapsed = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(result.stderr.decode(errors="replace")[-2000:])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path, help="the tree of the engine compared with (a checkout)")
    parser.add_argument("corpus", type=Path, help="a content folder (bench/make_corpus.py)")
    parser.add_argument("--paires", type=int, default=15)
    parser.add_argument("--contrat", default="crte-000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paraphe-froid-") as work:
        trees = {"avant": (args.baseline.resolve(), Path(work, "avant")), "après": (HERE, Path(work, "apres"))}
        times: dict[str, list[float]] = {name: [] for name in trees}
        for tree, output in trees.values():
            for _ in range(2):  # templates compiled, .pyc written
                timed_build(tree, args.corpus.resolve(), output, args.contrat)
        names = list(trees)
        for index in range(args.paires):
            for name in (names if index % 2 == 0 else names[::-1]):
                tree, output = trees[name]
                times[name].append(timed_build(tree, args.corpus.resolve(), output, args.contrat))
    ratios = sorted(a / b for a, b in zip(times["après"], times["avant"]))
    print(f"charge {os.getloadavg()[0]:.1f} ; avant : médiane {statistics.median(times['avant']):.3f} s, "
          f"meilleur {min(times['avant']):.3f} s ; après : médiane {statistics.median(times['après']):.3f} s, "
          f"meilleur {min(times['après']):.3f} s ; rapport apparié après / avant {statistics.median(ratios):.2f} "
          f"({ratios[0]:.2f} à {ratios[-1]:.2f})")


if __name__ == "__main__":
    main()
