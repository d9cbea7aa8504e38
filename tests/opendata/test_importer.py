"""`importer`: fiches of a CRTE created or updated from CSV files in the national schema (and Paraphe's two
complements); the round trip of Lens-Liévin; bad files refused in French with row and column, nothing written."""

import hashlib
from collections import defaultdict
from decimal import Decimal

import docx
from ruamel.yaml import YAML

from generator.pipeline import read_and_compute

from ..conftest import REAL_CONTENT
from .test_export import copy_contract, export, run

LENS = "crte-lens-lievin"
HEADER = "id,createdAt,updatedAt,nom,description,budgetPrevisionnel,dateDebutPrevisionnelle,leviers\n"


def new_contract_like_lens(content, name="nouveau-crte"):
    """Make a new contract with Lens-Liévin's axes, text and years but no fiche, no avenant, no published
    maquette: the contract an import fills."""
    import shutil

    shutil.copytree(REAL_CONTENT / LENS, content / name,
                    ignore=shutil.ignore_patterns("fiches", "avenants", "maquette-publiee.yaml"))
    (content / name / "fiches").mkdir()
    yaml = YAML()
    path = content / name / "contrat.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    for axe in data["axes"]:
        axe["fiches"] = []
    data["maquette_publiee"] = None
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)
    return content / name


def maquette_figures(root):
    """Return what the maquette says: each row, the total of each year, of each axis and of each funder."""
    computed = read_and_compute(root, verify=False).computed
    maquette = computed.maquette
    per_axis = defaultdict(Decimal)
    for ligne in maquette.lignes:
        if isinstance(ligne.cout_total, Decimal):
            per_axis[ligne.fiche.axe.code] += ligne.cout_total
    per_funder = defaultdict(Decimal)
    for fiche in computed.fiches:
        for ligne in fiche.fiche.financements.lignes:
            if isinstance(ligne.montant, Decimal):
                per_funder[ligne.partenaire] += ligne.montant
    lignes = [(l.fiche.numero, l.fiche.maitre_ouvrage, l.fiche.libelle_maquette, l.fiche.annee_lancement,
               l.fiche.commentaire_maquette, l.fiche.financements_recherches, [str(c) for c in l.couts],
               str(l.cout_total)) for l in maquette.lignes]
    return {"annees": maquette.annees, "totaux": dict(zip(maquette.annees, maquette.totaux)),
            "total": maquette.total, "axes": dict(per_axis), "financeurs": dict(per_funder), "lignes": lignes}


def docx_text(path):
    """Return the text of every paragraph, then of every table cell, of a DOCX file."""
    document = docx.Document(str(path))
    return ([p.text for p in document.paragraphs]
            + [cell.text for table in document.tables for row in table.rows for cell in row.cells])


def folder_digest(root):
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def import_files(tmp_path, name, *files):
    return run("--contenu", str(tmp_path / "content"), "--sortie", str(tmp_path / "out"), "importer", name,
               *map(str, files))


def test_round_trip_of_lens_lievin_gives_the_same_maquette(tmp_path):
    content = copy_contract(tmp_path)
    result, folder = export(tmp_path)
    assert result.returncode == 0, result.stderr
    root = new_contract_like_lens(content)
    result = import_files(tmp_path, "nouveau-crte", folder / "projets.csv", "--fiches", folder / "fiches-crte.csv",
                          "--montants", folder / "montants-crte.csv")
    assert result.returncode == 0, result.stderr
    assert "nouveau-crte : 27 fiche(s) créée(s), 0 mise(s) à jour" in result.stdout

    original, imported = maquette_figures(content / LENS), maquette_figures(root)
    assert imported == original
    # what the maquette of Lens-Liévin says, read from its fiches: the 2021 column holds fiche 1.2's 275 000 €
    # and the State, Europe and Region lines of fiche 2.1 (mobilité cyclable) are funders
    assert original["annees"] == [2021, 2022, 2023, 2024, 2025, 2026]
    assert original["lignes"][1][6][:2] == ["275000", "A évaluer"]
    assert original["financeurs"]["Europe"] >= Decimal(3000000)
    assert set(original["axes"]) == {"TRAVAILLER", "BOUGER", "HABITER", "RESPIRER", "RASSEMBLER"}

    # the new contract builds into the same documents (every paragraph and cell), and exports the same files
    build = run("--contenu", str(content), "--sortie", str(tmp_path / "out"), "--formats", "docx", "construire",
                LENS, "nouveau-crte")
    assert build.returncode == 0, build.stderr
    for document in ("contrat.docx", "annexes.docx"):
        assert (docx_text(tmp_path / "out" / "nouveau-crte" / document)
                == docx_text(tmp_path / "out" / LENS / document)), document
    result, again = export(tmp_path, "nouveau-crte")
    assert result.returncode == 0, result.stderr
    for name in ("projets.csv", "fiches-crte.csv", "montants-crte.csv"):
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name


