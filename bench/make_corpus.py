"""Generate a synthetic national corpus of CRTE derived from the structure of Lens-Liévin (seeded).

    python bench/make_corpus.py DEST [--contrats 849] [--fiches 27] [--graine 2026]

Each contract copies Lens-Liévin's prose, 13 articles and fiches, with its own territory name and amounts scaled
by a random factor; with `--fiches N` the fiches are repeated (or cut) to N. Avenants and the published maquette
are left out: the corpus measures rendering, not verification.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "content" / "crte-lens-lievin"


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", str(v)))


def _scale(value, factor: Decimal):
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    return int(Decimal(str(value)) * factor)


def _scale_amounts(node, factor: Decimal):
    if isinstance(node, dict):
        return {k: (_scale(v, factor) if k in ("montant",) or isinstance(k, int) else _scale_amounts(v, factor))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_scale_amounts(v, factor) for v in node]
    return node


def make_contract(dest: Path, index: int, fiches: int, rng: random.Random) -> None:
    shutil.copytree(SOURCE, dest, ignore=shutil.ignore_patterns("avenants", "maquette-publiee.yaml"))
    contrat = yaml.safe_load((dest / "contrat.yaml").read_text(encoding="utf-8"))
    contrat["territoire"] = f"Territoire {index:03}"
    contrat["maquette_publiee"] = None
    slugs = [slug for axe in contrat["axes"] for slug in axe["fiches"]]
    for slug in slugs:
        path = dest / "fiches" / f"{slug}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ("numero_publie", "axe_publie"):
            data.pop(key, None)
        for table in ("investissement", "fonctionnement"):
            data.get(table, {}).pop("total_publie", None)
        data.get("echeancier", {}).pop("publie", None)
        data.get("financements", {}).pop("total_publie", None)
        data = _scale_amounts(data, Decimal(rng.randint(50, 150)) / 100)
        path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if fiches != len(slugs):  # repeat or cut the fiches, spread over the five axes
        extra = []
        for n in range(fiches):
            slug = slugs[n % len(slugs)]
            copy = f"{slug}-{n:03}"
            shutil.copyfile(dest / "fiches" / f"{slug}.yaml", dest / "fiches" / f"{copy}.yaml")
            extra.append(copy)
        for slug in slugs:
            (dest / "fiches" / f"{slug}.yaml").unlink()
        for i, axe in enumerate(contrat["axes"]):
            axe["fiches"] = extra[i::len(contrat["axes"])]
    (dest / "contrat.yaml").write_text(yaml.dump(contrat, Dumper=_Dumper, allow_unicode=True, sort_keys=False),
                                       encoding="utf-8")


def make_corpus(dest: Path, contrats: int, fiches: int = 27, graine: int = 2026) -> list[Path]:
    rng = random.Random(graine)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    roots = []
    for index in range(contrats):
        root = dest / f"crte-{index:03}"
        make_contract(root, index, fiches, rng)
        roots.append(root)
    return roots


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--contrats", type=int, default=849)
    parser.add_argument("--fiches", type=int, default=27)
    parser.add_argument("--graine", type=int, default=2026)
    args = parser.parse_args()
    make_corpus(args.dest, args.contrats, args.fiches, args.graine)
    print(f"{args.contrats} contrats dans {args.dest}")
