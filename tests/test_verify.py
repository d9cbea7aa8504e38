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
