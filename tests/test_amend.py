"""Avenants: the example of Lens-Liévin, the four documents, and the errors of point 3."""

import copy
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
import yaml

from generator.amend import versions
from generator.errors import BuildFailed, Problems
from generator.kinds import get_kind
from generator.load import load_contract
from generator.pipeline import build, compute_tree

from .conftest import REAL_CONTENT, docx_paragraphs, docx_xml, write_contract

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
LENS = REAL_CONTENT / "crte-lens-lievin"
ESSAI = REAL_CONTENT.parent / "tests" / "fixtures" / "avenants" / "crte-essai"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("avenants")
    written = build([LENS], output_dir)
    return {path.relative_to(output_dir).as_posix(): path for path in written}


@pytest.fixture(scope="module")
def chain():
    problems = Problems()
    tree = load_contract(LENS, problems)
    chain = versions(tree, get_kind("crte"), problems)
    assert not problems.errors
    return chain


def test_the_example_gives_four_documents(example):
    for name in ("avenant", "contrat", "redline", "annexes"):
        assert f"crte-lens-lievin/avenant-01/{name}.docx" in example


def test_the_avenant_lists_exactly_the_changes_in_order_with_their_wording(example):
    text = docx_paragraphs(example["crte-lens-lievin/avenant-01/avenant.docx"])
    assert text[0] == "Avenant n°\u00a01"
    assert "au contrat de relance et de transition écologique de Lens-Liévin" in text
    assert "Vu le contrat de relance et de transition écologique de Lens-Liévin signé le 9 juillet 2021," in text
    assert any("exemple fictif" in t for t in text)  # the example says it is one
    articles = [t for t in text if re.fullmatch(r"Article (1er|\d+)( – .*)?", t)]
    assert articles == ["Article 1er", "Article 2", "Article 3", "Article 4", "Article 5 – Entrée en vigueur"]
    sentences = [text[text.index(a) + 1] for a in articles]
    # The wording of the guide de légistique, with the numbers in force (changed intentionally with issue 20)
    assert sentences[0] == ("Après la fiche-projet 4.6, il est inséré une fiche-projet 4.7 «\u00a0DÉVELOPPER LES "
                            "JARDINS PARTAGÉS DANS LES QUARTIERS (EXEMPLE - MO CALL + COMMUNES)\u00a0», figurant en "
                            "annexe au présent avenant.")
    assert sentences[1] == "La fiche-projet 3.2 est ainsi modifiée\u00a0:"
    assert sentences[2] == "L\u2019article 10 est ainsi rédigé\u00a0:"
    assert sentences[3] == ("L\u2019annexe 3 (maquette financière) est remplacée par la maquette financière annexée "
                            "au présent avenant.")
    assert sentences[4] == ("Le présent avenant entre en vigueur à la date de sa signature. Les autres "
                            "dispositions du contrat demeurent inchangées.")
    assert any(t.startswith("2° L\u2019échéancier des dépenses d\u2019investissement") and "est remplacé par" in t
               and t.endswith("964\u202f800\u00a0€.") for t in text)
    assert ("Le coût total de la fiche-projet passe ainsi de 8\u202f489\u202f800\u00a0€ à 8\u202f889\u202f800\u00a0€."
            in text)
    # the CALL signs under its own deliberation for this avenant, not the contract's
    assert any(t.endswith("dûment habilité par délibération du conseil communautaire en date du 24 février 2022.")
               for t in text)
    assert "La durée de ce contrat est de sept ans." in text
    assert "Fait à Lens, le 15 mars 2022, en 3 exemplaires" in text


def test_consolidated_content_is_the_original_with_the_changes_applied(chain):
    original, amended = chain
    assert amended.numero == 1 and [c.target_label for c in amended.changes] == [
        "l'axe 4", "la fiche 3.2", "l'article 10"]
    before = original.tree.get("fiches/3-habitat-prive.yaml").data
    after = amended.tree.get("fiches/3-habitat-prive.yaml").data
    expected = copy.deepcopy(before)
    expected["investissement"]["depenses"][0] = {
        "libelle": "PIG Précarité énergétique (renforcé par l'avenant n° 1)", "montant": 4000000}
    expected["echeancier"]["depenses"]["investissement"] = {
        2021: 900000, 2022: 1200000, 2023: 1200000, 2024: 1100000, 2025: 1100000, 2026: 964800}
    # what the source printed of the changed sections is no longer the consolidated fiche's: left out
    del expected["investissement"]["total_publie"], expected["echeancier"]["publie"]
    assert after == expected
    assert before["investissement"]["depenses"][0]["montant"] == 3600000  # the original is untouched
    assert amended.tree.get("articles/duree.md").text == (LENS / "avenants/01-exemple/article-10.md").read_text()
    assert amended.tree.get("contrat.yaml").data["maquette_publiee"] is None  # the printed one is the original's
    axes = amended.tree.get("contrat.yaml").data["axes"]
    assert axes[3]["fiches"][-1] == "4-jardins-partages"
    assert original.tree.get("contrat.yaml").data["axes"][3]["fiches"][-1] == "4-ressource-en-eau"
    unchanged = set(original.tree.files) - {"articles/duree.md", "fiches/3-habitat-prive.yaml", "contrat.yaml"}
    assert all(amended.tree.files[rel] is original.tree.files[rel] for rel in unchanged)


