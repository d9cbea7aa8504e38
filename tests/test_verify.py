"""The verifier's reference search: the same matches as the case-insensitive patterns, found faster."""

from hypothesis import example, given, settings, strategies as st

from generator.verify import _ARTICLE_REFERENCE, _FICHE_REFERENCE, iter_references, lowered_for_search

WORDS = ["article", "Article", "ARTICLE", "ARticle", "artıcle", "articles", "l'article", "particle", "fiche", "Fiche",
         "FICHE", "fIche", "FIche", "fiches-projet", "fiche n°", "affiche", "İ", " ", "\n", "3", "2.1", "12", "1er",
         ".", "de la loi", "é"]


@given(st.lists(st.sampled_from(WORDS), max_size=40))
@example(["ARTICLE", "3", "et", "l'article", "2.1", "de", "la", "FICHE", "n°", "1.2", "particle", "4", "affiche", "2.1",
          "ARticle", "5", "fIche", "3.3"])
@example(["artıcle", "3", "İ", "fiche", "1.2"])
@settings(max_examples=300)
def test_references_are_those_the_case_insensitive_patterns_find(words):
    text = " ".join(words)
    for pattern, stem in ((_ARTICLE_REFERENCE, "rticle"), (_FICHE_REFERENCE, "iche")):
        assert [m.span() for m in iter_references(pattern, stem, text, lowered_for_search(text))] == \
            [m.span() for m in pattern.finditer(text)]


# --- references with the numbers in force ---------------------------------------------------------------------

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from generator.errors import Problems  # noqa: E402
from generator.load import SourceFile  # noqa: E402
from generator.verify import check_references  # noqa: E402

IN_FORCE = {1: 0, 2: 0, 3: 0, "3-1": 0, 5: 2, 6: 0}  # article 4 deleted by avenant 1, 3-1 inserted by avenant 2


def references(text: str) -> list[str]:
    problems = Problems()
    check_references({"a.md": SourceFile(Path("a.md"), "a.md", text)}, IN_FORCE, {"2.1", "2.3"}, problems,
                     deleted_articles={4: 1}, deleted_fiches={"2.2": 1})
    return [p.message for p in problems]


@pytest.mark.parametrize("text", [
    "Voir les articles 3 et 5.", "Les articles 1 à 3 s'appliquent.", "Selon l'article 3-1, chaque année.",
    "aux articles 1er, 2 et 6", "l'article 5.2 précise", "la fiche 2.3 et les fiches 2.1 et 2.3",
    "l'article 12 du code général des collectivités territoriales", "à l'article 5 à 10 000 € près"])
def test_references_in_force_are_accepted(text):
    assert references(text) == []


@pytest.mark.parametrize("text, message", [
    ("Voir les articles 3 et 9.", "renvoi à l'article 9, qui n'existe pas (le contrat en compte 6)"),
    ("Les articles 10 à 11 s'appliquent.", "renvoi à l'article 10, qui n'existe pas (le contrat en compte 6)"),
    ("Selon l'article 3-2.", "renvoi à l'article 3-2, qui n'existe pas (le contrat en compte 6)"),
    ("Le comité de l'article 4.", "renvoi à l'article 4, supprimé par l'avenant n° 1"),
    ("l'article 5.3 précise", "renvoi à l'article 5.3, qui n'existe pas"),
    ("les fiches 2.1 et 2.2", "renvoi à la fiche 2.2, supprimée par l'avenant n° 1"),
    ("fiches n° 2.3 à 2.4", "renvoi à la fiche 2.4, qui n'existe pas")])
def test_references_not_in_force_are_told(text, message):
    assert message in references(text)


def test_each_number_of_a_list_is_checked():
    assert references("Les articles 10 à 11 s'appliquent.") == [
        "renvoi à l'article 10, qui n'existe pas (le contrat en compte 6)",
        "renvoi à l'article 11, qui n'existe pas (le contrat en compte 6)"]
