"""A contract amended three times, checked word for word: avenants, consolidated versions and redlines.

The fixture `tests/fixtures/avenants/crte-essai` is a small CRTE signed in 2021; its avenant 1 deletes
article 4 and fiche 2.2, avenant 2 inserts an article 3-1 between articles 3 and 4, avenant 3 changes an amount
of article 5 and of fiche 2.1 and adds a fiche to axis 2. The expected texts (`attendu/`) are written by hand
from the guide de légistique (see `attendu/LISEZMOI.md`).
"""

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from generator.cli import main
from generator.pipeline import build

from ..conftest import ROOT, docx_paragraphs

FIXTURE = ROOT / "tests" / "fixtures" / "avenants"
EXPECTED = FIXTURE / "attendu"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def plain(text: str) -> str:
    """Return a text with its no-break spaces as plain spaces and no trailing spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").rstrip()


def expected(name: str) -> list[str]:
    return (EXPECTED / name).read_text(encoding="utf-8").rstrip("\n").split("\n")


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("essai")
    build([FIXTURE / "crte-essai"], out)
    return out / "crte-essai"


def avenant_text(path: Path) -> list[str]:
    """Return the avenant's paragraphs from its title to « Fait à … »."""
    lines = [plain(p) for p in docx_paragraphs(path)]
    end = next(i for i, line in enumerate(lines) if line.startswith("Fait à "))
    return lines[:end + 1]


def consolidated_text(path: Path) -> list[str]:
    """Return the articles (from the préambule to « Fait à »), the axis headings and fiche numbers, and the
    rows of the maquette below its heading row, cells separated by « | » (a merged cell counts once)."""
    lines = [plain(p) for p in docx_paragraphs(path)]
    start = len(lines) - 1 - lines[::-1].index("Préambule")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("Fait à "))
    annexes = len(lines) - 1 - lines[::-1].index("2 – Fiches-projet")
    recap = lines.index("3 – Récapitulatif des fiches", annexes)
    fiches = [line for line in lines[annexes + 1:recap]
              if line.startswith(("AXE ", "Numéro de projet", "Fiche-projet n° "))]
    return lines[start:end] + ["# Fiches"] + fiches + ["# Maquette"] + maquette_rows(path)


def maquette_rows(path: Path) -> list[str]:
    """Return the rows of the last maquette of a contract after its heading row, cells separated by « | »."""
    body = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    title = [p for p in body.iter(f"{W}p")
             if plain("".join(t.text or "" for t in p.iter(f"{W}t"))).endswith("MAQUETTE FINANCIÈRE")][-1]
    table = title.getnext()
    assert table.tag == f"{W}tbl", "the maquette's title is followed by its table"
    rows = [" | ".join(plain("".join(t.text or "" for t in cell.iter(f"{W}t"))) for cell in row.iterchildren(f"{W}tc"))
            for row in table.iterchildren(f"{W}tr")]
    return [row.rstrip() for row in rows[1:]]


def redline_text(path: Path) -> list[str]:
    """Return each paragraph of the redline that holds a change, « [-deleted-] », « {+inserted+} »."""
    body = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    found = []
    for paragraph in body.iter(f"{W}p"):
        text, changed = "", False
        for element in paragraph.iter(f"{W}t", f"{W}delText"):
            ancestors = {a.tag for a in element.iterancestors()}
            if f"{W}del" in ancestors:
                text, changed = text + f"[-{element.text or ''}-]", True
            elif f"{W}ins" in ancestors:
                text, changed = text + f"{{+{element.text or ''}+}}", True
            else:
                text += element.text or ""
        text = plain(text.replace("-][-", "").replace("+}{+", ""))
        if changed and text.replace("[-", "").replace("-]", "").replace("{+", "").replace("+}", "").strip():
            found.append(text)
    return found


def fiche_paragraphs(path: Path, numero: str) -> list[str]:
    """Return the non-empty paragraphs of fiche `numero` in a contract, from « INTITULE DE L’ACTION : »."""
    lines = [p.replace("\u00a0", " ").replace("\u202f", " ") for p in docx_paragraphs(path)]
    at = lines.index(f"Numéro de projet : {numero}")
    start = max(i for i in range(at) if lines[i] == "INTITULÉ DE L’ACTION :")
    end = next(i for i in range(at, len(lines)) if lines[i] == "INTITULÉ DE L’ACTION :"
               or lines[i].startswith(("Fiche-projet n° ", "AXE ", "3 – Récapitulatif")))
    return [line for line in lines[start:end] if line.strip()]


