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
    assert "champ obligatoire manquant" in message


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


# --- Amount limit (issue 27) -------------------------------------------------------------------------------

@pytest.mark.parametrize("amount", ["1000000000000000", "1.0e+26", "99999999999999999999999999999"])
def test_an_amount_of_sixteen_digits_or_more_is_refused(tmp_path, amount):
    text = BASE + f"investissement:\n  total_publie:\n    depenses: {amount}\n"
    [message] = problems_for(tmp_path, text)
    assert "fiche.yaml, ligne 11" in message
    assert "montant trop grand" in message and "au plus quinze chiffres avant la virgule" in message


def test_an_amount_of_fifteen_digits_is_accepted(tmp_path):
    root = write_contract(tmp_path / "c", {"fiche.yaml": BASE + "investissement:\n  total_publie:\n"
                                                          "    depenses: 999999999999999.99\n"})
    problems = Problems()
    fiche = validate_source(load_contract(root, problems).get("fiche.yaml"), Fiche, problems)
    assert not list(problems)
    from decimal import Decimal
    assert fiche.investissement.total_publie.depenses == Decimal("999999999999999.99")