def test_importing_the_export_again_changes_nothing_and_an_edit_updates_its_fiche(tmp_path):
    content = copy_contract(tmp_path)
    _, folder = export(tmp_path)
    before = folder_digest(content / LENS)
    result = import_files(tmp_path, LENS, folder / "projets.csv")
    assert result.returncode == 0, result.stderr
    assert "0 fiche(s) créée(s), 0 mise(s) à jour" in result.stdout
    assert folder_digest(content / LENS) == before

    projets = (folder / "projets.csv").read_text(encoding="utf-8")
    edited = tmp_path / "projets.csv"
    edited.write_text(projets.replace("2021-06-12T00:00:00Z,2021-06-12T00:00:00Z,\"RENFORCER L'OFFRE FONCIÈRE",
                                      "2021-06-12T00:00:00Z,2022-01-31T09:00:00Z,\"ÉTENDRE L'OFFRE FONCIÈRE"),
                      encoding="utf-8")
    result = import_files(tmp_path, LENS, edited)
    assert result.returncode == 0, result.stderr
    assert "0 fiche(s) créée(s), 1 mise(s) à jour\n  mise à jour : fiches/1-offre-fonciere.yaml" in result.stdout
    text = (content / LENS / "fiches" / "1-offre-fonciere.yaml").read_text(encoding="utf-8")
    assert "intitule: \"ÉTENDRE L'OFFRE FONCIÈRE EN DIRECTION DES ENTREPRISES" in text
    assert "date_mise_a_jour: 2022-01-31" in text
    assert 'numero_publie: "1.1"' in text  # what the CSV does not carry is kept, as written
    assert "  # transcription: ligne RECETTES" in text  # and so are the comments


def test_a_bad_csv_gives_french_errors_with_row_and_column_and_writes_nothing(tmp_path):
    content = copy_contract(tmp_path)
    before = folder_digest(content / LENS)
    wrong_type = tmp_path / "type.csv"
    wrong_type.write_text(HEADER + "01890e30-5a80-7c22-9842-8263d0d0d890,2025-04-15T14:30:00Z,2025-04-15T14:30:00Z,"
                          "Projet,Un projet,12 000 €,2025-03-01,\n", encoding="utf-8")
    result = import_files(tmp_path, LENS, wrong_type)
    assert result.returncode == 1
    assert "rien n'a été écrit" in result.stderr
    assert ("type.csv, ligne 2, colonne 6 : colonne « budgetPrevisionnel » (Budget prévisionnel) : « 12 000 € » "
            "n'est pas un nombre entier") in result.stderr

    missing = tmp_path / "colonne.csv"
    missing.write_text(HEADER.replace("nom,", "") + "01890e30-5a80-7c22-9842-8263d0d0d890,2025-04-15T14:30:00Z,"
                       "2025-04-15T14:30:00Z,Un projet,12000,2025-03-01,\n", encoding="utf-8")
    result = import_files(tmp_path, LENS, missing)
    assert result.returncode == 1
    assert "colonne.csv, ligne 1 : colonne obligatoire « nom » (Nom du projet) absente" in result.stderr

    lever = tmp_path / "levier.csv"
    lever.write_text(HEADER + "01890e30-5a80-7c22-9842-8263d0d0d890,2025-04-15T14:30:00Z,2025-04-15T14:30:00Z,"
                     "Projet,,,2025-03-01,\"[\"\"Vélo\"\",\"\"Téléportation\"\"]\"\n"
                     "01890e30-5a80-7c22-9842-8263d0d0d891,2025-04-15T14:30:00Z,2025-04-15T14:30:00Z,"
                     "Autre,,,2025,\"[\"\"Biogaz\"\"]\"\n", encoding="utf-8")
    result = import_files(tmp_path, LENS, lever)
    assert result.returncode == 1
    assert ("levier.csv, ligne 2, colonne 8 : colonne « leviers » (Leviers) : levier inconnu « Téléportation » "
            "(absent du référentiel des 50 leviers SGPE)") in result.stderr
    assert "ligne 3" not in result.stderr  # the second row is right
    assert "Traceback" not in result.stderr
    assert folder_digest(content / LENS) == before


