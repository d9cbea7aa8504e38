"""Validate stage: schema violations refused in French, with file and line."""

from decimal import Decimal

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


# --- Amount limit (issue 27) -------------------------------------------------------------------------------

@pytest.mark.parametrize("amount", ["1000000000000000", "1.0e+26", "99999999999999999999999999999"])
def test_an_amount_of_sixteen_digits_or_more_is_refused(tmp_path, amount):
    text = BASE + f"investissement:\n  total_publie:\n    depenses: {amount}\n"
    [message] = problems_for(tmp_path, text)
    assert "fiche.yaml, ligne 11" in message
    assert "trop grand" in message and "au plus 999999999999999.99" in message  # the largest amount accepted


def test_an_amount_of_fifteen_digits_is_accepted(tmp_path):
    root = write_contract(tmp_path / "c", {"fiche.yaml": BASE + "investissement:\n  total_publie:\n"
                                                          "    depenses: 999999999999999.99\n"})
    problems = Problems()
    fiche = validate_source(load_contract(root, problems).get("fiche.yaml"), Fiche, problems)
    assert not list(problems)
    from decimal import Decimal
    assert fiche.investissement.total_publie.depenses == Decimal("999999999999999.99")


# --- Every kind of schema violation, its exact French message and where it points (issue 27) -----------------

import datetime as dt  # noqa: E402
from typing import Annotated, Literal  # noqa: E402

from pydantic import AfterValidator, Field  # noqa: E402

from generator.schema import Cellule, Model  # noqa: E402


class Adresse(Model):
    rue: str = ""
    ville: str = ""


class Partenaire(Model):
    nom: str
    montant: Cellule = None
    adresse: Adresse | None = None


def _not_13(rang: int) -> int:
    if rang == 13:  # what an `assert` of a validator raises (pytest rewrites this module's asserts)
        raise AssertionError("le rang 13 est réservé")
    return rang


class Essai(Model):
    texte: str = ""
    entier: int = 0
    oui: bool = False
    jour: dt.date | None = None
    liste: list[str] = Field(default=["x"], min_length=1)
    partenaire: Partenaire | None = None
    partenaires: list[Partenaire] = []
    table: dict[str, int] = {}
    choix: Literal["investissement", "fonctionnement"] = "investissement"
    rang: int = Field(default=1, ge=1)
    montant: Cellule = None
    nature: Literal["travaux", "étude", "l'achat"] = "travaux"
    annuaire: dict[str, Partenaire] = {}
    reserve: Annotated[int, AfterValidator(_not_13)] = 0
    repli: Annotated[Partenaire, AfterValidator(lambda p: p)] | int = 0
    taux: float = 0.0


def messages_for(tmp_path, text: str) -> list[str]:
    root = write_contract(tmp_path / "c", {"essai.yaml": text})
    problems = Problems()
    assert validate_source(load_contract(root, problems).get("essai.yaml"), Essai, problems) is None
    return [str(p).replace(f"{root}/", "") for p in problems]


