"""PDF/A-2b properties of the PDFs the build writes, each check shown to catch the fault it names."""

from __future__ import annotations

import io
import shutil

import pytest

from generator.pdfa import pdfa_problems
from generator.pipeline import build_report

from .conftest import contract_data, write_contract

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent : apt-get install "
                                                         "libreoffice-writer-nogui")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every PDF of a small CRTE and of its avenant, as the build writes them."""
    base = tmp_path_factory.mktemp("pdfa")
    files = contract_data()
    files["avenants/01-suppression.yaml"] = {"date": "2022-01-10", "lieu": "Lens", "objet": "Essai",
                                             "expose": "Exposé.", "modifications": [{"fiche": "2.1",
                                                                                     "supprimer": True}],
           "habilitations": {"cae": {"organe": "conseil communautaire", "date": "2021-12-15"}}}
    root = write_contract(base / "content" / "essai", files)
    report = build_report([root], base / "output", formats=("docx", "pdf"))
    assert not report.failed, report.failed
    return {path.relative_to(base / "output").as_posix(): path.read_bytes()
            for path in sorted((base / "output").rglob("*.pdf"))}


def test_every_pdf_the_build_writes_is_pdfa_2b(built):
    assert sorted(built) == ["essai/annexes.pdf", "essai/avenant-01/annexes.pdf", "essai/avenant-01/avenant.pdf",
                             "essai/avenant-01/contrat.pdf", "essai/avenant-01/redline.pdf", "essai/contrat.pdf"]
    assert {name: pdfa_problems(data) for name, data in built.items()} == {name: [] for name in built}


def _altered(data: bytes, change) -> bytes:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        options = change(pdf) or {}
        out = io.BytesIO()
        pdf.save(out, **options)
    return out.getvalue()


def _unembed(pdf):
    for page in pdf.pages:
        for font in page.Resources.Font.values():
            for descendant in [font, *(font.get("/DescendantFonts") or [])]:
                descriptor = descendant.get("/FontDescriptor")
                if descriptor is not None:
                    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                        if key in descriptor:
                            del descriptor[key]
            return


def _javascript(pdf):
    import pikepdf

    pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("1")))


def _need_appearances(pdf):
    pdf.Root.AcroForm.NeedAppearances = True


def _hidden_field(pdf):
    pdf.Root.AcroForm.Fields[0].F = 2


def _other_title(pdf):
    pdf.docinfo["/Title"] = "Un autre titre"


def _no_output_intent(pdf):
    del pdf.Root["/OutputIntents"]


def _pdfa_1(pdf):
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfaid:part"] = "1"


def _encrypted(pdf):
    import pikepdf

    return {"encryption": pikepdf.Encryption(owner="o", user="", R=6)}


@pytest.mark.parametrize("change, expected", [
    (_unembed, "police(s) non incorporée(s) : "),
    (_javascript, "le PDF contient du JavaScript, interdit en PDF/A"),
    (_need_appearances, "formulaire marqué NeedAppearances, interdit en PDF/A"),
    (_hidden_field, "champ « Signature Jean DUPONT » non imprimable ou caché, interdit en PDF/A"),
    (_other_title, "titres différents dans les métadonnées : « Contrat de relance et de transition écologique » "
                   "(XMP) et « Un autre titre » (dictionnaire Info)"),
    (_no_output_intent, "aucun profil de couleur de sortie (OutputIntent GTS_PDFA1)"),
    (_pdfa_1, "identification PDF/A absente ou inattendue (partie 1, niveau B ; attendu : 2, B)"),
    (_encrypted, "PDF chiffré : un PDF/A ne doit pas l'être"),
])
def test_each_check_catches_its_fault(built, change, expected):
    problems = pdfa_problems(_altered(built["essai/contrat.pdf"], change))
    assert any(problem.startswith(expected) for problem in problems), problems


def test_the_build_refuses_a_pdf_that_is_not_pdfa(tmp_path, monkeypatch, built):
    """LibreOffice giving a PDF without its output intent (a broken installation, say): the contract fails,
    the file named, and no PDF of it is written."""
    import generator.render_office as render_office

    broken = _altered(built["essai/annexes.pdf"], _no_output_intent)
    monkeypatch.setattr(render_office.OfficePool, "available", staticmethod(lambda: False))  # every PDF by convert
    monkeypatch.setattr(render_office, "convert", lambda documents, target, **_: {
        name: broken for name in documents})
    root = write_contract(tmp_path / "content" / "essai", contract_data())
    report = build_report([root], tmp_path / "output", formats=("docx", "pdf"))
    messages = [str(p) for p in report.failed["essai"]]
    assert any("contrat.pdf : aucun profil de couleur de sortie" in m for m in messages), messages
    assert not list((tmp_path / "output").rglob("*.pdf"))
