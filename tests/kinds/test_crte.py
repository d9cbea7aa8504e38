"""The CRTE kind: numbering, totals, échéancier, maquette, and the verifier against declared figures."""

import gc
import weakref
from decimal import Decimal

import pytest

from generator.pipeline import read_and_compute
from generator.schema import Marqueur

from ..conftest import REAL_CONTENT, write_contract


def test_consistent_contract_has_no_finding(contract_dir):
    prepared = read_and_compute(contract_dir)
    assert not prepared.problems
    assert not prepared.findings, [str(f) for f in prepared.findings]


def test_numbers_come_from_axis_and_position(contract_dir):
    crte = read_and_compute(contract_dir).computed
    assert [f.numero for f in crte.fiches] == ["1.1", "1.2", "2.1"]
    assert [a.numero for a in crte.articles] == [1, 2]
    assert [s.numero for s in crte.articles[1].sous_articles] == ["2.1", "2.2"]
    assert crte.articles[1].titre == "Le plan d'action"
    assert crte.axes[0].libelle_fiches == "Fiches n° 1.1 et 1.2"
    assert crte.axes[1].libelle_fiches == "Fiche n° 2.1"


def test_a_computed_crte_is_freed_as_soon_as_it_is_dropped(contract_dir):
    # no reference cycle (a fiche pointing back at its axis, say): a batch frees each contract at once,
    # without Python's cyclic collector tracing its thousands of objects
    prepared = read_and_compute(contract_dir)
    crte, source = weakref.ref(prepared.computed), weakref.ref(prepared.computed.fiches[0].source)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del prepared
        assert crte() is None and source() is None
    finally:
        if was_enabled:
            gc.enable()


def test_totals_and_maquette_are_computed_from_rows(contract_dir):
    crte = read_and_compute(contract_dir).computed
    emploi = crte.fiches[0]
    # the DEPENSES line sums its rows as a spreadsheet does: a year without amount is 0
    assert emploi.echeancier.depenses.cellules == [Decimal(100000), Decimal(50000), Decimal(0)]
    assert emploi.echeancier.depenses.total == Decimal(150000)
    assert emploi.echeancier.recettes.total == Decimal(20000)
    maquette = crte.maquette
    assert len(maquette.lignes) == 3
    # the three years the échéanciers use (2021 to 2023) each have their column, and their totals
    assert maquette.annees == [2021, 2022, 2023]
    assert [l.couts for l in maquette.lignes] == [[Decimal(100000), Decimal(50000), None],
                                                  [None, Decimal(30000), None],
                                                  [Decimal(12345), None, Decimal(1000)]]
    assert maquette.totaux == [Decimal(112345), Decimal(80000), Decimal(1000)]
    assert maquette.total == Decimal(150000 + 30000 + 13345)


def test_markers_stay_markers_in_sums(contract_files, tmp_path):
    contract_files["fiches/velo.yaml"]["echeancier"]["depenses"]["investissement"] = {2021: "Pour mémoire"}
    del contract_files["fiches/velo.yaml"]["echeancier"]["publie"]
    root = write_contract(tmp_path / "c", contract_files)
    crte = read_and_compute(root).computed
    velo = crte.fiches[2]
    assert velo.echeancier.depenses_investissement.cellules[0] == Marqueur("Pour mémoire")
    # a marker is not a number: a total of no known amount says what the cells say, never « 0 € »
    assert velo.echeancier.depenses.cellules == [Marqueur("Pour mémoire"), Decimal(0), Decimal(0)]
    assert velo.echeancier.depenses.total == Marqueur("Pour mémoire")
    assert velo.echeancier.depenses_investissement.total == Marqueur("Pour mémoire")
    # the maquette shows what the fiche says instead of an amount
    assert crte.maquette.lignes[2].cout(2021) == Marqueur("Pour mémoire")
    assert crte.maquette.lignes[2].cout_total == Marqueur("Pour mémoire")


def findings_after(tmp_path, contract_files, change) -> list[str]:
    change(contract_files)
    root = write_contract(tmp_path / "c", contract_files)
    prepared = read_and_compute(root)
    assert not prepared.problems, [str(p) for p in prepared.problems]
    return [str(f) for f in prepared.findings]


def test_verifier_reports_a_wrong_printed_number(tmp_path, contract_files):
    def change(files):
        files["fiches/formation.yaml"]["numero_publie"] = "1.9"
    [finding] = findings_after(tmp_path, contract_files, change)
    assert "fiches/formation.yaml, ligne 43, colonne 16" in finding
    assert "numéro « 1.9 »" in finding and "fiche n° 1.2" in finding