def test_complements_must_name_projects_of_the_file_and_amounts_must_be_amounts(tmp_path):
    content = copy_contract(tmp_path)
    _, folder = export(tmp_path)
    montants = (folder / "montants-crte.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "montants.csv"
    bad.write_text("\n".join([montants[0], montants[1].replace(",Pour mémoire,", ",275 000 €,"),
                              "01890e30-5a80-7c22-9842-8263d0d0d899,financements,,,,1,Région,1000,,,"]) + "\n",
                   encoding="utf-8")
    before = folder_digest(content / LENS)
    result = import_files(tmp_path, LENS, folder / "projets.csv", "--montants", bad)
    assert result.returncode == 1
    assert ("montants.csv, ligne 2, colonne 9 : colonne « mention » : « 275 000 € » est un montant : écrivez-le "
            "dans la colonne « montant »") in result.stderr
    assert ("montants.csv, ligne 3, colonne 1 : projet « 01890e30-5a80-7c22-9842-8263d0d0d899 » absent du fichier "
            "des projets") in result.stderr
    assert folder_digest(content / LENS) == before


def test_projects_alone_fill_a_new_contract_from_its_model(tmp_path):
    content = tmp_path / "content"
    assert run("--contenu", str(content), "nouveau", "crte", "mon-crte").returncode == 0
    projets = tmp_path / "projets.csv"
    projets.write_text(HEADER + "01890e30-5a80-7c22-9842-8263d0d0d890,2025-04-15T14:30:00Z,2025-04-16T10:00:00Z,"
                       "Rénovation énergétique des écoles,\"Deux écoles.\nPuis la mairie.\",450000,2026-03-01,"
                       "\"[\"\"Rénovation (hors changement chaudières)\"\"]\"\n", encoding="utf-8")
    result = import_files(tmp_path, "mon-crte", projets)
    assert result.returncode == 0, result.stderr
    assert "créée : fiches/1-renovation-energetique-des-ecoles.yaml" in result.stdout
    fiche = YAML().load((content / "mon-crte" / "fiches" / "1-renovation-energetique-des-ecoles.yaml"
                         ).read_text(encoding="utf-8"))
    assert fiche["identifiant"] == "01890e30-5a80-7c22-9842-8263d0d0d890"
    assert fiche["annee_lancement"] == 2026 and str(fiche["date_mise_a_jour"]) == "2025-04-16"
    assert fiche["description"] == "Deux écoles.\nPuis la mairie.\n"
    assert fiche["leviers"] == ["Rénovation (hors changement chaudières)"]
    assert fiche["investissement"]["depenses"] == [{"libelle": "Budget prévisionnel", "montant": 450000}]
    assert fiche["maitre_ouvrage"] == "[À COMPLÉTER]"  # what the national schema does not say is left to write
    verifier = run("--contenu", str(content), "verifier", "mon-crte")
    assert "erreur(s) dans le contenu" not in verifier.stdout
    assert "[À COMPLÉTER]" in verifier.stdout


def test_axes_the_contract_lacks_are_created_and_other_kinds_are_refused(tmp_path):
    content = copy_contract(tmp_path)
    _, folder = export(tmp_path)
    assert run("--contenu", str(content), "nouveau", "crte", "mon-crte").returncode == 0
    result = import_files(tmp_path, "mon-crte", folder / "projets.csv", "--fiches", folder / "fiches-crte.csv",
                          "--montants", folder / "montants-crte.csv")
    assert result.returncode == 0, result.stderr
    contrat = YAML().load((content / "mon-crte" / "contrat.yaml").read_text(encoding="utf-8"))
    # the model's own axis first, then Lens-Liévin's five, in the order their projects come
    assert [axe["code"] for axe in contrat["axes"]][1:] == ["TRAVAILLER", "BOUGER", "HABITER", "RESPIRER",
                                                           "RASSEMBLER"]
    assert contrat["axes"][2]["titre"] == "Mobilité : se déplacer pour vivre le territoire"
    assert contrat["axes"][2]["fiches"] == ["3-developpement-de-la-mobilite-cyclable-et-autres",
                                            "3-restructuration-des-echangeurs-de-l-a21"]
    assert (content / "mon-crte" / "axes" / "3-bouger.md").read_text(encoding="utf-8").startswith("[À COMPLÉTER")
    assert min(contrat["annees"]) == 2021  # the years of the imported échéanciers joined the contract's
    verifier = run("--contenu", str(content), "verifier", "mon-crte")
    assert "erreur(s) dans le contenu" not in verifier.stdout, verifier.stdout

    copy_contract(tmp_path, "accord-cadre-region-mel")
    result = import_files(tmp_path, "accord-cadre-region-mel", folder / "projets.csv")
    assert result.returncode == 2
    assert "accord-cadre-region-mel n'est pas un CRTE" in result.stderr
