"""`exporter`: the CRTE's projects and the convention's subsidies as CSV files valid against the stored schemas,
checked here by frictionless itself (not through the exporter's own reading of them)."""

import csv
import shutil
import subprocess
import sys

from frictionless import Resource, Schema

from generator.opendata import schemas

from ..conftest import REAL_CONTENT, ROOT

FOLDER = "donnees-ouvertes"


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def copy_contract(tmp_path, name="crte-lens-lievin"):
    content = tmp_path / "content"
    shutil.copytree(REAL_CONTENT / name, content / name)
    return content


def export(tmp_path, name="crte-lens-lievin"):
    result = run("--contenu", str(tmp_path / "content"), "--sortie", str(tmp_path / "out"), "exporter", name)
    return result, tmp_path / "out" / name / FOLDER


def frictionless_errors(path, descriptor):
    """Return the errors frictionless finds in a CSV file against a table schema (every column, in order)."""
    resource = Resource(path.name, basepath=str(path.parent), schema=Schema.from_descriptor(descriptor))
    report = resource.validate()
    return report.flatten(["rowNumber", "fieldName", "type", "note"])


def rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_lens_lievin_exports_valid_csv_files(tmp_path):
    copy_contract(tmp_path)
    result, folder = export(tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["fiches-crte.csv", "montants-crte.csv", "projets.csv",
                                                       "subventions.csv"]
    assert frictionless_errors(folder / "projets.csv", schemas.projets_descriptor()) == []
    assert frictionless_errors(folder / "fiches-crte.csv", schemas.descriptor(schemas.FICHES_SCHEMA)) == []
    assert frictionless_errors(folder / "montants-crte.csv", schemas.descriptor(schemas.MONTANTS_SCHEMA)) == []
    assert frictionless_errors(folder / "subventions.csv", schemas.descriptor(schemas.SUBVENTIONS_SCHEMA)) == []
    # every column of the national schema, in its order
    header = (folder / "projets.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == schemas.field_names(schemas.projets_descriptor())


def test_a_fiche_in_the_national_schema_and_its_yearly_amounts(tmp_path):
    copy_contract(tmp_path)
    _, folder = export(tmp_path)
    projets = rows(folder / "projets.csv")
    assert len(projets) == 27
    # fiches/1-zones-activites-anciennes.yaml: échéancier 2021 275000 and « A évaluer » in 2022 (expenses),
    # 20000 receipts in 2021; launched in 2021, updated on 2021-06-12
    fiche = projets[1]
    assert fiche["nom"] == "REQUALIFIER ET REVALORISER LES ZONES D'ACTIVITÉS ANCIENNES (MO-CALL)"
    assert fiche["budgetPrevisionnel"] == "275000"
    assert fiche["dateDebutPrevisionnelle"] == "2021-01-01"
    assert fiche["updatedAt"] == "2021-06-12T00:00:00Z"
    assert fiche["programme"] == "CRTE"
    montants = [r for r in rows(folder / "montants-crte.csv") if r["id"] == fiche["id"]]
    echeancier = [(r["sens"], r["nature"], r["annee"], r["montant"], r["mention"]) for r in montants
                  if r["tableau"] == "échéancier"]
    assert echeancier == [("dépenses", "investissement", "2021", "275000", ""),
                          ("dépenses", "investissement", "2022", "", "A évaluer"),
                          ("recettes", "investissement", "2021", "20000", "")]
    complement = next(r for r in rows(folder / "fiches-crte.csv") if r["id"] == fiche["id"])
    assert (complement["axe"], complement["maitreOuvrage"]) == ("TRAVAILLER", "CALL")
    # the first fiche's cost is « Pour mémoire »: no budget in the national file, the words in the complement
    assert projets[0]["budgetPrevisionnel"] == ""
    # identifiers stay the same from one export to the next
    first = (folder / "projets.csv").read_bytes()
    export(tmp_path)
    assert (folder / "projets.csv").read_bytes() == first


SUBVENTION = """
subventions:
  - attribuant: Communauté d'Agglomération de Lens-Liévin
    siret_attribuant: "24620067800018"
    beneficiaire: Association Exemple
    siret_beneficiaire: "73282932000074"
    date_convention: 2021-07-09
    reference_decision: "2021-06-16-12"
    objet: Animation du défi familles à énergie positive
    montant: 47800.20
    conditions_versement: échelonné
    versement: 2021-09-01/2022-06-30
"""


def test_subsidies_in_the_scdl_schema(tmp_path):
    content = copy_contract(tmp_path)
    with (content / "crte-lens-lievin" / "contrat.yaml").open("a", encoding="utf-8") as handle:
        handle.write(SUBVENTION)
    result, folder = export(tmp_path)
    assert result.returncode == 0, result.stderr
    assert frictionless_errors(folder / "subventions.csv", schemas.descriptor(schemas.SUBVENTIONS_SCHEMA)) == []
    assert rows(folder / "subventions.csv") == [{
        "nomAttribuant": "Communauté d'Agglomération de Lens-Liévin", "idAttribuant": "24620067800018",
        "dateConvention": "2021-07-09", "referenceDecision": "2021-06-16-12",
        "nomBeneficiaire": "Association Exemple", "idBeneficiaire": "73282932000074",
        "objet": "Animation du défi familles à énergie positive", "montant": "47800.20",
        "nature": "aide en numéraire", "conditionsVersement": "échelonné",
        "datesPeriodeVersement": "2021-09-01/2022-06-30", "idRAE": "", "notificationUE": "non",
        "pourcentageSubvention": "1"}]


def test_a_wrong_siret_is_refused_in_french_before_anything_is_written(tmp_path):
    content = copy_contract(tmp_path)
    with (content / "crte-lens-lievin" / "contrat.yaml").open("a", encoding="utf-8") as handle:
        handle.write(SUBVENTION.replace("73282932000074", "73282932000075"))
    result, folder = export(tmp_path)
    assert result.returncode == 1
    assert "rien n'a été écrit" in result.stderr
    assert "numéro SIRET « 73282932000075 » invalide (clé de contrôle fausse)" in result.stderr
    assert not folder.exists()


def test_a_lever_outside_the_referential_stops_the_export(tmp_path):
    content = copy_contract(tmp_path)
    path = content / "crte-lens-lievin" / "fiches" / "2-mobilite-cyclable.yaml"
    path.write_text("leviers: [Vélo, Téléportation]\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    result, folder = export(tmp_path)
    assert result.returncode == 1
    assert "2-mobilite-cyclable.yaml, ligne 1" in result.stderr
    assert "levier inconnu « Téléportation » (absent du référentiel des 50 leviers SGPE)" in result.stderr
    assert not folder.exists()


def test_a_contract_without_fiches_exports_its_subsidies_only(tmp_path):
    content = copy_contract(tmp_path, "accord-cadre-region-mel")
    with (content / "accord-cadre-region-mel" / "contrat.yaml").open("a", encoding="utf-8") as handle:
        handle.write(SUBVENTION)
    result, folder = export(tmp_path, "accord-cadre-region-mel")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in folder.iterdir()] == ["subventions.csv"]
    assert len(rows(folder / "subventions.csv")) == 1


def test_exporting_does_not_make_an_unchanged_contract_rebuild(tmp_path):
    content = copy_contract(tmp_path)
    build = ("--contenu", str(content), "--sortie", str(tmp_path / "out"), "--formats", "docx", "construire",
             "crte-lens-lievin")
    assert run(*build).returncode == 0
    result, _ = export(tmp_path)
    assert result.returncode == 0, result.stderr
    again = run(*build)
    assert "0 contrat(s) construit(s), 1 inchangé(s)" in again.stderr
