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
    assert sentences[0].startswith("Une fiche-projet n°\u00a04.7 «\u00a0DÉVELOPPER LES JARDINS PARTAGÉS")
    assert sentences[0].endswith("est ajoutée à l\u2019axe 4 (RESPIRER) de l\u2019annexe 2 du contrat\u202f; elle "
                                 "figure en annexe du présent avenant.")
    assert sentences[1].startswith("La fiche-projet n°\u00a03.2 «\u00a0RÉHABILITATION DE L\u2019HABITAT PRIVÉ")
    assert sentences[1].endswith("de l\u2019annexe 2 du contrat est modifiée comme suit\u00a0:")
    assert sentences[2] == "L\u2019article 10 du contrat est ainsi rédigé\u00a0:"
    assert sentences[3] == ("L\u2019annexe 3 du contrat (maquette financière) est remplacée par la maquette "
                            "financière annexée au présent avenant.")
    assert sentences[4] == ("Le présent avenant entre en vigueur à la date de sa signature. Les autres "
                            "dispositions du contrat demeurent inchangées.")
    assert any(t.startswith("L\u2019échéancier des dépenses d\u2019investissement") and "est remplacé par" in t
               for t in text)
    assert "Le coût total de la fiche passe ainsi de 8\u202f489\u202f800\u00a0€ à 8\u202f889\u202f800\u00a0€." in text
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
    assert after == expected
    assert before["investissement"]["depenses"][0]["montant"] == 3600000  # the original is untouched
    assert amended.tree.get("articles/duree.md").text == (LENS / "avenants/01-exemple/article-10.md").read_text()
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


def amended_problems(tmp_path, contract_files, avenants: dict[str, object]) -> list[str]:
    files = dict(contract_files)
    files.update(avenants)
    root = write_contract(tmp_path / "content" / "essai", files)
    with pytest.raises(BuildFailed) as caught:
        build([root], tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing is written
    return [str(p) for p in caught.value.problems]


def avenant(*modifications, date="2022-01-10") -> dict:
    return {"date": date, "lieu": "Lens", "objet": "Essai", "expose": "Exposé.", "modifications": list(modifications)}


def test_an_avenant_naming_an_article_that_does_not_exist(tmp_path, contract_files):
    messages = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 14, "supprimer": True})})
    assert len(messages) == 1
    assert "avenants/01-a.yaml, ligne" in messages[0]
    assert "l\u2019article 14 n\u2019existe pas" in messages[0].replace("'", "\u2019")


def test_an_avenant_naming_a_fiche_that_does_not_exist(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"fiche": "2.5", "modifier": {"localisation": "LENS"}})})
    assert "la fiche 2.5 n'existe pas" in message


def test_two_changes_of_the_same_article_conflict(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 1, "remplacer": "essai", "par": "test"},
                                      {"article": 1, "supprimer": True})})
    assert "deux modifications visent l'article 1" in message


def test_an_avenant_changing_a_fiche_a_former_avenant_deleted(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"fiche": "2.1", "supprimer": True}),
        "avenants/02-b.yaml": avenant({"fiche": "2.1", "modifier": {"localisation": "LENS"}}, date="2022-02-10")})
    assert "avenant n° 2 : la fiche 2.1 n'existe pas" in message


def test_avenants_dated_out_of_order_conflict(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 1, "remplacer": "essai", "par": "test"}, date="2022-05-01"),
        "avenants/02-b.yaml": avenant({"article": 2, "supprimer": True}, date="2022-04-01")})
    assert "l'avenant n° 2 est daté du 01/04/2022, pas après l'avenant n° 1 (01/05/2022)" in message


def test_words_to_replace_must_be_in_the_article(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 1, "remplacer": "introuvable", "par": "x"})})
    assert "les mots « introuvable » ne figurent pas à l'article 1" in message


def test_a_modification_must_have_one_target_and_one_action(tmp_path, contract_files):
    [message] = amended_problems(tmp_path, contract_files, {
        "avenants/01-a.yaml": avenant({"article": 1, "fiche": "1.1", "supprimer": True})})
    assert "exactement une cible" in message


def test_the_avenant_ends_on_its_maquette_not_on_a_blank_page(example):
    """The template goes back to portrait pages after the maquette; with nothing after it, that last section
    would print a blank page: the maquette's landscape section ends the document instead."""
    xml = docx_xml(example["crte-lens-lievin/avenant-01/avenant.docx"])
    last_section = xml[xml.rindex("<w:sectPr"):]
    assert 'w:orient="landscape"' in last_section
    assert xml[: xml.rindex("<w:sectPr")].endswith("</w:tbl>")  # the maquette, then the end of the document
    assert xml.count("<w:sectPr") == 2  # the avenant's portrait pages, then the maquette's
