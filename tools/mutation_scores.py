"""Mutation scores per module from the results mutmut left in `mutants/` (docs/mutation-testing.md).

A module's score is the share of its mutants that a test caught (killed, or timed out: an infinite loop is
caught too); a mutant that no selected test runs counts as a survivor.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code


def scores(mutants: Path) -> dict[str, Counter]:
    """Return, per mutated module, how many of its mutants ended in each status."""
    found: dict[str, Counter] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = meta.relative_to(mutants).as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        found[module] = Counter(status_by_exit_code[code] for code in codes.values())
    return found


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "mutants")
    print(f"{'module':40} {'mutants':>7} {'caught':>7} {'survived':>8} {'no tests':>8} {'score':>7}")
    for module, counts in scores(folder).items():
        total = sum(counts.values())
        caught = counts["killed"] + counts["timeout"]
        unchecked = counts["not checked"]
        score = f"{100 * caught / total:6.1f}%" if total else "-"
        note = f"  ({unchecked} not run yet)" if unchecked else ""
        print(f"{module:40} {total:7} {caught:7} {counts['survived']:8} {counts['no tests']:8} {score}{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
