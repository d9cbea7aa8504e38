"""Drafting a new convention as a legal officer would: nouveau, fill in, verifier, build, LibreOffice."""

import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from generator.kinds.accord_cadre import AccordCadre
from generator.kinds.annexe_aap import AnnexeAAP
from generator.kinds.communique import Communique
from generator.kinds.crte.schema import Contrat, Fiche
from generator.kinds.programme_travail import ProgrammeTravail
from generator.scaffold import MARKER

from .conftest import ROOT, docx_paragraphs

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def run(cwd, *args):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def field_names(model: type[BaseModel]) -> set[str]:
    """Return every field name of a model and of the models inside it."""
    names = set()
    for name, field in model.model_fields.items():
        names.add(name)
        for inner in _models_in(field.annotation):
            names |= field_names(inner)
    return names


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


@pytest.mark.parametrize("kind, schema, files", [
    ("crte", Contrat, ["contrat.yaml"]),
    ("crte", Fiche, ["fiches/1-premiere-fiche.yaml"]),
    ("accord-cadre", AccordCadre, ["contrat.yaml"]),
    ("communique", Communique, ["contrat.yaml"]),
    ("annexe-aap", AnnexeAAP, ["contrat.yaml"]),
    ("programme-travail", ProgrammeTravail, ["contrat.yaml"]),
])
def test_every_field_of_the_schema_is_in_the_model_with_a_french_comment(kind, schema, files):
    text = "\n".join((ROOT / "templates" / kind / "nouveau" / f).read_text(encoding="utf-8") for f in files)
    keys = set(re.findall(r"^[ #-]*([a-z_]+):", text, re.M)) | set(re.findall(r"[{,]\s*([a-z_]+):", text))
    skip = {"publie", "totaux", "total_publie", "numero_publie", "axe_publie", "depenses_investissement",
            "depenses_fonctionnement", "recettes_investissement", "recettes_fonctionnement", "total"}
    skip |= {"fichier", "supprime_par", "fiche", "supprimee_par"}  # written by avenants, in consolidated versions
    missing = field_names(schema) - keys - skip  # declared figures are not written for a new convention
    assert not missing, missing
    assert "(obligatoire)" in text and "(facultatif)" in text and "Exemple" in text


def test_nouveau_refuses_to_overwrite_a_folder(tmp_path):
    assert run(tmp_path, "nouveau", "crte", "essai").returncode == 0
    (tmp_path / "content" / "essai" / "contrat.yaml").write_text("mon travail", encoding="utf-8")
    result = run(tmp_path, "nouveau", "crte", "essai")
    assert result.returncode == 2 and "existe déjà : rien n'a été modifié" in result.stderr
    assert (tmp_path / "content" / "essai" / "contrat.yaml").read_text(encoding="utf-8") == "mon travail"
    assert "pas de modèle pour le type « bail »" in run(tmp_path, "nouveau", "bail", "x").stderr


def fill_in(folder: Path) -> int:
    """Replace every marker with plausible content, as the legal officer would; return how many."""
    count = 0
    for path in folder.rglob("*"):
        if path.suffix not in (".yaml", ".md"):
            continue
        text = path.read_text(encoding="utf-8")
        count += text.count(MARKER)
        text = re.sub(r"\[À COMPLÉTER(?: : ([^\]]*))?\]", lambda m: (m.group(1) or "texte rédigé").replace(
            "…", "Artois").strip(), text)
        path.write_text(text, encoding="utf-8")
    return count