def test_verifier_reports_a_total_that_is_not_the_sum(tmp_path, contract_files):
    def change(files):
        files["fiches/emploi.yaml"]["investissement"]["total_publie"]["depenses"] = 150001
    [finding] = findings_after(tmp_path, contract_files, change)
    assert "total des dépenses" in finding and "150\u202f001\u00a0€" in finding and "150\u202f000\u00a0€" in finding


def test_verifier_reports_an_echeancier_that_disagrees_with_its_budget(tmp_path, contract_files):
    def change(files):
        fiche = files["fiches/velo.yaml"]
        fiche["investissement"]["depenses"][0]["montant"] = 20000
        fiche["investissement"]["total_publie"]["depenses"] = 20000
    [finding] = findings_after(tmp_path, contract_files, change)
    assert "l'échéancier prévoit 13\u202f345\u00a0€ de dépenses d'investissement" in finding


def test_verifier_reports_maquette_rows(tmp_path, contract_files):
    def change(files):
        rows = files["maquette-publiee.yaml"]["lignes"]
        rows[0]["cout_total"] = 150500
        rows[1]["maitre_ouvrage"] = "Etat"
        rows[2]["annee"] = 2020
        rows.append({"enjeu": "BOUGER", "numero": "2.9"})
    findings = findings_after(tmp_path, contract_files, change)
    assert len(findings) == 4
    assert any("fiche 1.1, coût total" in f for f in findings)
    assert any("maître d'ouvrage « Etat »" in f for f in findings)
    assert any("année de lancement 2020" in f for f in findings)
    assert any("n° 2.9 ne correspond à aucune fiche" in f for f in findings)


def test_unlisted_or_missing_fiche_is_an_error(tmp_path, contract_files):
    contract_files["contrat.yaml"]["axes"][1]["fiches"] = ["velo", "absente"]
    contract_files["fiches/orpheline.yaml"] = contract_files["fiches/velo.yaml"]
    root = write_contract(tmp_path / "c", contract_files)
    messages = [str(p) for p in read_and_compute(root).problems]
    assert any("contrat.yaml, ligne" in m and "fiche introuvable : « fiches/absente.yaml »" in m for m in messages)
    assert any("orpheline.yaml" in m and "rattachée à aucun axe" in m for m in messages)


# --- the real CRTE of Lens-Liévin: the seed's own mistakes --------------------------------------------------

@pytest.fixture(scope="module")
def lens_lievin():
    prepared = read_and_compute(REAL_CONTENT / "crte-lens-lievin")
    assert not prepared.problems, [str(p) for p in prepared.problems]
    return prepared


def test_lens_lievin_has_27_fiches_and_13_articles(lens_lievin):
    crte = lens_lievin.computed
    assert len(crte.fiches) == 27
    assert [len(a.fiches) for a in crte.axes] == [9, 2, 5, 6, 5]
    assert len(crte.articles) == 13
    assert [s.numero for s in crte.articles[5].sous_articles] == ["6.1", "6.2", "6.3", "6.4", "6.5", "6.6"]


def test_lens_lievin_numbering_mistakes_are_found(lens_lievin):
    findings = [str(f) for f in lens_lievin.findings]
    numbering = [f for f in findings if "imprime le numéro" in f]
    assert len(numbering) == 2
    assert any("1-incubateurs-innovation.yaml" in f and "« 1.9 »" in f and "n° 1.6" in f for f in numbering)
    assert any("2-mobilite-cyclable.yaml" in f and "« 1.1 »" in f and "n° 2.1" in f for f in numbering)


def test_lens_lievin_maquette_disagreements_are_found(lens_lievin):
    findings = [str(f) for f in lens_lievin.findings if "maquette-publiee.yaml" in str(f)]
    expected = [
        "fiche 1.2, coût total : le document imprime 330\u202f000\u00a0€, le calcul donne 275\u202f000\u00a0€",
        "fiche 1.4, coût total : le document imprime 727\u202f600\u00a0€, le calcul donne 727\u202f500\u00a0€",
        "fiche 2.1, coût total : le document imprime 9\u202f705\u202f637\u00a0€, le calcul donne 9\u202f161\u202f357\u00a0€",
        "2 lignes pour la fiche 3.3",
        "fiche 4.3 : maître d'ouvrage « État », la fiche indique « CALL »",
        "fiche 4.6, coût 2022 : le document imprime 6\u202f853\u202f646\u00a0€",
        "fiche 5.1, coût total : le document imprime 3\u202f608\u202f947\u00a0€",
    ]
    for text in expected:
        assert any(text in f for f in findings), text
    assert len(findings) >= 35