@pytest.mark.parametrize("line, message", [
    ("texte: [a, b]", "essai.yaml, ligne 1, colonne 8 : texte attendu"),
    ("entier: deux", "essai.yaml, ligne 1, colonne 9 : nombre entier attendu"),
    ("entier: 2.5", "essai.yaml, ligne 1, colonne 9 : nombre entier attendu"),
    ("entier: [2]", "essai.yaml, ligne 1, colonne 9 : nombre entier attendu"),
    ("oui: peut-être", "essai.yaml, ligne 1, colonne 6 : « true » ou « false » attendu"),
    ("oui: [1]", "essai.yaml, ligne 1, colonne 6 : « true » ou « false » attendu"),
    ("jour: hier", "essai.yaml, ligne 1, colonne 7 : date attendue, au format AAAA-MM-JJ"),
    ("jour: '21/06/2021'", "essai.yaml, ligne 1, colonne 7 : date attendue, au format AAAA-MM-JJ"),
    ("jour: [1]", "essai.yaml, ligne 1, colonne 7 : date attendue, au format AAAA-MM-JJ"),
    ("liste: un texte", "essai.yaml, ligne 1, colonne 8 : liste attendue (des lignes commençant par « - »)"),
    ("liste: []", "essai.yaml, ligne 1, colonne 8 : la liste ne peut pas être vide"),
    ("partenaire: Etat", "essai.yaml, ligne 1, colonne 13 : ensemble de champs attendu (des lignes « champ: valeur »)"),
    ("table: 3", "essai.yaml, ligne 1, colonne 8 : ensemble de champs attendu (des lignes « champ: valeur »)"),
    ("choix: invest", "essai.yaml, ligne 1, colonne 8 : valeur non permise : « investissement » ou "
                      "« fonctionnement » attendu"),
    ("nature: achat", "essai.yaml, ligne 1, colonne 9 : valeur non permise : « travaux », « étude » ou « l'achat » "
                      "attendu"),
    ("rang: 0", "essai.yaml, ligne 1, colonne 7 : valeur trop petite : au moins 1"),
    ("montant: -5", "essai.yaml, ligne 1, colonne 10 : montant négatif (-5) : un montant ne peut pas être négatif ici"),
    ("montant: 1.234", "essai.yaml, ligne 1, colonne 10 : montant à plus de deux décimales (1.234) : les montants "
                       "sont au centime près"),
    ("montant: '275 000 €'", "essai.yaml, ligne 1, colonne 10 : montant écrit comme du texte « 275 000 € » : "
                             "écrivez 275000 (des chiffres, sans espace ni symbole, un point avant les centimes)"),
    ("montant: [1]", "essai.yaml, ligne 1, colonne 10 : montant attendu (un nombre d'euros, par exemple 275000 "
                     "ou 1250.50, ou « A évaluer » s'il n'est pas encore connu), pas « [1] »"),
])
def test_each_kind_of_violation_has_its_french_message(tmp_path, line, message):
    assert messages_for(tmp_path, line + "\n") == [message]


@pytest.mark.parametrize("text, message", [
    # a close name is suggested, at the key's place
    ("texte: a\nentiers: 2\n", "essai.yaml, ligne 2, colonne 1 : champ inconnu « entiers » — vouliez-vous dire "
                               "« entier » ?"),
    # inside a nested model, and inside a list of models: the nested model's own fields
    ("partenaire:\n  nom: Etat\n  montnat: 5\n", "essai.yaml, ligne 3, colonne 3 : champ inconnu « montnat » — "
                                               "vouliez-vous dire « montant » ?"),
    ("partenaires:\n  - nom: Etat\n  - nom: Lens\n    nomm: Région\n",
     "essai.yaml, ligne 4, colonne 5 : champ inconnu « nomm » — vouliez-vous dire « nom » ?"),
    # nothing close: every possible field
    ("partenaire:\n  nom: Etat\n  zzz: 5\n", "essai.yaml, ligne 3, colonne 3 : champ inconnu « zzz » (champs "
                                           "possibles : nom, montant, adresse)"),
    # a model inside a model of a list
    ("partenaires:\n  - nom: Etat\n    adresse:\n      vile: Lens\n",
     "essai.yaml, ligne 4, colonne 7 : champ inconnu « vile » — vouliez-vous dire « ville » ?"),
    # under a key of a table of models, the fields are not looked for: the name alone
    ("annuaire:\n  lens:\n    nom: Lens\n    zzz: 1\n", "essai.yaml, ligne 4, colonne 5 : champ inconnu « zzz »"),
    ("zzz: 1\n", "essai.yaml, ligne 1, colonne 1 : champ inconnu « zzz » (champs possibles : texte, entier, oui, "
                 "jour, liste, partenaire, partenaires, table, choix, rang, montant, nature, annuaire, reserve, repli, taux)"),
])
def test_an_unknown_field_is_named_with_what_was_meant(tmp_path, text, message):
    assert messages_for(tmp_path, text) == [message]


