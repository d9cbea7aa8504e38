"""Generate a synthetic national corpus of CRTE derived from the structure of Lens-Liévin (seeded).

    python bench/make_corpus.py DEST [--contrats 849] [--fiches 27] [--graine 2026] [--prose propre|copiee]

Each contract has Lens-Liévin's structure, 13 articles and fiches, with its own territory name and amounts scaled
by a random factor; with `--fiches N` the fiches are repeated (or cut) to N. Avenants and the published maquette
are left out: the corpus measures rendering, not verification.

With `--prose propre` (the default) every contract has its own prose, as the 849 real CRTE do: each word of four
letters or more of every Markdown file and of every free-text field is replaced by another word of the corpus of
the same length, drawn for that contract (same structure, same sizes, same markup, accents and capitals kept), so
that no paragraph, title or label is shared between two contracts. With `--prose copiee` every contract copies
Lens-Liévin's prose word for word (the corpus of the benchmarks before December 2026, kept as a second figure):
after the first contract, an engine that caches typeset text per process mostly hits its caches.
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


_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]{4,}")
_FREE_TEXT = {"intitule", "libelle_maquette", "description", "operations", "prerequis", "financements_recherches",
              "commentaire_maquette", "maitre_ouvrage", "libelle", "partenaire", "delai", "difficultes", "titre"}
"""Fields of fiches and of contrat.yaml that hold prose (the others are codes, numbers, dates or names)."""


def _vocabulary() -> dict[int, list[str]]:
    """Return the words of Lens-Liévin's prose, lower-cased, by length (but the nouns of references)."""
    words = set()
    for path in SOURCE.rglob("*"):
        if path.suffix in (".md", ".yaml") and "avenants" not in path.parts:
            words.update(w.lower() for w in _WORD.findall(path.read_text(encoding="utf-8")))
    # a word put before a number must not make a reference the verifier checks (« article 2020 », « fiche 3.1 »)
    words -= {"article", "articles", "fiche", "fiches"}
    by_length: dict[int, list[str]] = {}
    for word in sorted(words - _KEPT):
        by_length.setdefault(min(len(word), 12), []).append(word)
    return by_length


_KEPT = {"article", "articles", "fiche", "fiches"}
"""Words kept as they are: the verifier reads « article N » and « fiche N » as references, and a word drawn in
their place before a year (« période 2009-2018 ») would refer to an article that does not exist."""


class OwnProse:
    """The words of one contract: each word of Lens-Liévin's prose replaced by another of the same length,
    the same everywhere in the contract (a word repeated in a text stays repeated)."""

    def __init__(self, vocabulary: dict[int, list[str]], rng: random.Random):
        self.vocabulary, self.rng, self.chosen = vocabulary, rng, {}

    def word(self, match: re.Match) -> str:
        original = match.group()
        lower = original.lower()
        if lower in _KEPT:
            return original
        if lower not in self.chosen:
            self.chosen[lower] = self.rng.choice(self.vocabulary[min(len(lower), 12)])
        word = self.chosen[lower]
        if original.isupper():
            return word.upper()
        return word[:1].upper() + word[1:] if original[:1].isupper() else word

    def text(self, text: str) -> str:
        return _WORD.sub(self.word, text)

    def fields(self, node):
        """Return YAML data with the prose of its free-text fields replaced."""
        if isinstance(node, dict):
            return {k: (self.text(v) if k in _FREE_TEXT and isinstance(v, str) else self.fields(v))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [self.fields(v) for v in node]
        return node


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


def make_contract(dest: Path, index: int, fiches: int, rng: random.Random, prose: OwnProse | None = None) -> None:
    shutil.copytree(SOURCE, dest, ignore=shutil.ignore_patterns("avenants", "maquette-publiee.yaml"))
    contrat = yaml.safe_load((dest / "contrat.yaml").read_text(encoding="utf-8"))
    if prose is not None:
        for path in dest.rglob("*.md"):
            path.write_text(prose.text(path.read_text(encoding="utf-8")), encoding="utf-8")
        contrat["axes"] = [{**axe, "titre": prose.text(axe["titre"])} for axe in contrat["axes"]]
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
        if prose is not None:
            data = prose.fields(data)
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


def make_corpus(dest: Path, contrats: int, fiches: int = 27, graine: int = 2026, prose: str = "propre"
                ) -> list[Path]:
    """Write `contrats` contracts under `dest` and return their folders; `prose` is « propre » (each its own) or
    « copiee » (Lens-Liévin's, word for word)."""
    rng = random.Random(graine)
    vocabulary = _vocabulary() if prose == "propre" else None
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    roots = []
    for index in range(contrats):
        root = dest / f"crte-{index:03}"
        make_contract(root, index, fiches, rng, OwnProse(vocabulary, random.Random(f"{graine}-{index}"))
                      if vocabulary else None)
        roots.append(root)
    return roots


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--contrats", type=int, default=849)
    parser.add_argument("--fiches", type=int, default=27)
    parser.add_argument("--graine", type=int, default=2026)
    parser.add_argument("--prose", choices=("propre", "copiee"), default="propre")
    args = parser.parse_args()
    make_corpus(args.dest, args.contrats, args.fiches, args.graine, args.prose)
    print(f"{args.contrats} contrats dans {args.dest}")