def test_an_optional_annexe_left_empty_is_reported(contract_files, tmp_path):
    """The document prints the heading of an annexe the contract does not give: the verifier says so."""
    del contract_files["contrat.yaml"]["annexes"]["architecture"], contract_files["annexes/architecture.md"]
    root = write_contract(tmp_path / "c", contract_files)
    findings = [str(f) for f in read_and_compute(root).findings]
    assert [f for f in findings if "est vide" in f] == [
        f"{root / 'contrat.yaml'}, ligne 60, colonne 3 : attention : l’annexe « 1 – Architecture du contrat » est "
        "vide : le document n’en imprime que le titre (donnez son fichier Markdown dans « annexes : architecture »)"]


# --- Every declared figure of a fiche, typed by hand with its line (issue 27) --------------------------------
# Fiche 2.1 (axis 2, BOUGER), with a running budget. Totals computed by hand: investment 10 000 + 3 345 =
# 13 345 € of expenses, 5 000 € of receipts; running 1 200 € / 300 € a year; the échéancier spends 12 345 € +
# 1 000 € in investment, 1 200 € (2022) + 1 100 € (2023) in running costs: DEPENSES 12 345 / 1 200 / 2 100,
# 15 645 € in all; RECETTES 4 000 / 0 / 300, 4 300 € in all.

VELO = """\
numero_publie: "2.3"
axe_publie: 1 - TRAVAILLER
intitule: DEVELOPPER LE VELO
maitre_ouvrage: CALL
libelle_maquette: Developper le velo
description: Texte.
date_mise_a_jour: 2021-06-12
localisation: AGGLOMERATION
budget: Principal
annee_lancement: 2021
investissement:
  depenses:
    - libelle: Travaux
      montant: 10000
    - libelle: Etudes
      montant: 3345
  recettes:
    - libelle: Etat
      montant: 5000
  total_publie:
    depenses: 13346
    recettes: 5001
fonctionnement:
  depenses:
    - libelle: Entretien
      montant: 1200
  recettes:
    - libelle: Usagers
      montant: 300
  total_publie:
    depenses: 1201
    recettes: 301
echeancier:
  depenses:
    investissement:
      2021: 12345
      2023: 1000
    fonctionnement:
      2022: 1200
      2023: 1100
  recettes:
    investissement:
      2021: 4000
    fonctionnement:
      2023: 300
      2022: 0
  publie:
    depenses:
      total: 15646
      2021: 12345
      2022: 1200
      2023: 2101
    recettes:
      total: 4300
      2021: 4001
      2023: 300
    totaux:
      depenses_investissement: 13345
      depenses_fonctionnement: 2300
      recettes_investissement: 4001
      recettes_fonctionnement: 301
financements:
  lignes:
    - partenaire: Etat
      montant: 5000
  total_publie: 5100
"""

EUR = "\u00a0€"


def relative_findings(tmp_path, contract_files) -> list[str]:
    """The findings of the contract as written (as it stands in `tmp_path/c` when `contract_files` is empty),
    paths relative to its folder."""
    root = write_contract(tmp_path / "c", contract_files)
    prepared = read_and_compute(root)
    assert not prepared.problems, [str(p) for p in prepared.problems]
    return [str(f).replace(f"{root}/", "") for f in prepared.findings]  # « attention : » marks a warning


def _eur(digits: str) -> str:
    """« 13 345 € » with the narrow no-break space babel puts between digit groups, typed « 13 345 »."""
    return digits.replace(" ", "\u202f") + EUR