def test_a_missing_field_points_at_the_mapping_that_lacks_it(tmp_path):
    assert messages_for(tmp_path, "partenaires:\n  - montant: 5\n") == [
        "essai.yaml, ligne 2, colonne 5 : champ obligatoire manquant : « nom »"]


def test_an_empty_file_is_said_to_be_empty(tmp_path):
    assert messages_for(tmp_path, "") == ["essai.yaml : le fichier est vide"]
    assert messages_for(tmp_path, "# rien\n") == ["essai.yaml : le fichier est vide"]


def test_every_problem_of_a_file_is_reported_in_order(tmp_path):
    assert messages_for(tmp_path, "entier: deux\noui: peut-être\nzzzz: 1\n") == [
        "essai.yaml, ligne 1, colonne 9 : nombre entier attendu",
        "essai.yaml, ligne 2, colonne 6 : « true » ou « false » attendu",
        "essai.yaml, ligne 3, colonne 1 : champ inconnu « zzzz » (champs possibles : texte, entier, oui, jour, liste, "
        "partenaire, partenaires, table, choix, rang, montant, nature, annuaire, reserve, repli, taux)",
    ]


def test_an_unreadable_file_adds_nothing_more(tmp_path):
    root = write_contract(tmp_path / "c", {"essai.yaml": "texte: [a\n"})
    problems = Problems()
    source = load_contract(root, problems).get("essai.yaml")
    before = len(problems)
    assert before == 1  # loading said why
    assert validate_source(source, Essai, problems) is None
    assert len(problems) == before


def test_a_valid_file_gives_its_model(tmp_path):
    root = write_contract(tmp_path / "c", {"essai.yaml": "texte: a\npartenaires:\n  - nom: Etat\n    montant: 5\n"})
    problems = Problems()
    essai = validate_source(load_contract(root, problems).get("essai.yaml"), Essai, problems)
    assert not problems
    assert essai.texte == "a" and essai.partenaires[0].montant == Decimal(5)


def test_a_validator_s_own_message_is_told_as_it_is(tmp_path):
    assert messages_for(tmp_path, "reserve: 13\n") == ["essai.yaml, ligne 1, colonne 10 : le rang 13 est réservé"]


def test_a_violation_without_french_words_says_so_with_pydantic_s(tmp_path):
    [message] = messages_for(tmp_path, "taux: beaucoup\n")
    assert message.startswith("essai.yaml, ligne 1, colonne 7 : valeur incorrecte (") and message.endswith(")")
    assert "number" in message


def test_a_violation_inside_a_validated_branch_points_at_its_own_line(tmp_path):
    # pydantic names the branch « function-after[…] » in the location: left out, the field's own line is found
    assert messages_for(tmp_path, "repli:\n  nom: [1]\n") == [
        "essai.yaml, ligne 2, colonne 8 : texte attendu",
        "essai.yaml, ligne 2, colonne 3 : nombre entier attendu",
    ]


def test_a_file_holding_only_null_is_not_empty_but_not_a_set_of_fields(tmp_path):
    assert messages_for(tmp_path, "null\n") == [
        "essai.yaml, ligne 1, colonne 1 : ensemble de champs attendu (des lignes « champ: valeur »)"]


def test_one_error_of_a_value_set_elsewhere_is_told_in_french():
    # what an avenant sets is validated outside a file: each of pydantic's errors is told on its own
    from pydantic import ValidationError

    from generator.validate import french_message

    with pytest.raises(ValidationError) as raised:
        Essai.model_validate({"partenaire": {"nom": "Etat", "montnat": 5}, "rang": 0})
    assert [french_message(error, Essai) for error in raised.value.errors()] == [
        "champ inconnu « montnat » — vouliez-vous dire « montant » ?", "valeur trop petite : au moins 1"]


