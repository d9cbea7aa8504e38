"""Validate stage: schema violations refused in French, with file and line."""

import pytest

from generator.errors import Problems
from generator.kinds.crte.schema import Fiche
from generator.load import load_contract
from generator.validate import validate_source

from .conftest import write_contract


def problems_for(tmp_path, fiche_text: str) -> list[str]:
    root = write_contract(tmp_path / "c", {"fiche.yaml": fiche_text})
    problems = Problems()
    tree = load_contract(root, problems)
    assert validate_source(tree.get("fiche.yaml"), Fiche, problems) is None
    return [str(p) for p in problems]


BASE = """intitule: ESSAI
maitre_ouvrage: CALL
libelle_maquette: Essai
description: Texte.
date_mise_a_jour: 2021-06-12
localisation: AGGLOMERATION
budget: Principal
annee_lancement: 2021
"""


def test_unknown_field_is_refused_with_a_suggestion(tmp_path):
    text = BASE + "investissement:\n  depenses:\n    - libelle: Travaux\n      montnat: 12\n"
    [message] = problems_for(tmp_path, text)
    assert "fiche.yaml, ligne 12, colonne 7" in message
    assert "champ inconnu « montnat » — vouliez-vous dire « montant » ?" in message


def test_missing_field_is_named(tmp_path):
    text = BASE.replace("budget: Principal\n", "")
    [message] = problems_for(tmp_path, text)
    assert "champ obligatoire manquant : « budget »" in message


def test_a_missing_field_is_named_at_the_line_of_the_mapping_that_lacks_it(tmp_path):
    text = BASE + "investissement:\n  depenses:\n    - libelle: Travaux\n      montant: 5\n" \
        "financements:\n  lignes:\n    - partenaire: Etat\n"
    root = write_contract(tmp_path / "c", {"fiche.yaml": text.replace("localisation: AGGLOMERATION\n", "")})
    problems = Problems()
    tree = load_contract(root, problems)
    from generator.kinds.crte.schema import Financements, LigneFinancement  # noqa: F401 (the schema read)

    assert validate_source(tree.get("fiche.yaml"), Fiche, problems) is None
    [problem] = problems
    assert (problem.location.line, problem.message) == (1, "champ obligatoire manquant : « localisation »")


def test_an_impossible_date_is_refused_with_the_other_mistakes_of_its_file(tmp_path):
    text = BASE.replace("2021-06-12", "2021-02-30").replace("annee_lancement: 2021", "annee_lancement: 2021\nx: 1")
    messages = problems_for(tmp_path, text)
    assert len(messages) == 2
    assert "fiche.yaml, ligne 5, colonne 19 : date impossible « 2021-02-30 » : ce jour n'existe pas" in messages[0]
    assert "champ inconnu « x »" in messages[1]


@pytest.mark.parametrize("amount, expected", [
    ("-5", "montant négatif"),
    ("12.345", "plus de deux décimales"),
    ('"275 000 €"', "montant écrit comme du texte"),
    ("true", "montant attendu"),
])
def test_bad_amounts_are_refused(tmp_path, amount, expected):
    text = BASE + f"investissement:\n  total_publie:\n    depenses: {amount}\n"
    [message] = problems_for(tmp_path, text)
    assert "ligne 11" in message
    assert expected in message


def _amount_cell(tmp_path, written: str):
    """Validate a fiche whose declared total of expenses is `written`: (value, problems)."""
    root = write_contract(tmp_path / "c", {"fiche.yaml": BASE + f"investissement:\n  total_publie:\n"
                                                                f"    depenses: {written}\n"})
    problems = Problems()
    tree = load_contract(root, problems)
    fiche = validate_source(tree.get("fiche.yaml"), Fiche, problems)
    return (fiche.investissement.total_publie.depenses if fiche else None), [str(p) for p in problems]