def test_every_declared_figure_of_a_fiche_is_checked_where_it_stands(tmp_path, contract_files):
    contract_files["fiches/velo.yaml"] = VELO
    contract_files["maquette-publiee.yaml"]["lignes"][2]["cout_total"] = 15645
    findings = relative_findings(tmp_path, contract_files)
    at = "fiches/velo.yaml, ligne"
    assert findings == [
        f"{at} 1, colonne 16 : attention : fiche 2.1 : le document imprime le numéro « 2.3 », mais c'est la fiche n° 2.1 "
        f"(axe 2, position 1)",
        f"{at} 2, colonne 13 : attention : fiche 2.1 : le document imprime l'axe « 1 - TRAVAILLER », la fiche est rangée dans "
        f"« 2 - BOUGER »",
        f"{at} 21, colonne 15 : attention : fiche 2.1, budget d'investissement, total des dépenses : le document imprime "
        f"{_eur('13 346')}, le calcul donne {_eur('13 345')}",
        f"{at} 22, colonne 15 : attention : fiche 2.1, budget d'investissement, total des recettes : le document imprime "
        f"{_eur('5 001')}, le calcul donne {_eur('5 000')}",
        f"{at} 31, colonne 15 : attention : fiche 2.1, budget de fonctionnement, total des dépenses : le document imprime "
        f"{_eur('1 201')}, le calcul donne {_eur('1 200')}",
        f"{at} 32, colonne 15 : attention : fiche 2.1, budget de fonctionnement, total des recettes : le document imprime "
        f"{_eur('301')}, le calcul donne {_eur('300')}",
        f"{at} 66, colonne 17 : attention : fiche 2.1, total des financements recherchés : le document imprime {_eur('5 100')}, "
        f"le calcul donne {_eur('5 000')}",
        f"{at} 49, colonne 14 : attention : fiche 2.1, échéancier, ligne DEPENSES, TOTAL : le document imprime "
        f"{_eur('15 646')}, le calcul donne {_eur('15 645')}",
        f"{at} 52, colonne 13 : attention : fiche 2.1, échéancier, ligne DEPENSES, CP 2023 : le document imprime "
        f"{_eur('2 101')}, le calcul donne {_eur('2 100')}",
        f"{at} 55, colonne 13 : attention : fiche 2.1, échéancier, ligne RECETTES, CP 2021 : le document imprime "
        f"{_eur('4 001')}, le calcul donne {_eur('4 000')}",
        f"{at} 60, colonne 32 : attention : fiche 2.1, échéancier, recettes en investissement, TOTAL : le document imprime "
        f"{_eur('4 001')}, le calcul donne {_eur('4 000')}",
        f"{at} 61, colonne 32 : attention : fiche 2.1, échéancier, recettes en fonctionnement, TOTAL : le document imprime "
        f"{_eur('301')}, le calcul donne {_eur('300')}",
        f"{at} 34, colonne 3 : attention : fiche 2.1 : l'échéancier prévoit {_eur('4 000')} de recettes d'investissement, le "
        f"budget d'investissement en compte {_eur('5 000')}",
        f"{at} 40, colonne 13 : attention : fiche 2.1 : l'échéancier prévoit {_eur('1 100')} de dépenses de fonctionnement en "
        f"2023, le budget de fonctionnement annuel en compte {_eur('1 200')}",
    ]


def test_running_costs_of_a_year_are_checked_against_the_annual_budget_on_both_sides(tmp_path, contract_files):
    def change(files):
        fiche = files["fiches/formation.yaml"]
        fiche["fonctionnement"] = {"depenses": [{"libelle": "Formateurs", "montant": 500}],
                                   "recettes": [{"libelle": "Inscriptions", "montant": 100}],
                                   "total_publie": {"depenses": 500, "recettes": 100}}
        fiche["echeancier"]["depenses"]["fonctionnement"] = {2021: 500, 2022: 0, 2023: 400}
        fiche["echeancier"]["recettes"]["fonctionnement"] = {2021: 100, 2023: 150}
        del fiche["echeancier"]["publie"]
        files["maquette-publiee.yaml"]["lignes"][1].update(cout_2021=500, cout_total=30900)
    change(contract_files)
    root = write_contract(tmp_path / "c", contract_files)
    text = (root / "fiches/formation.yaml").read_text(encoding="utf-8").splitlines()
    # where the two cells of 2023 stand in the YAML the fixture wrote: under depenses, then under recettes
    fonctionnement = [n for n, line in enumerate(text, 1) if line.strip() == "fonctionnement:"]
    [dep_2023, rec_2023] = [next(n for n, line in enumerate(text, 1) if n > start and line.strip().startswith("2023:"))
                            for start in fonctionnement[:2]]
    findings = relative_findings(tmp_path, {})
    assert findings == [
        f"fiches/formation.yaml, ligne {dep_2023}, colonne 13 : attention : fiche 1.2 : l'échéancier prévoit {_eur('400')} de "
        f"dépenses de fonctionnement en 2023, le budget de fonctionnement annuel en compte {_eur('500')}",
        f"fiches/formation.yaml, ligne {rec_2023}, colonne 13 : attention : fiche 1.2 : l'échéancier prévoit {_eur('150')} de "
        f"recettes de fonctionnement en 2023, le budget de fonctionnement annuel en compte {_eur('100')}",
    ]


