"""The verifier's reference search: the same matches as the case-insensitive patterns, found faster."""

from hypothesis import example, given, settings, strategies as st

from generator.verify import _ARTICLE_REFERENCE, _FICHE_REFERENCE, iter_references, lowered_for_search

WORDS = ["article", "Article", "ARTICLE", "ARticle", "artıcle", "articles", "l'article", "particle", "fiche", "Fiche",
         "FICHE", "fIche", "FIche", "fiches-projet", "fiche n°", "affiche", "İ", " ", "\n", "3", "2.1", "12", "1er",
         ".", "de la loi", "é", "\u202f", "’", "😀", "ſ", "\u212a", "ı"]


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


# --- The comparison rule, the wording and the reference search, by hand (issue 27) ---------------------------

from decimal import Decimal  # noqa: E402

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


from generator.errors import Location, Problems  # noqa: E402
from generator.load import SourceFile  # noqa: E402
from generator.schema import Marqueur  # noqa: E402
from generator.verify import check_references, disagreement, disagrees, is_disagreement, show  # noqa: E402

NB, NN = "\u00a0", "\u202f"
A_EVALUER, POUR_MEMOIRE = Marqueur("A évaluer"), Marqueur("Pour mémoire")


@pytest.mark.parametrize("value, printed", [
    (None, "(vide)"),
    (Decimal("275000"), f"275{NN}000{NB}€"),
    (Decimal("0.5"), f"0,50{NB}€"),
    (A_EVALUER, "« A évaluer »"),
    ("1.9", "« 1.9 »"),
])
def test_show_prints_a_figure_as_the_report_does(value, printed):
    assert show(value) == printed


@pytest.mark.parametrize("declared, computed, contradicts", [
    (None, Decimal(5), False),                    # an empty cell declares nothing
    (None, None, False),
    (Decimal(5), Decimal(5), False),
    (Decimal(5), Decimal("5.00"), False),         # equal to the cent
    (Decimal(5), Decimal("5.01"), True),
    (Decimal("5.01"), Decimal(5), True),
    (Decimal(0), None, False),                    # zero printed where nothing is computed
    (Decimal(0), A_EVALUER, False),               # zero printed where a marker is computed
    (Decimal(5), None, True),                     # an amount printed where nothing is computed
    (Decimal(5), A_EVALUER, True),
    (A_EVALUER, Decimal(0), False),               # a marker printed where zero is computed
    (A_EVALUER, Decimal(5), True),                # a marker printed where an amount is computed
    (A_EVALUER, None, False),
    (A_EVALUER, POUR_MEMOIRE, False),             # two markers never contradict each other
    ("1.2", "1.2", False),
    ("1.9", "1.2", True),
])
def test_is_disagreement_follows_the_rule(declared, computed, contradicts):
    assert is_disagreement(declared, computed) is contradicts


@pytest.mark.parametrize("declared, computed, contradicts", [
    (None, Decimal(5), False),
    (Decimal(5), Decimal("5.00"), False),         # its fast path for two amounts: equal to the cent
    (Decimal(5), Decimal("5.01"), True),
    (Decimal(0), None, False),                    # zero printed where nothing is computed
    (Decimal(0), A_EVALUER, False),               # zero printed where a marker is computed
    (Decimal(5), A_EVALUER, True),
    (A_EVALUER, Decimal(0), False),               # a marker printed where zero is computed
    (A_EVALUER, Decimal(5), True),
    (A_EVALUER, POUR_MEMOIRE, False),
])
def test_disagrees_says_what_the_rule_says(declared, computed, contradicts):
    assert disagrees(declared, computed) is contradicts


def test_a_disagreement_is_worded_where_it_stands():
    # as a kind's verifier reports it: a warning at the figure's place, only when the figures disagree
    problems = Problems()
    here = Location("fiches/velo.yaml", 12, 15)

    def compare(what, declared, computed):
        if disagrees(declared, computed):
            problems.add(here, disagreement(what, declared, computed), is_warning=True)

    compare("fiche 2.1, total des dépenses", Decimal(13346), Decimal(13345))
    compare("fiche 2.1, total des recettes", A_EVALUER, Decimal(20000))
    compare("fiche 2.1, coût 2021", Decimal(12), None)
    assert [str(p) for p in problems] == [
        f"fiches/velo.yaml, ligne 12, colonne 15 : attention : fiche 2.1, total des dépenses : le document imprime 13{NN}346{NB}€, "
        f"le calcul donne 13{NN}345{NB}€",
        f"fiches/velo.yaml, ligne 12, colonne 15 : attention : fiche 2.1, total des recettes : le document imprime « A évaluer », "
        f"le calcul donne 20{NN}000{NB}€",
        "fiches/velo.yaml, ligne 12, colonne 15 : attention : fiche 2.1, coût 2021 : le document imprime 12\u00a0€, "
        "le calcul donne (vide)",
    ]
    # a declared figure that disagrees is a warning: the build writes the computed one (an error under --strict)
    assert all(p.is_warning for p in problems)