def expected_redline(name: str, before: Path, after: Path) -> list[str]:
    lines = []
    for line in expected(name):
        if line.startswith("@supprimée "):
            lines += [f"[-{p}-]" for p in fiche_paragraphs(before, line.split()[1])]
        elif line.startswith("@insérée "):
            lines += [f"{{+{p}+}}" for p in fiche_paragraphs(after, line.split()[1])]
        else:
            lines.append(line)
    return lines


@pytest.mark.parametrize("numero", [1, 2, 3])
def test_the_avenant_is_worded_as_the_guide_de_legistique_says(output, numero):
    assert avenant_text(output / f"avenant-{numero:02}" / "avenant.docx") == expected(f"avenant-{numero:02}.txt")


@pytest.mark.parametrize("numero", [1, 2, 3])
def test_the_consolidated_version_keeps_every_number(output, numero):
    text = consolidated_text(output / f"avenant-{numero:02}" / "contrat.docx")
    assert text == expected(f"consolide-{numero:02}.txt")


@pytest.mark.parametrize("numero", [1, 2, 3])
def test_the_redline_shows_what_a_reader_sees_as_changed(output, numero):
    before = output / (f"avenant-{numero - 1:02}" if numero > 1 else "") / "contrat.docx"
    after = output / f"avenant-{numero:02}" / "contrat.docx"
    assert redline_text(output / f"avenant-{numero:02}" / "redline.docx") == expected_redline(
        f"redline-{numero:02}.txt", before, after)


def test_amounts_keep_their_no_break_spaces(output):
    lines = docx_paragraphs(output / "avenant-03" / "avenant.docx")
    # the new amount of the État's commitment, in words and in figures (its figures grouped with no-break spaces)
    assert any("«\u00a0deux millions cent trente mille euros (2\u202f130\u202f000\u00a0€)\u00a0»" in line
               for line in lines)


# --- a draft avenant that does not apply ---------------------------------------------------------------------

BROKEN = """date: 2023-06-01
lieu: Lens
objet: Brouillon
expose: Un brouillon.
habilitations:
  cae:
    organe: conseil communautaire
    date: "[À COMPLÉTER : date de la délibération]"
modifications:
  - fiche: "2.2"
    modifier:
      localisation: LENS
  - fiche: "2.3"
    modifier:
      echeancier.depenses.investisement: {2022: 1}
"""


@pytest.fixture
def with_broken_draft(tmp_path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE / "crte-essai", content / "crte-essai")
    (content / "crte-essai" / "avenants" / "04-brouillon.yaml").write_text(BROKEN, encoding="utf-8")
    return content


def test_verifier_names_the_broken_draft_and_exits_1(with_broken_draft):
    result = CliRunner().invoke(main, ["--contenu", str(with_broken_draft), "verifier", "crte-essai"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "04-brouillon.yaml" in line]
    # the fiche deleted by avenant 1, and the path typo blamed on the avenant's own line, not on the fiche
    assert any("ligne 10" in line and "avenant n° 4 : la fiche 2.2 a été supprimée par l'avenant n° 1" in line
               for line in errors), result.output
    assert any("ligne 15" in line and "« echeancier.depenses » n'a pas de champ « investisement » — vouliez-vous "
               "dire « echeancier.depenses.investissement » ?" in line for line in errors), result.output
    assert any("à compléter : [À COMPLÉTER : date de la délibération]" in line for line in errors)


def test_the_build_writes_the_contract_and_the_valid_avenants(with_broken_draft, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--contenu", str(with_broken_draft), "--sortie", str(out),
                                       "construire", "crte-essai"])
    assert result.exit_code == 1
    assert "le contrat et ses avenants valides ont été écrits" in result.output
    assert "04-brouillon.yaml" in result.output
    written = sorted(p.relative_to(out / "crte-essai").as_posix() for p in (out / "crte-essai").rglob("*.docx"))
    assert written == ["annexes.docx", "avenant-01/annexes.docx", "avenant-01/avenant.docx",
                       "avenant-01/contrat.docx", "avenant-01/redline.docx", "avenant-02/annexes.docx",
                       "avenant-02/avenant.docx", "avenant-02/contrat.docx", "avenant-02/redline.docx",
                       "avenant-03/annexes.docx", "avenant-03/avenant.docx", "avenant-03/contrat.docx",
                       "avenant-03/redline.docx", "contrat.docx"]
    # the draft's markers make none of the others a draft
    assert not any(line.startswith("PROJET") for line in docx_paragraphs(out / "crte-essai" / "contrat.docx"))