def test_a_published_echeancier_without_its_depenses_line_still_has_its_recettes_line_checked(tmp_path, contract_files):
    printed_depenses = "    depenses:\n      total: 15646\n      2021: 12345\n      2022: 1200\n      2023: 2101\n"
    assert VELO.count(printed_depenses) == 1
    contract_files["fiches/velo.yaml"] = VELO.replace(printed_depenses, "")  # five lines fewer from line 49 on
    contract_files["maquette-publiee.yaml"]["lignes"][2]["cout_total"] = 15645
    findings = [f for f in relative_findings(tmp_path, contract_files) if "échéancier, ligne" in f]
    assert findings == [
        f"fiches/velo.yaml, ligne 50, colonne 13 : attention : fiche 2.1, échéancier, ligne RECETTES, CP 2021 : le "
        f"document imprime {_eur('4 001')}, le calcul donne {_eur('4 000')}"]


MAQUETTE = """\
titre: MAQUETTE D'ESSAI
lignes:
  - enjeu: TRAVAILLER
    numero: "1.1"
    maitre_ouvrage: CALL
    annee: 2021
    cout_2021: 100001
    cout_2022: 50001
    cout_total: 150000
  - enjeu: BOUGER
    numero: "1.1"
    cout_total: 150000
  - enjeu: TRAVAILLER
    numero: "2.1"
    maitre_ouvrage: Etat
    annee: 2020
    cout_2021: 12345
    cout_total: 13346
  - enjeu: BOUGER
    numero: "4.2"
  - enjeu: BOUGER
    numero: "4.2"
"""


def test_every_row_of_the_published_maquette_is_checked_where_it_stands(tmp_path, contract_files):
    contract_files["maquette-publiee.yaml"] = MAQUETTE
    findings = relative_findings(tmp_path, contract_files)
    at = "maquette-publiee.yaml, ligne"
    assert findings == [
        f"{at} 10, colonne 5 : attention : maquette publiée : 2 lignes pour la fiche 1.1, une seule attendue",
        f"{at} 7, colonne 16 : attention : maquette publiée, fiche 1.1, coût 2021 : le document imprime {_eur('100 001')}, le "
        f"calcul donne {_eur('100 000')}",
        f"{at} 8, colonne 16 : attention : maquette publiée, fiche 1.1, coût 2022 : le document imprime {_eur('50 001')}, le "
        f"calcul donne {_eur('50 000')}",
        f"{at} 10, colonne 12 : attention : maquette publiée, fiche 1.1 : enjeu « BOUGER », la fiche est dans l'axe "
        f"« TRAVAILLER »",
        f"{at} 3, colonne 3 : attention : maquette publiée : aucune ligne pour la fiche 1.2 (Developper la formation)",
        f"{at} 13, colonne 12 : attention : maquette publiée, fiche 2.1 : enjeu « TRAVAILLER », la fiche est dans l'axe "
        f"« BOUGER »",
        f"{at} 15, colonne 21 : attention : maquette publiée, fiche 2.1 : maître d'ouvrage « Etat », la fiche indique « CALL »",
        f"{at} 16, colonne 12 : attention : maquette publiée, fiche 2.1 : année de lancement 2020, la fiche indique 2021",
        f"{at} 18, colonne 17 : attention : maquette publiée, fiche 2.1, coût total : le document imprime {_eur('13 346')}, le "
        f"calcul donne {_eur('13 345')}",
        f"{at} 19, colonne 5 : attention : maquette publiée : la ligne n° 4.2 ne correspond à aucune fiche",
    ]


# --- What the engine computes, worked by hand (issue 27) ------------------------------------------------------

def computed_with(tmp_path, contract_files, change=None):
    if change:
        change(contract_files)
    prepared = read_and_compute(write_contract(tmp_path / "c", contract_files))
    assert not prepared.problems, [str(p) for p in prepared.problems]
    return prepared.computed