def test_consolidated_document_is_the_original_text_with_the_changes(example):
    old = docx_paragraphs(example["crte-lens-lievin/contrat.docx"])
    new = docx_paragraphs(example["crte-lens-lievin/avenant-01/contrat.docx"])
    assert "Version consolidée après l\u2019avenant n°\u00a01 du 15 mars 2022" in new
    assert "La durée de ce contrat est de six ans." in old and "La durée de ce contrat est de six ans." not in new
    assert "La durée de ce contrat est de sept ans." in new
    assert "Numéro de projet\u00a0: 4.7" in new and "Numéro de projet\u00a0: 4.7" not in old
    # Outside the changed places, the two texts are the same paragraphs in the same order: what the original
    # loses is the old article 10, the old line of fiche 3.2, axis 4's heading, and amounts of fiche 3.2 and of
    # the maquette.
    import difflib
    amount = re.compile(r"[\d\u202f]+\u00a0€")
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    removed = [p for op, i1, i2, _, _ in matcher.get_opcodes() if op in ("delete", "replace") for p in old[i1:i2]]
    allowed = {"La durée de ce contrat est de six ans.",
               "Au terme du contrat, un bilan sera conduit pour en évaluer les résultats et les impacts.",
               "AXE 4 - RESPIRER (Fiches n°\u00a04.1 à 4.6)", "PIG Précarité énergétique (600\u202f000 euros par an)", ""}
    assert removed and all(p in allowed or amount.fullmatch(p) for p in removed), removed
    assert len([p for p in removed if amount.fullmatch(p)]) < 40


def test_consolidated_maquette_has_the_new_fiche_and_new_totals(chain):
    original = compute_tree(chain[0].tree, LENS).computed
    amended = compute_tree(chain[1].tree, LENS).computed
    assert len(amended.maquette.lignes) == len(original.maquette.lignes) + 1
    added = amended.maquette.lignes[-6]  # axis 4 now ends with the new fiche, before axis 5's five
    assert added.fiche.numero == "4.7" and added.cout_total == Decimal(210000)
    assert amended.maquette.total == original.maquette.total + Decimal(400000) + Decimal(210000)
    assert amended.maquette.total_annee(2022) == original.maquette.total_annee(2022) + Decimal(200000) + Decimal(60000)


def test_the_redline_has_real_tracked_changes(example):
    xml = docx_xml(example["crte-lens-lievin/avenant-01/redline.docx"])
    deleted = "".join(re.findall(r"<w:delText[^>]*>([^<]*)</w:delText>", xml))
    inserted = "".join(re.findall(r"<w:ins [^>]*>.*?</w:ins>", xml))
    assert "six" in deleted and "sept" in inserted
    assert 'w:author="Paraphe"' in xml and 'w:date="2022-03-15T00:00:00Z"' in xml
    ids = re.findall(r'<w:(?:ins|del) w:id="(\d+)"', xml)
    assert len(ids) == len(set(ids)) > 10
    assert "trackRevisions" in docx_xml(example["crte-lens-lievin/avenant-01/redline.docx"], "word/settings.xml")


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent")
def test_libreoffice_sees_the_tracked_changes(example, tmp_path):
    source = example["crte-lens-lievin/avenant-01/redline.docx"]
    for target in ("odt", "pdf"):
        result = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                                 "--convert-to", target, "--outdir", str(tmp_path), str(source)],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    content = zipfile.ZipFile(tmp_path / "redline.odt").read("content.xml").decode("utf-8")
    regions = re.findall(r"<text:changed-region.*?</text:changed-region>", content, re.S)
    deletions = [r for r in regions if "<text:deletion>" in r]
    insertions = [r for r in regions if "<text:insertion>" in r]
    assert len(deletions) >= 5 and len(insertions) >= 20
    assert any(">six<" in r or "six" in re.sub(r"<[^>]+>", "", r) for r in deletions)
    pdf_text = subprocess.run(["pdftotext", str(tmp_path / "redline.pdf"), "-"], capture_output=True,
                              text=True).stdout if shutil.which("pdftotext") else None
    if pdf_text is not None:  # shown with its changes: the deleted and the inserted words both printed
        assert re.search(r"de\s*six\s*sept\s*ans", pdf_text)