def references_found(text: str, articles: dict[int, int], fiches: set[str] | None) -> list[str]:
    source = SourceFile(src_path=Path("articles/renvois.md"), rel_path="articles/renvois.md", text=text)
    problems = Problems()
    check_references({"articles/renvois.md": source}, articles, fiches, problems)
    return [str(p) for p in problems]


def test_references_to_missing_articles_and_fiches_are_reported_where_they_stand():
    text = ("Article 4 : voir l'article 2.3.\n"            # line 1: « Article » column 1, « article » column 20
            "Selon l'article 2.2 et l'article 1er.\n"      # line 2: both exist
            "L'article 2.0 puis\n"                         # line 3: no sub-article 0, « article » column 3
            "la fiche 2.2, les fiches n° 1.2 et la fiche-projet 3.1.\n"  # line 4: 2.2 column 4, 3.1 column 39
            "l'article 5 de la loi et l'article 7 du code ; particle 9, affiche 9.9\n"  # other texts: not checked
            "Fiche 9.1")                                   # line 6, at the very end of the text
    assert references_found(text, {1: 0, 2: 2, 3: 0}, {"1.1", "1.2", "2.1"}) == [
        "articles/renvois.md, ligne 1, colonne 1 : renvoi à l'article 4, qui n'existe pas (le contrat en compte 3)",
        "articles/renvois.md, ligne 1, colonne 20 : renvoi à l'article 2.3, qui n'existe pas",
        "articles/renvois.md, ligne 3, colonne 3 : renvoi à l'article 2.0, qui n'existe pas",
        "articles/renvois.md, ligne 4, colonne 4 : renvoi à la fiche 2.2, qui n'existe pas",
        "articles/renvois.md, ligne 4, colonne 39 : renvoi à la fiche 3.1, qui n'existe pas",
        "articles/renvois.md, ligne 6, colonne 1 : renvoi à la fiche 9.1, qui n'existe pas",
    ]


@pytest.mark.parametrize("sub, exists", [(0, False), (1, True), (3, True), (4, False)])
def test_a_sub_article_exists_from_1_to_the_articles_count(sub, exists):
    found = references_found(f"voir l'article 2.{sub}", {1: 0, 2: 3}, None)
    assert found == ([] if exists else [f"articles/renvois.md, ligne 1, colonne 8 : renvoi à l'article 2.{sub}, "
                                        f"qui n'existe pas"])


def test_fiches_are_not_checked_for_a_kind_without_fiches():
    assert references_found("la fiche 9.9 et l'article 1", {1: 0}, None) == []


def test_a_text_folded_apart_is_searched_all_the_same():
    # « İ » lowers to two letters: the positions of the lowered text are not the text's
    assert references_found("İ\nl'article 7 et la fiche 4.4", {1: 0}, {"1.1"}) == [
        "articles/renvois.md, ligne 2, colonne 3 : renvoi à l'article 7, qui n'existe pas (le contrat en compte 1)",
        "articles/renvois.md, ligne 2, colonne 19 : renvoi à la fiche 4.4, qui n'existe pas",
    ]


def test_a_reference_after_an_empty_first_line_is_on_its_line():
    assert references_found("\nl'article 9\n\n  fiche 7.7", {1: 0}, {"1.1"}) == [
        "articles/renvois.md, ligne 2, colonne 3 : renvoi à l'article 9, qui n'existe pas (le contrat en compte 1)",
        "articles/renvois.md, ligne 4, colonne 3 : renvoi à la fiche 7.7, qui n'existe pas",
    ]


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


# --- Issue 27, third pass: survivors of the full run on the merged verify.py ---------------------------------

from generator.verify import _iter_markers, check_avenant_references  # noqa: E402