def test_every_line_of_an_echeancier_worked_by_hand(tmp_path, contract_files):
    contract_files["fiches/velo.yaml"] = VELO
    velo = computed_with(tmp_path, contract_files).fiches[2]
    ech = velo.echeancier
    d = Decimal
    assert ech.annees == [2021, 2022, 2023]
    assert [(l.libelle, l.is_calculee, l.cellules, l.total) for l in ech.lignes] == [
        ("DÉPENSES", True, [d(12345), d(1200), d(2100)], d(15645)),
        ("en investissement", False, [d(12345), None, d(1000)], d(13345)),
        ("en fonctionnement", False, [None, d(1200), d(1100)], d(2300)),
        ("RECETTES", True, [d(4000), d(0), d(300)], d(4300)),
        ("en investissement", False, [d(4000), None, None], d(4000)),
        ("en fonctionnement", False, [None, d(0), d(300)], d(300)),
    ]
    assert [ech.cout(a) for a in (2021, 2022, 2023)] == [d(12345), d(1200), d(2100)]
    assert ech.cout_total() == velo.cout_total == d(15645)
    assert [(l.total_depenses, l.total_recettes) for l in (velo.investissement, velo.fonctionnement)] == [
        (d(13345), d(5000)), (d(1200), d(300))]
    assert [(dep.libelle, rec.libelle if rec else None) for dep, rec in velo.investissement.lignes] == [
        ("Travaux", "Etat"), ("Etudes", None)]
    assert velo.total_financements == d(5000)
    assert (velo.slug, velo.numero, velo.axe.numero, velo.axe.code) == ("velo", "2.1", 2, "BOUGER")
    assert velo.source.rel_path == "fiches/velo.yaml"


def test_a_fiche_reads_as_its_own_fields_and_keeps_the_computed_ones(tmp_path, contract_files):
    contract_files["fiches/velo.yaml"] = VELO
    velo = computed_with(tmp_path, contract_files).fiches[2]
    assert (velo.intitule, velo.maitre_ouvrage, velo.annee_lancement) == ("DEVELOPPER LE VELO", "CALL", 2021)
    assert velo.numero == "2.1" and velo.numero_publie == "2.3"  # the computed number is not the printed one
    assert velo.investissement.total_depenses == Decimal(13345)  # computed, not the fiche's Budget
    assert velo.model_dump()["intitule"] == "DEVELOPPER LE VELO"  # beyond the fields, asked of the fiche
    with pytest.raises(AttributeError):
        velo.pas_un_champ
    with pytest.raises(AttributeError):
        velo._prive
    import copy
    assert copy.copy(velo).intitule == "DEVELOPPER LE VELO"  # a copy asks for __setstate__ before it has a fiche


def test_a_one_year_contract_has_one_year_column(tmp_path, contract_files):
    """The maquette has a column for each year present in an échéancier (issue 18): one here."""
    def change(files):
        files["contrat.yaml"]["annees"] = [2021]
        for slug, fiche in (("emploi", {2021: 100000}), ("formation", {}), ("velo", {2021: 12345})):
            data = files[f"fiches/{slug}.yaml"]
            data["echeancier"]["depenses"]["investissement"] = fiche
            del data["echeancier"]["publie"]
    maquette = computed_with(tmp_path, contract_files, change).maquette
    assert maquette.annees == [2021]
    assert [(l.fiche.numero, l.couts, l.cout_total) for l in maquette.lignes] == [
        ("1.1", [Decimal(100000)], Decimal(100000)), ("1.2", [None], None), ("2.1", [Decimal(12345)], Decimal(12345))]
    # 100 000 + 12 345, by hand
    assert (maquette.totaux, maquette.total) == ([Decimal(112345)], Decimal(112345))


def test_a_two_year_contract_has_its_two_years_and_their_totals(tmp_path, contract_files):
    def change(files):
        files["contrat.yaml"]["annees"] = [2022, 2023]
        for slug, fiche in (("emploi", {2022: 50000}), ("formation", {2022: 30000}), ("velo", {2023: 1000})):
            data = files[f"fiches/{slug}.yaml"]
            data["echeancier"]["depenses"]["investissement"] = fiche
            data["echeancier"]["recettes"]["investissement"] = {}
            del data["echeancier"]["publie"]
    maquette = computed_with(tmp_path, contract_files, change).maquette
    assert maquette.annees == [2022, 2023]
    # emploi 50 000 € in 2022; formation 30 000 € in 2022; velo 1 000 € in 2023
    assert (maquette.total_annee(2022), maquette.total_annee(2023), maquette.total) == (
        Decimal(80000), Decimal(1000), Decimal(81000))
    assert maquette.total_annee(2021) is None  # no column for a year no échéancier has
    assert (maquette.titre, maquette.periode) == ("MAQUETTE D'ESSAI", "2021-2023")