@pytest.mark.parametrize("written", ["1e3", "1:30", "0o17", ".inf"])
def test_an_integer_in_another_notation_is_refused_as_typed(tmp_path, written):
    # YAML 1.1 reads « 1:30 » as 90 and « 0o17 » as 15: Paraphe keeps what was typed and refuses it
    assert messages_for(tmp_path, f"entier: {written}\n") == [
        f"essai.yaml, ligne 1, colonne 9 : nombre entier attendu, écrit en chiffres décimaux (pas « {written} »)"]


# --- What the schema marks, found in data that breaks it (issue 19: every mistake at once) ---------------------

from pathlib import Path  # noqa: E402
from typing import Annotated  # noqa: E402

from pydantic import Field  # noqa: E402

from generator.load import SourceFile  # noqa: E402
from generator.schema import CleDe, FichierArticle, FichierMarkdown, FichierProse, Model  # noqa: E402
from generator.validate import check_keys, iter_marked  # noqa: E402


class _Bloc(Model):
    texte: FichierMarkdown | None = None
    contacts: list[Annotated[str, CleDe("contacts", "contact")]] = []


class _Document(Model):
    titre: str
    preambule: FichierMarkdown
    articles: list[FichierArticle]
    blocs: list[_Bloc | str] = []
    annexes: dict[str, FichierMarkdown] = {}
    contacts: dict[str, str] = {}


def test_the_markdown_files_a_schema_marks_are_found_in_data_that_breaks_it():
    """No « titre », a bloc that is a number, a field unknown: the files the data names are still found, each
    with its path, in the data's order; a value of the wrong shape is left out (its own mistake is the
    schema's to name)."""
    data = {"preambule": "preambule.md", "articles": ["a1.md", 7, "a3.md"], "inconnu": "x.md",
            "blocs": [{"texte": "b1.md", "contacts": ["x"]}, 5, "un texte", {"texte": None}],
            "annexes": {"une": "annexe-1.md", "deux": ["pas", "un", "fichier"]}}
    found = [(path, value, marker.numbers_articles) for path, value, marker in
             iter_marked(_Document, data, FichierProse)]
    assert found == [(("preambule",), "preambule.md", False), (("articles", 0), "a1.md", True),
                     (("articles", 2), "a3.md", True), (("blocs", 0, "texte"), "b1.md", False),
                     (("annexes", "une"), "annexe-1.md", False)]
    assert list(iter_marked(_Document, ["pas", "un", "objet"], FichierProse)) == []


class _Recueil(Model):
    chapitres: dict[str, Annotated[list[FichierMarkdown], Field(min_length=1)]] = {}
    articles: list[FichierArticle] = []


def test_the_markdown_files_are_found_inside_a_constrained_list_and_not_in_a_text_where_a_list_belongs():
    """A list of files under a constraint (« Field(min_length=1) ») is walked like any list; a text or a
    mapping typed where the list of articles belongs names no file (not its letters, nor its keys)."""
    data = {"chapitres": {"un": ["c1.md", "c2.md"], "deux": "c3.md"}, "articles": "a1.md"}
    assert [(path, value) for path, value, _ in iter_marked(_Recueil, data, FichierProse)] == [
        (("chapitres", "un", 0), "c1.md"), (("chapitres", "un", 1), "c2.md")]
    assert list(iter_marked(_Recueil, {"articles": {"a1.md": "a2.md"}}, FichierProse)) == []


def test_a_key_that_names_nothing_is_refused_with_its_place_even_when_the_file_breaks_its_schema():
    text = "contacts: {ami: Anne}\nblocs:\n  - contacts: [ami, inconnu]\n  - 3\n"
    source = SourceFile(Path("c/contrat.yaml"), "contrat.yaml", text)
    problems = Problems()
    from generator.load import parse_yaml

    parse_yaml(text, source, problems)
    assert not problems
    check_keys(source, _Document, problems)
    [problem] = problems
    assert (problem.location.line, problem.location.column) == (3, 21)  # « inconnu » starts there
    assert problem.message == "contact inconnu « inconnu » : ajoutez-le à la liste « contacts »"
