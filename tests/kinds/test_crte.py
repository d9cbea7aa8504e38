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