def test_the_fiches_of_an_axis_are_named_as_a_range(tmp_path, contract_files):
    def change(files):
        files["contrat.yaml"]["axes"][0]["fiches"] = ["emploi", "formation", "velo"]
        files["contrat.yaml"]["axes"][1]["fiches"] = []
    crte = computed_with(tmp_path, contract_files, change)
    assert crte.axes[0].libelle_fiches == "Fiches n° 1.1 à 1.3"
    assert [f.numero for f in crte.fiches] == ["1.1", "1.2", "1.3"]
    assert crte.axes[1].libelle_fiches == "Aucune fiche"
    assert [(a.numero, a.code, a.titre) for a in crte.axes] == [(1, "TRAVAILLER", "Créer des emplois"),
                                                               (2, "BOUGER", "Mobilité")]


def test_prose_referring_to_a_missing_fiche_or_article_is_reported(tmp_path, contract_files):
    contract_files["axes/2.md"] = "Texte de l'axe 2 : voir la fiche 2.1, la fiche 2.4 et l'article 3.\n"
    assert relative_findings(tmp_path, contract_files) == [
        # the articles of a file first, then its fiches
        "axes/2.md, ligne 1, colonne 57 : renvoi à l'article 3, qui n'existe pas (le contrat en compte 2)",
        "axes/2.md, ligne 1, colonne 42 : renvoi à la fiche 2.4, qui n'existe pas",
    ]


def test_a_fiche_without_echeancier_has_an_empty_maquette_row(tmp_path, contract_files):
    def change(files):
        del files["fiches/formation.yaml"]["echeancier"]
        files["contrat.yaml"]["axes"][0]["separateur"] = "—"
    crte = computed_with(tmp_path, contract_files, change)
    formation = crte.maquette.lignes[1]
    assert crte.maquette.annees == [2021, 2022, 2023]
    assert (formation.fiche.numero, formation.couts, formation.cout_total) == ("1.2", [None, None, None], None)
    assert (formation.cout(2021), formation.cout(2024)) == (None, None)
    assert crte.maquette.total == Decimal(150000 + 13345)
    assert [a.separateur for a in crte.axes] == ["—", "-"]
    assert [a.source_path for a in crte.articles] == ["articles/objet.md", "articles/plan.md"]
    with pytest.raises(AttributeError) as private:
        formation.fiche and crte.fiches[1]._prive
    assert str(private.value) == "_prive"


# --- Issue 27, second pass (after the merges of issues 18-20): survivors of the merged compute.py ------------

def test_a_fiche_and_an_article_an_avenant_deleted_keep_their_place_and_number(tmp_path, contract_files):
    def change(files):
        files["contrat.yaml"]["axes"][1]["fiches"] = [{"fiche": "velo", "supprimee_par": 2}]
        del files["fiches/velo.yaml"]
        files["contrat.yaml"]["articles"] = ["articles/objet.md",
                                             {"fichier": "articles/plan.md", "supprime_par": 1}]
    crte = computed_with(tmp_path, contract_files, change)
    [deleted] = crte.axes[1].fiches
    assert (deleted.slug, deleted.numero, deleted.axe.numero, deleted.axe.code, deleted.supprimee_par) == (
        "velo", "2.1", 2, "BOUGER", 2)
    assert [f.numero for f in crte.fiches] == ["1.1", "1.2"]  # the fiches in force
    plan = crte.articles[1]
    assert (plan.numero, plan.titre, plan.sous_articles, plan.source_path, plan.supprime_par) == (
        2, "", [], "articles/plan.md", 1)
    assert (plan.corps, type(plan.corps).__name__, plan.supprime, crte.articles[0].supprime) == (
        "", "Prose", True, False)


def test_a_year_of_the_contract_with_no_cell_in_any_echeancier_has_no_maquette_column(tmp_path, contract_files):
    def change(files):
        files["contrat.yaml"]["annees"] = [2021, 2022]
        for slug in ("emploi", "formation", "velo"):
            ech = files[f"fiches/{slug}.yaml"]["echeancier"]
            ech["depenses"] = {"investissement": {2021: 1000}, "fonctionnement": {}}
            ech["recettes"] = {"investissement": {}, "fonctionnement": {}}
            ech.pop("publie", None)
    maquette = computed_with(tmp_path, contract_files, change).maquette
    assert maquette.annees == [2021]                       # 2022: no amount, no marker anywhere
    assert (maquette.totaux, maquette.total) == ([Decimal(3000)], Decimal(3000))