# --- the errors of point 3 -------------------------------------------------------------------------------------


def amended_problems(tmp_path, contract_files, avenants: dict[str, object], valid: int = 0) -> list[str]:
    """Build the contract with these avenants, the first `valid` of them correct; return the problems."""
    files = dict(contract_files)
    files.update(avenants)
    root = write_contract(tmp_path / "content" / "essai", files)
    with pytest.raises(BuildFailed) as caught:
        build([root], tmp_path / "out")
    # the contract is written all the same, and no avenant in error (each avenant is built on its own)
    assert (tmp_path / "out" / "essai" / "contrat.docx").is_file()
    written = sorted(p.name for p in (tmp_path / "out" / "essai").glob("avenant-*"))
    assert written == [f"avenant-{n:02}" for n in range(1, valid + 1)]
    return [str(p) for p in caught.value.problems]


def avenant(*modifications, date="2022-01-10") -> dict:
    return {"date": date, "lieu": "Lens", "objet": "Essai", "expose": "Exposé.",
            "habilitations": {"cae": {"organe": "conseil communautaire", "date": "2021-12-15"}},
            "modifications": list(modifications)}


def test_an_avenant_naming_an_article_that_does_not_exist(tmp_path, contract_files):
    messages = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 14, "supprimer": True})})
    assert len(messages) == 1
    assert "avenants/01-a.yaml, ligne" in messages[0]
    assert "l\u2019article 14 n\u2019existe pas" in messages[0].replace("'", "\u2019")


def test_an_avenant_naming_a_fiche_that_does_not_exist(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"fiche": "2.5", "modifier": {"localisation": "LENS"}})})
    assert "la fiche 2.5 n'existe pas à la date de l'avenant" in message


def test_two_changes_of_the_same_article_conflict(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 1, "remplacer": "essai", "par": "test"},
                                      {"article": 1, "supprimer": True})})
    assert "deux modifications visent l'article 1" in message


def test_an_avenant_changing_a_fiche_a_former_avenant_deleted(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"fiche": "2.1", "supprimer": True}),
        "avenants/02-b.yaml": avenant({"fiche": "2.1", "modifier": {"localisation": "LENS"}}, date="2022-02-10")},
        valid=1)
    assert "avenants/02-b.yaml, ligne" in message
    assert "avenant n° 2 : la fiche 2.1 a été supprimée par l'avenant n° 1" in message


def test_avenants_dated_out_of_order_conflict(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 1, "remplacer": "essai", "par": "test"}, date="2022-05-01"),
        "avenants/02-b.yaml": avenant({"article": 2, "supprimer": True}, date="2022-04-01")}, valid=1)
    assert "l'avenant n° 2 est daté du 01/04/2022, pas après l'avenant n° 1 (01/05/2022)" in message


def test_words_to_replace_must_be_in_the_article(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 1, "remplacer": "introuvable", "par": "x"})})
    assert "les mots « introuvable » ne figurent pas à l'article 1" in message


def test_a_modification_must_have_one_target_and_one_action(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 1, "fiche": "1.1", "supprimer": True})})
    assert "exactement une cible" in message


# --- what a kind lets an avenant change, and the checks of each version ----------------------------------------


def test_the_amend_stage_does_not_import_the_kinds():
    import ast

    import generator.amend

    tree = ast.parse(open(generator.amend.__file__, encoding="utf-8").read())
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in imported if "kinds" in name], imported


def test_a_change_the_kind_does_not_declare_is_refused_on_the_avenant_line():
    from dataclasses import replace

    from generator.load import load_contract

    problems = Problems()
    tree = load_contract(ESSAI, problems)
    kind = replace(get_kind("crte"), avenant_changes={"article": {"supprimer": None}})
    chain = versions(tree, kind, problems)
    assert len(chain) == 1  # avenant 1 deletes a fiche: this kind does not allow it
    [message] = [str(p) for p in problems.errors if "01-suppressions.yaml" in str(p)]
    assert "ligne 14" in message and ("un avenant à ce type de document ne peut pas viser : fiche (cibles "
                                      "possibles : article)") in message


