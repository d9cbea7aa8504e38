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


def test_amounts_not_known_yet_are_counted_and_listed_with_their_place(tmp_path, contract_files):
    from generator.pipeline import read_and_compute
    from generator.verify import unknown_amounts

    from .conftest import write_contract

    emploi = contract_files["fiches/emploi.yaml"]
    emploi["investissement"]["depenses"].append({"libelle": "Études", "montant": "A évaluer"})
    emploi["financements"]["lignes"].append({"partenaire": "Région", "montant": "Pour mémoire"})
    root = write_contract(tmp_path / "c", contract_files)
    prepared = read_and_compute(root)
    assert not prepared.problems.errors
    found = unknown_amounts(prepared.tree)
    assert [(p.location.path.rsplit("/", 1)[-1], p.location.line, p.message) for p in found] == [
        ("emploi.yaml", 15, "montant pas encore connu : « A évaluer » (compté dans aucun total)"),
        ("emploi.yaml", 51, "montant pas encore connu : « Pour mémoire » (compté dans aucun total)")]