# written in the content → the amount the suggestion must give (by hand: what the writer meant, never YAML 1.1's
# reading: 0750 is 488 in octal, 1:30 is 90 in sexagesimal), or None when no amount can be suggested
AMOUNTS_WRITTEN_OTHERWISE = {
    "0750": "750", "00": "0", "1e3": "1000", "1.5e2": "150", "1_000": "1000", "1_250.50": "1250.50", ".5": "0.5",
    "5.": "5", "+5": "5", "!!int 0750": "750", "!!float 1e3": "1000",
    '"3,2 M€"': "3200000", '"3.200.000"': "3200000", '"275 000 €"': "275000", '"1 250,50 €"': "1250.50",
    '"3,2 millions d\'euros"': "3200000", '"1,5 Md€"': "1500000000", '"2 500 000 € HT"': "2500000",
    '"12"': "12", '"3.200.000,50"': "3200000.50",
    '"environ 3 200 000"': "3200000", '"plus de 2 M€"': "2000000",
    "1e308": None, "0o17": None, "0x1F": None, "0b101": None, "1:30": None, ".inf": None, ".nan": None,
    "1e-3": None, '"3 200 000,505"': None, '"environ 3,2,1 M€"': None, '"1.23.4"': None,
}


@pytest.mark.parametrize("written, meant", AMOUNTS_WRITTEN_OTHERWISE.items())
def test_an_amount_in_another_notation_is_refused_with_a_suggestion_that_is_accepted(tmp_path, written, meant):
    """Never another number: the value is refused at its line; the suggestion, pasted in its place, is
    accepted and gives the amount meant; without one, the message's example is itself accepted."""
    from decimal import Decimal

    value, messages = _amount_cell(tmp_path / "refused", written)
    assert value is None and len(messages) == 1 and "fiche.yaml, ligne 11, colonne 15" in messages[0]
    if meant is None:
        assert "écrivez un nombre d'euros, par exemple 275000 ou 1250.50" in messages[0] or \
            "trop grand" in messages[0] and "au plus 999999999999999.99" in messages[0]
        for example in ("275000", "1250.50", "999999999999999.99", "« A évaluer »"):
            accepted, problems = _amount_cell(tmp_path / example, example)
            assert not problems and accepted is not None
        return
    assert f"écrivez {meant}" in messages[0]
    accepted, problems = _amount_cell(tmp_path / "suggested", meant)
    assert not problems and accepted == Decimal(meant) and str(accepted) == meant


@pytest.mark.parametrize("words", ["A évaluer", "Pour mémoire", "A programmer", "Coût global à évaluer",
                                   "Voir protocole d'engagement 2019-2022", "A négocier (renouvellement du contrat)"])
def test_words_that_say_the_amount_is_not_known_yet_are_markers(tmp_path, words):
    from generator.schema import Marqueur

    value, messages = _amount_cell(tmp_path, f'"{words}"')
    assert not messages and value == Marqueur(words)


@pytest.mark.parametrize("written, message", [
    ("1000000000000000", "montant trop grand (1000000000000000) : au plus 999999999999999.99"),
    ("100000000000000000000000000", "montant trop grand"),
    ("-0.5", "montant négatif (-0.5)"),
])
def test_amounts_beyond_what_content_may_hold_are_refused(tmp_path, written, message):
    value, messages = _amount_cell(tmp_path, written)
    assert value is None and len(messages) == 1 and message in messages[0]


def test_markers_are_kept_as_markers(tmp_path):
    from generator.schema import Marqueur

    root = write_contract(tmp_path / "c", {"fiche.yaml": BASE + "investissement:\n  total_publie:\n"
                                                          "    depenses: A évaluer\n"})
    problems = Problems()
    fiche = validate_source(load_contract(root, problems).get("fiche.yaml"), Fiche, problems)
    assert fiche.investissement.total_publie.depenses == Marqueur("A évaluer")


def test_wrong_type_and_every_problem_reported(tmp_path):
    text = BASE.replace("annee_lancement: 2021", "annee_lancement: deux mille").replace(
        "date_mise_a_jour: 2021-06-12", "date_mise_a_jour: hier")
    messages = problems_for(tmp_path, text)
    assert len(messages) == 2
    assert any("ligne 5" in m and "date attendue" in m for m in messages)
    assert any("ligne 8" in m and "nombre entier attendu" in m for m in messages)