def test_numbers_in_force_after_each_avenant():
    problems = Problems()
    chain = versions(load_contract(ESSAI, problems), get_kind("crte"), problems)
    assert not problems.errors
    computed = [compute_tree(version.tree, ESSAI).computed for version in chain]
    articles = [[(a.numero, a.supprime) for a in c.articles] for c in computed]
    assert articles[0] == [(n, False) for n in range(1, 7)]
    assert articles[1] == [(1, False), (2, False), (3, False), (4, True), (5, False), (6, False)]
    assert articles[3] == [(1, False), (2, False), (3, False), ("3-1", False), (4, True), (5, False), (6, False)]
    fiches = [[(f.numero, f.supprimee) for f in c.axes[1].fiches] for c in computed]
    assert fiches[0] == [("2.1", False), ("2.2", False), ("2.3", False)]
    assert fiches[1] == fiches[2] == [("2.1", False), ("2.2", True), ("2.3", False)]
    assert fiches[3] == [("2.1", False), ("2.2", True), ("2.3", False), ("2.4", False)]
    # the maquette's totals, computed again for each version (by hand from the fixture's fiches)
    assert [c.maquette.total for c in computed] == [Decimal(1170000), Decimal(670000), Decimal(670000),
                                                    Decimal(854000)]


def test_an_inserted_article_goes_after_the_last_of_its_group(tmp_path):
    root = tmp_path / "crte-essai"
    shutil.copytree(ESSAI, root)
    (root / "avenants" / "04-b.yaml").write_text(
        "date: 2023-05-01\nlieu: Lens\nobjet: Essai\nexpose: Essai.\n"
        "habilitations: {cae: {organe: conseil communautaire, date: 2023-04-01}}\n"
        "modifications:\n  - apres_article: 3\n    inserer: avenants/02-suivi/article-3-1.md\n", encoding="utf-8")
    problems = Problems()
    versions(load_contract(root, problems), get_kind("crte"), problems)
    [message] = [str(p) for p in problems.errors]
    assert "04-b.yaml, ligne 7" in message
    assert "l'article 3-1 suit déjà l'article 3 : insérez après l'article 3-1" in message.replace("\u2019", "'")


def test_verifier_tells_a_consolidated_version_whose_figures_disagree(tmp_path):
    from click.testing import CliRunner

    from generator.cli import main

    content = tmp_path / "content"
    shutil.copytree(ESSAI, content / "crte-essai")
    avenant_3 = content / "crte-essai" / "avenants" / "03-financement.yaml"
    # the budget of fiche 2.1 changes, its échéancier is forgotten
    avenant_3.write_text(avenant_3.read_text(encoding="utf-8").replace(
        "      echeancier.depenses.investissement: {2021: 234000, 2022: 0}\n", ""), encoding="utf-8")
    result = CliRunner().invoke(main, ["--contenu", str(content), "verifier", "crte-essai"])
    assert result.exit_code == 1
    assert ("après l'avenant n° 3 : fiche 2.1 : l'échéancier prévoit 120 000 € de dépenses d'investissement, le "
            "budget d'investissement en compte 234 000 €") in result.output.replace("\u202f", " ").replace(
                "\u00a0", " ")


def test_a_wrong_value_set_by_an_avenant_is_told_on_the_avenant_line(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"fiche": "1.1", "modifier": {"annee_lancement": "bientôt"}})})
    assert "avenants/01-a.yaml, ligne 12" in message  # the line of « annee_lancement: bientôt »
    assert "avenant n° 1 : annee_lancement : nombre entier attendu" in message


def test_a_new_representative_follows_the_kind_declared_model(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"partie": "etat", "representant": {"civilite": "Madame", "nom": "X"}})})
    assert "avenant n° 1 : representant : champ obligatoire manquant" in message  # its « qualite »


def test_a_new_representative_is_worded_with_the_party_s_gender(tmp_path, contract_files):
    files = dict(contract_files)
    files["avenants/01-a.yaml"] = avenant(
        {"partie": "etat", "representant": {"civilite": "Madame", "nom": "Marie DURAND", "qualite": "Préfète"}},
        {"partie": "cae", "representant": {"civilite": "M.", "nom": "Paul ROI", "qualite": "son Président",
                                           "qualite_avant_nom": True}})
    root = write_contract(tmp_path / "content" / "essai", files)
    build([root], tmp_path / "out")
    text = docx_paragraphs(tmp_path / "out" / "essai" / "avenant-01" / "avenant.docx")
    assert "L\u2019Etat est désormais représenté par Madame Marie DURAND, Préfète." in text
    assert "La Communauté d\u2019essai est désormais représentée par son Président, M. Paul ROI." in text
