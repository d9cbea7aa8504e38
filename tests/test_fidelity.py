"""Each real document, rendered, against the text of its source (../shared/tools/fidelity.py, --min 0.97)."""

import subprocess
import sys

import pytest

from generator.pipeline import build

from .conftest import REAL_CONTENT, ROOT, SEEDS

FIDELITY = ROOT.parent / "shared" / "tools" / "fidelity.py"
DOCUMENTS = [
    ("crte-lens-lievin", "contrat.docx", "004_607497b33adf635e.txt"),
    ("accord-cadre-region-mel", "accord-cadre.docx", "000_0cb05e110d79cef9.txt"),
    ("annexe-aap-contrat-de-ville", "annexe.docx", "001_8820e1ef86742dce.txt"),
    ("programme-travail-2022", "programme.docx", "002_e7cca256bbe858ac.txt"),
    ("communique-mel-caph", "communique.docx", "003_f519bcaee764b466.txt"),
]


@pytest.fixture(scope="session")
def real_outputs(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("real")
    build([REAL_CONTENT / slug for slug, _, _ in DOCUMENTS], output_dir)
    return output_dir


@pytest.mark.skipif(not FIDELITY.is_file(), reason="../shared/tools/fidelity.py absent")
@pytest.mark.parametrize("slug, name, seed", DOCUMENTS)
def test_rendered_document_reproduces_its_seed(real_outputs, slug, name, seed):
    result = subprocess.run([sys.executable, str(FIDELITY), str(real_outputs / slug / name), str(SEEDS / seed),
                             "--min", "0.97", "--show", "5"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout


def test_the_crte_sources_the_seed_typed_as_superscripts_are_real_footnotes(real_outputs):
    """The seed's « fausses notes » (« acteurs »¹ … ¹ Ref : … printed as text in an encadré) are Word notes:
    called in the text, their text in the footnotes part, none left as text in the body."""
    import zipfile

    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(real_outputs / "crte-lens-lievin" / "contrat.docx") as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
        notes = etree.fromstring(archive.read("word/footnotes.xml"))
    texts = ["".join(t.text for t in note.iter(f"{w}t")).strip() for note in notes if note.get(f"{w}type") is None]
    assert [text.split(" – ")[0] for text in texts] == [
        "Ref\u00a0: Projet de territoire de la CALL 2016", "Ref\u00a0: Schéma de cohérence territoriale "
        "Lens-Liévin-Hénin-Carvin", "Source\u00a0: État initial de l’environnement",
        # axe 3 (Habiter): the seed's notes ⁴ and ⁵, printed in the middle of a sentence the page broke
        "La CALL élabore actuellement son troisième PLH, qui devrait être adopté en 2022.",
        "Cf. diagnostic préalable à l’élaboration du SCOT - 2020"]
    assert len(list(body.iter(f"{w}footnoteReference"))) == 5
    body_text = "".join(t.text or "" for t in body.iter(f"{w}t"))
    assert body_text.count("¹") + body_text.count("²") + body_text.count("³") == body_text.count("km²")
    assert "⁴" not in body_text and "⁵" not in body_text
    assert "Ref\u00a0: Schéma" not in body_text and "Cf. diagnostic préalable" not in body_text
    paragraphs = ["".join(t.text or "" for t in p.iter(f"{w}t")) for p in body.iter(f"{w}p")]
    assert any("plus de la moitié des habitations ont été construites avant 1970" in p for p in paragraphs)