# --- Issue 27, third pass: survivors of the full run on the merged kinds/crte/verify.py ----------------------

def test_a_fiche_listed_but_unreadable_still_has_its_number_and_the_maquette_waits_for_it(tmp_path, contract_files):
    """Axis 2 lists « velo » (2.1) and « absente » (2.2, no file): prose may name 2.2, not 2.3; the published
    maquette, whose totals need every fiche, is left unchecked (its wrong 1.1 total is not reported)."""
    contract_files["contrat.yaml"]["axes"][1]["fiches"] = ["velo", "absente"]
    contract_files["axes/2.md"] = "Voir la fiche 2.2 et la fiche 2.3.\n"
    contract_files["maquette-publiee.yaml"]["lignes"][0]["cout_total"] = 150001
    root = write_contract(tmp_path / "c", contract_files)
    prepared = read_and_compute(root)
    assert [p.message for p in prepared.problems] == ["fiche introuvable : « fiches/absente.yaml »"]
    # « Voir la fiche 2.2 et la » is 24 letters: the second « fiche » stands at column 25
    assert [str(f).replace(f"{root}/", "") for f in prepared.findings] == [
        "axes/2.md, ligne 1, colonne 25 : renvoi à la fiche 2.3, qui n'existe pas"]


def test_a_contract_without_published_maquette_checks_its_fiches_only(tmp_path, contract_files):
    contract_files["contrat.yaml"]["maquette_publiee"] = None
    del contract_files["maquette-publiee.yaml"]
    contract_files["fiches/velo.yaml"]["investissement"]["total_publie"]["depenses"] = 13346
    findings = relative_findings(tmp_path, contract_files)
    # the fiches are still verified; nothing is said of a maquette the contract does not publish
    assert [f.split(" : ", 1)[1] for f in findings] == [
        f"attention : fiche 2.1, budget d'investissement, total des dépenses : le document imprime {_eur('13 346')}, "
        f"le calcul donne {_eur('13 345')}"]


MAQUETTE_2021_2022 = """\
titre: MAQUETTE D'ESSAI
lignes:
  - enjeu: TRAVAILLER
    numero: "1.1"
    cout_2021: 100000
    cout_2022: 50000
    cout_total: 150000
  - enjeu: TRAVAILLER
    numero: "1.2"
    cout_2022: 30000
    cout_total: 30000
  - enjeu: BOUGER
    numero: "2.1"
    cout_2021: 12345
    cout_2022: 999
    cout_total: 13345
"""


def test_a_two_year_maquette_compares_its_second_column_with_the_second_year(tmp_path, contract_files):
    def change(files):
        files["contrat.yaml"]["annees"] = [2021, 2022]
        velo = files["fiches/velo.yaml"]["echeancier"]
        velo["depenses"]["investissement"] = {2021: 12345, 2022: 1000}
        del velo["publie"]
        files["maquette-publiee.yaml"] = MAQUETTE_2021_2022
    change(contract_files)
    assert relative_findings(tmp_path, contract_files) == [
        f"maquette-publiee.yaml, ligne 15, colonne 16 : attention : maquette publiée, fiche 2.1, coût 2022 : le document "
        f"imprime {_eur('999')}, le calcul donne {_eur('1 000')}"]


def _former_total(cells):
    """`compute.total` as it was written before issue 23's reading work: the reference of its result."""
    from generator.enrich import somme_montants
    from generator.schema import is_marqueur

    cells = list(cells)
    if any(isinstance(c, Decimal) for c in cells):
        return somme_montants(cells)
    return next((c for c in cells if is_marqueur(c)), Decimal(0))


def test_a_total_is_the_former_one_on_generated_cells():
    """Amounts, markers and empty cells in any order: the same total (its type, its digits, the same marker
    object), from a list or a generator."""
    from hypothesis import given, strategies as st

    from generator.kinds.crte.compute import _cout, total

    cell = st.one_of(st.none(), st.builds(Marqueur, st.sampled_from(["A évaluer", "Pour mémoire"])),
                     st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))

    @given(st.lists(cell, max_size=8))
    def check(cells):
        expected = _former_total(cells)
        for got in (total(cells), total(iter(cells))):
            assert type(got) is type(expected) and str(got) == str(expected)
            assert got is expected or not isinstance(expected, Marqueur)
        former_cout = None if all(c is None for c in cells) else _former_total(cells)
        assert str(_cout(cells)) == str(former_cout) and type(_cout(cells)) is type(former_cout)

    check()
