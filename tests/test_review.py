"""The negotiation round-trip: a CRTE edited by the real LibreOffice comes back into its sources."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.review import parse_amount
from generator.wordml.revisions import read_document
from click.testing import CliRunner
from decimal import Decimal

from .conftest import docx_paragraphs

SYSTEM_PYTHON = Path("/usr/bin/python3")
EDIT_SCRIPT = Path(__file__).with_name("libreoffice_edit.py")


def _has_uno() -> bool:
    if not SYSTEM_PYTHON.exists() or shutil.which("soffice") is None:
        return False
    return subprocess.run([str(SYSTEM_PYTHON), "-c", "import uno"], capture_output=True).returncode == 0


needs_uno = pytest.mark.skipif(not _has_uno(), reason="LibreOffice et python3-uno absents : "
                                                      "apt-get install libreoffice-writer-nogui python3-uno")


def test_french_amounts_read_back():
    assert parse_amount("175\u202f000\u00a0€") == Decimal(175000)
    assert parse_amount("1 234,56 €") == Decimal("1234.56")
    assert parse_amount("Total") is None


def _edited_by_libreoffice(tmp_path: Path, contract_dir: Path, tracked: bool) -> tuple[Path, Path]:
    output = tmp_path / "output"
    result = CliRunner().invoke(main, ["--contenu", str(contract_dir.parent), "--sortie", str(output),
                                       "construire", "essai"])
    assert result.exit_code == 0, result.output
    returned = tmp_path / ("retour-suivi.docx" if tracked else "retour.docx")
    run = subprocess.run([str(SYSTEM_PYTHON), str(EDIT_SCRIPT), str(output / "essai" / "contrat.docx"),
                          str(returned), str(tmp_path / "profile"), "--suivi" if tracked else "--sans-suivi"],
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    return returned, output


@needs_uno
@pytest.mark.libreoffice
@pytest.mark.parametrize("tracked", [True, False], ids=["suivi", "sans-suivi"])
def test_partner_edits_come_back_at_their_sources(tmp_path, contract_dir, tracked):
    returned, output = _edited_by_libreoffice(tmp_path, contract_dir, tracked)
    assert read_document(returned.read_bytes()).has_revisions is tracked
    sources = {p: p.read_text(encoding="utf-8") for p in contract_dir.rglob("*") if p.is_file()}

    args = ["--contenu", str(contract_dir.parent), "--sortie", str(output), "relire", "essai", str(returned)]
    report = CliRunner().invoke(main, args)
    assert report.exit_code == 0, report.output
    # Nothing is written into the content without --appliquer.
    assert {p: p.read_text(encoding="utf-8") for p in sources} == sources
    text = report.output
    assert "5 modification(s) et commentaire(s)" in text
    assert "modification par Claire Région" in text
    assert "articles/objet.md, ligne 3, paragraphe" in text
    assert "« Le contrat a pour objet la démonstration. »" in text
    assert "suppression par Claire Région" in text and "articles/plan.md, ligne 7, paragraphe" in text
    assert "fiches/emploi.yaml, ligne 13, champ « investissement.depenses[0].montant »" in text
    assert ("chiffre calculé par Paraphe (un total) : modifiez plutôt les lignes dont il découle : "
            "fiches/emploi.yaml, ligne 13, champ « investissement.depenses[0].montant »") in text
    assert "commentaire par Claire Région le 2026-12-01 à 10:00 — fiches/velo.yaml, ligne 1, champ « intitule »" in text
    assert "sur « DEVELOPPER LE VELO » : « Le calendrier de cette fiche est-il tenable ? »" in text
    assert text.count("applicable avec --appliquer") == 3
    page = output / "essai" / f"relecture-{returned.stem}.html"
    assert "Le calendrier de cette fiche est-il tenable ?" in page.read_text(encoding="utf-8")

    applied = CliRunner().invoke(main, args + ["--appliquer"])
    assert applied.exit_code == 0, applied.output
    assert "appliqué(es) dans" in applied.output and ": 3 ; refusé(es) : 0" in applied.output
    changed = {p.relative_to(contract_dir).as_posix(): (old, p.read_text(encoding="utf-8"))
               for p, old in sources.items() if p.read_text(encoding="utf-8") != old}
    assert sorted(changed) == ["articles/objet.md", "articles/plan.md", "fiches/emploi.yaml"]
    for rel, (old, new) in changed.items():
        removed = [line for line in old.splitlines() if line not in new.splitlines()]
        added = [line for line in new.splitlines() if line not in old.splitlines()]
        expected = {
            "articles/objet.md": (["Le contrat a pour objet l'essai."], ["Le contrat a pour objet la démonstration."]),
            "articles/plan.md": (["Texte 2.1."], []),
            "fiches/emploi.yaml": (["    montant: 150000"], ["    montant: 175000"]),
        }[rel]
        assert (removed, added) == expected, rel
        assert len(new.splitlines()) == len(old.splitlines()) - (2 if rel == "articles/plan.md" else 0)

    rebuilt = docx_paragraphs(output / "essai" / "contrat.docx")
    assert "Le contrat a pour objet la démonstration." in rebuilt
    assert "Texte 2.1." not in rebuilt and "Texte 2.2." in rebuilt
    assert "175\u202f000\u00a0€" in rebuilt  # the line, and the total computed from it


@needs_uno
@pytest.mark.libreoffice
def test_a_passage_whose_source_changed_since_sending_is_a_conflict(tmp_path, contract_dir):
    returned, output = _edited_by_libreoffice(tmp_path, contract_dir, tracked=True)
    article = contract_dir / "articles" / "objet.md"
    article.write_text("# Objet du contrat\n\nLe contrat a pour objet la mise à l'épreuve.\n", encoding="utf-8")
    args = ["--contenu", str(contract_dir.parent), "--sortie", str(output), "relire", "essai", str(returned)]
    result = CliRunner().invoke(main, args + ["--appliquer"])
    assert result.exit_code == 0, result.output
    assert "attention : les sources ont changé depuis l'envoi de ce document" in result.output
    assert ("ce passage vient de articles/objet.md, qui ne le contient plus tel qu'il a été envoyé : la source a "
            "changé depuis l'envoi du document") in result.output
    assert article.read_text(encoding="utf-8").endswith("la mise à l'épreuve.\n")  # left as the officer wrote it
    assert ": 2 ; refusé(es) : 0" in result.output  # the deleted paragraph and the budget line


def test_each_paragraph_of_markdown_held_by_a_yaml_field_is_found_and_rewritten_in_place(tmp_path):
    from generator.review import Finding, Review, SourceIndex, _yaml_replacement, apply

    text = ("intitule: L'essai\noperations: |\n  Le protocole est la feuille de route :\n\n"
            "  - mettre en place une commission,\n  - faire de la culture un levier.\n")
    index = SourceIndex({"fiches/a.yaml": text, "articles/b.md": "Premier.\n\n- un item\n  sur deux lignes\n- autre\n"})
    [item] = index.candidates("faire de la culture un levier.")
    assert (item.rel_path, item.field, item.line) == ("fiches/a.yaml", ("operations",), 2)
    replacement, conflict = _yaml_replacement(item, "faire de la culture un levier.",
                                              "faire du sport un levier.")
    assert conflict is None
    assert text.replace(item.raw, replacement) == text.replace("faire de la culture", "faire du sport")
    [title] = index.candidates("L’essai")  # printed with the curly apostrophe
    assert _yaml_replacement(title, "L’essai", "L’épreuve") == ("L'épreuve", None)
    [wrapped] = index.candidates("un item\n  sur deux lignes")  # Word shows the soft line break as a space
    assert (wrapped.rel_path, wrapped.line) == ("articles/b.md", 3)

    (tmp_path / "fiches").mkdir()
    (tmp_path / "fiches" / "a.yaml").write_text(text, encoding="utf-8")
    edits = [Finding("modification", "faire de la culture un levier.", "faire du sport un levier.", source=item,
                     replacement=replacement),
             Finding("modification", "L’essai", "L’épreuve", source=title, replacement="L'épreuve")]
    applied, refused = apply(Review("contrat", "templates/crte/contrat.docx", edits), tmp_path)
    assert (len(applied), refused) == (2, [])
    assert (tmp_path / "fiches" / "a.yaml").read_text(encoding="utf-8") == (
        text.replace("faire de la culture", "faire du sport").replace("L'essai", "L'épreuve"))


def test_a_file_that_is_not_a_word_document_is_told_in_french(tmp_path, contract_dir):
    returned = tmp_path / "retour.docx"
    returned.write_text("pas un document", encoding="utf-8")
    result = CliRunner().invoke(main, ["--contenu", str(contract_dir.parent), "--sortie", str(tmp_path / "output"),
                                       "relire", "essai", str(returned)])
    assert result.exit_code == 2
    assert "ce fichier n'est pas un document Word lisible" in result.output
    assert "Traceback" not in result.output