AVENANT_2 = ("# voir l'article 9 (un exemple laissé en commentaire)\n"
             "objet: >\n"
             "  Le comité de l'article 4 et la fiche 2.2\n"
             "  # l'article 8 non plus\n"
             "expose: voir l'article 9 et la fiche 2.4 # la fin de la ligne compte\n")


def test_an_avenants_own_words_are_checked_where_they_stand_and_its_comments_left_out():
    # columns counted by hand: line 3 « article » at 18, « fiche » at 34; line 5 « article » at 16, « fiche » at 32
    problems = Problems()
    numbers = {"articles": IN_FORCE, "fiches": {"2.1", "2.3"}, "deleted_articles": {4: 1},
               "deleted_fiches": {"2.2": 1}}
    check_avenant_references(SourceFile(Path("avenants/2.yaml"), "avenants/2.yaml", AVENANT_2), 2, numbers, problems)
    assert [str(p) for p in problems] == [
        "avenants/2.yaml, ligne 3, colonne 18 : avenant n° 2 : renvoi à l'article 4, supprimé par l'avenant n° 1",
        "avenants/2.yaml, ligne 5, colonne 16 : avenant n° 2 : renvoi à l'article 9, qui n'existe pas "
        "(le contrat en compte 6)",
        "avenants/2.yaml, ligne 3, colonne 34 : avenant n° 2 : renvoi à la fiche 2.2, supprimée par l'avenant n° 1",
        "avenants/2.yaml, ligne 5, colonne 32 : avenant n° 2 : renvoi à la fiche 2.4, qui n'existe pas",
    ]
    assert not any(p.is_warning for p in problems)  # a reference to nothing stops the build


def test_a_reference_to_what_an_avenant_deleted_is_told_where_it_stands():
    problems = Problems()
    check_references({"a.md": SourceFile(Path("a.md"), "a.md", "Texte.\nVoir l'article 4 et la fiche 2.2.")},
                     IN_FORCE, {"2.1"}, problems, deleted_articles={4: 1}, deleted_fiches={"2.2": 3})
    assert [str(p) for p in problems] == [
        "a.md, ligne 2, colonne 8 : renvoi à l'article 4, supprimé par l'avenant n° 1",
        "a.md, ligne 2, colonne 24 : renvoi à la fiche 2.2, supprimée par l'avenant n° 3"]


def test_markers_are_found_in_lists_and_mappings_with_their_path():
    evaluer, memoire = Marqueur("A évaluer"), Marqueur("Pour mémoire")
    value = {"depenses": [Decimal(1), evaluer], "echeancier": {2021: Decimal(5), 2022: memoire}, "vide": None}
    assert list(_iter_markers(value, ("fiche",))) == [(("fiche", "depenses", 1), evaluer),
                                                       (("fiche", "echeancier", 2022), memoire)]


def test_an_amount_not_known_yet_in_an_echeancier_is_a_warning_at_its_cell(tmp_path, contract_files):
    from generator.pipeline import read_and_compute
    from generator.verify import unknown_amounts

    from .conftest import write_contract
    from .kinds.test_crte import VELO

    # line 16 « montant: 3345 » of the fiche, line 37 « 2023: 1000 » of its échéancier (counted by hand)
    velo = VELO.replace("      montant: 3345\n", "      montant: A évaluer\n")
    velo = velo.replace("      2023: 1000\n", "      2023: Pour mémoire\n")
    contract_files["fiches/velo.yaml"] = velo
    prepared = read_and_compute(write_contract(tmp_path / "c", contract_files))
    assert not prepared.problems.errors
    assert [(p.location.path.rsplit("/", 1)[-1], p.location.line, p.location.column, p.message, p.is_warning)
            for p in unknown_amounts(prepared.tree)] == [
        ("velo.yaml", 16, 16, "montant pas encore connu : « A évaluer » (compté dans aucun total)", True),
        ("velo.yaml", 37, 13, "montant pas encore connu : « Pour mémoire » (compté dans aucun total)", True)]


def test_a_sentence_of_an_avenant_is_read_across_a_comment_line():
    problems = Problems()
    text = "expose: >\n  voir l'article\n  # à confirmer\n  9 du présent contrat\n"
    check_avenant_references(SourceFile(Path("avenants/3.yaml"), "avenants/3.yaml", text), 3,
                             {"articles": IN_FORCE, "fiches": set()}, problems)
    assert [str(p) for p in problems] == [
        "avenants/3.yaml, ligne 2, colonne 10 : avenant n° 3 : renvoi à l'article 9, qui n'existe pas (le contrat en "
        "compte 6)"]