def test_the_verifier_says_the_fixture_is_clean(tmp_path):
    result = CliRunner().invoke(main, ["--contenu", str(FIXTURE), "verifier", "crte-essai"])
    assert result.exit_code == 0, result.output


def test_building_one_avenant_leaves_the_later_draft_aside(with_broken_draft, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--contenu", str(with_broken_draft), "--sortie", str(out),
                                       "avenant", "crte-essai", "3"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "crte-essai").iterdir() if p.is_dir()) == ["avenant-03"]


def test_an_avenant_refers_to_the_numbers_in_force_at_its_date(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE / "crte-essai", content / "crte-essai")
    avenant_2 = content / "crte-essai" / "avenants" / "02-suivi.yaml"
    avenant_2.write_text(avenant_2.read_text(encoding="utf-8").replace(
        "de l'exécution du contrat.", "de l'exécution du contrat, de la fiche 2.2 et des articles 3 et 3-1."),
        encoding="utf-8")
    result = CliRunner().invoke(main, ["--contenu", str(content), "verifier", "crte-essai"])
    assert result.exit_code == 1
    told = [line for line in result.output.splitlines() if "02-suivi.yaml" in line]
    # fiche 2.2 was deleted by avenant 1; article 3-1 is the one this avenant inserts: not in force before it
    assert len(told) == 2, result.output
    assert all("ligne 5" in line for line in told)
    assert any("avenant n° 2 : renvoi à la fiche 2.2, supprimée par l'avenant n° 1" in line for line in told)
    assert any("avenant n° 2 : renvoi à l'article 3-1, qui n'existe pas" in line for line in told)


def test_the_web_page_and_the_workbook_keep_the_places_of_deleted_ones(tmp_path):
    import openpyxl

    build([FIXTURE / "crte-essai"], tmp_path, formats=("docx", "html", "xlsx"))
    html = (tmp_path / "crte-essai" / "avenant-03" / "contrat.html").read_text(encoding="utf-8")
    assert '<h3 id="article-4">Article 4 (supprimé)</h3>' in html
    assert '<h3 id="article-3-1">Article 3-1 – Suivi des engagements</h3>' in html
    assert "Fiche n° 2.2 (supprimée)" in html
    summary = openpyxl.load_workbook(tmp_path / "crte-essai" / "avenant-03" / "maquette.xlsx")["Synthèse"]
    assert [row[2] for row in summary.iter_rows(min_row=2, max_row=3, values_only=True)] == [1, 3]  # in force


def test_a_financial_commitment_is_printed_in_words_and_in_figures(tmp_path):
    """`par: {engagement: …}` is an amount the schema marks as a commitment: « … euros (… €) », as the Journal
    officiel writes it; a commitment that is no amount is refused, in French."""
    from generator.amend import Modification
    from generator.schema import Engagement

    m = Modification(article=5, remplacer="1 800 000 €", par={"engagement": 275000})
    assert isinstance(m.par, Engagement) and m.par.montant == 275000
    assert m.par == "deux cent soixante-quinze mille euros (275\u202f000\u00a0€)"
    assert Modification(article=5, remplacer="x", par={"engagement": 1000000}).par == \
        "un million d'euros (1\u202f000\u202f000\u00a0€)"
    assert Modification(article=5, remplacer="six", par="sept").par == "sept"  # words stay words
    with pytest.raises(ValueError, match="montant illisible « beaucoup »"):
        Modification(article=5, remplacer="x", par={"engagement": "beaucoup"})
    with pytest.raises(ValueError, match="engagement financier"):
        Modification(article=5, remplacer="x", par={"montant": 12})