def test_a_new_crte_from_scratch_to_a_signed_pdf(tmp_path):
    assert run(tmp_path, "nouveau", "crte", "test-territoire").returncode == 0
    folder = tmp_path / "content" / "test-territoire"

    draft = run(tmp_path)  # the new folder builds at once, as a draft
    assert draft.returncode == 0, draft.stderr
    text = docx_paragraphs(tmp_path / "output" / "test-territoire" / "contrat.docx")
    assert "PROJET – document de travail\u00a0: des mentions restent à compléter" in text
    assert any(MARKER in t for t in text)

    pending = run(tmp_path, "verifier", "test-territoire")
    assert pending.returncode == 1 and "mention(s) « [À COMPLÉTER] » restent à écrire" in pending.stdout
    assert "content/test-territoire/articles/duree.md, ligne 5" in pending.stdout

    assert fill_in(folder) > 20
    data = yaml.safe_load((folder / "contrat.yaml").read_text(encoding="utf-8"))
    data["signature"]["date"] = "2026-12-01"
    (folder / "contrat.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    verified = run(tmp_path, "verifier", "test-territoire")
    assert verified.returncode == 0, verified.stdout

    final = run(tmp_path, "--formats", "docx,pdf")
    assert final.returncode == 0, final.stderr
    text = docx_paragraphs(tmp_path / "output" / "test-territoire" / "contrat.docx")
    assert not any(t.startswith("PROJET –") for t in text) and not any(MARKER in t for t in text)
    assert "Article 1er – Objet du contrat" in text
    if SOFFICE:
        pdf = (tmp_path / "output" / "test-territoire" / "contrat.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 3


def test_verifier_reports_references_to_missing_articles_and_fiches(tmp_path, contract_files):
    from .conftest import write_contract

    contract_files["articles/objet.md"] += "\nVoir l'article 7 et l'article 2.3, la fiche 2.4, l'article 5 de la loi.\n"
    write_contract(tmp_path / "content" / "essai", contract_files)
    result = run(tmp_path, "verifier", "essai")
    assert result.returncode == 1
    assert "renvoi à l'article 7, qui n'existe pas (le contrat en compte 2)" in result.stdout
    assert "renvoi à l'article 2.3, qui n'existe pas" in result.stdout
    assert "renvoi à la fiche 2.4, qui n'existe pas" in result.stdout
    assert "article 5" not in result.stdout  # another text's article is not checked


# --- avenant nouveau ---------------------------------------------------------------------------------------------


def test_avenant_nouveau_scaffolds_the_next_avenant_asking_for_its_own_deliberation(tmp_path):
    shutil.copytree(ROOT / "tests" / "fixtures" / "avenants" / "crte-essai", tmp_path / "content" / "crte-essai")
    result = run(tmp_path, "avenant", "nouveau", "crte-essai")
    assert result.returncode == 0, result.stderr
    created = tmp_path / "content" / "crte-essai" / "avenants" / "04-avenant.yaml"
    assert created.is_file() and (created.parent / "04-avenant").is_dir()
    data = yaml.safe_load(created.read_text(encoding="utf-8"))
    # the deliberation of this avenant is asked for, never taken from the contract nor dated today
    assert data["habilitations"] == {"cae": {"organe": "conseil communautaire",
                                             "date": "[À COMPLÉTER : date de la délibération]",
                                             "numero": "[À COMPLÉTER : numéro de la délibération]"}}
    assert data["date"] == "[À COMPLÉTER : date de signature]" and data["modifications"] == []
    text = created.read_text(encoding="utf-8")
    assert "#   - apres_article: 3\n#     inserer: avenants/04-avenant/article-3-1.md" in text  # the kind's actions

    verified = run(tmp_path, "verifier", "crte-essai")
    assert verified.returncode == 1
    assert verified.stdout.count("04-avenant.yaml") == 5 and "5 mention(s) « [À COMPLÉTER] »" in verified.stdout

    built = run(tmp_path, "construire", "crte-essai")
    assert built.returncode == 0, built.stderr
    out = tmp_path / "output" / "crte-essai"
    assert docx_paragraphs(out / "avenant-04" / "avenant.docx")[0].startswith("PROJET")  # a draft
    assert not docx_paragraphs(out / "avenant-03" / "avenant.docx")[0].startswith("PROJET")  # the others are not

    again = run(tmp_path, "avenant", "nouveau", "crte-essai")
    assert again.returncode == 0 and (created.parent / "05-avenant.yaml").is_file()


def test_avenant_nouveau_needs_a_contract(tmp_path):
    result = run(tmp_path, "avenant", "nouveau", "absent")
    assert result.returncode == 2 and "aucun contrat.yaml" in result.stderr
