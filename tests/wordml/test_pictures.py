"""Pictures: a template's own (a partner's logo) and the content's (a fiche's map, `![…](carte.png)` in prose),
embedded with their relationships, the content's no wider than the text."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Inches
from PIL import Image

from generator.errors import TemplateProblem
from generator.render_docx import render_docx
from generator.render_office import find_soffice

EMU_PER_INCH = 914400
# python-docx's default template: a Letter page (8.5 in) with margins of 1.25 in on each side
TEXT_WIDTH = 6 * EMU_PER_INCH


def _png(width: int, height: int, colour=(200, 30, 30), dpi: int = 72) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def _template(tmp_path: Path, build) -> Path:
    doc = Document()
    build(doc)
    path = tmp_path / "modele.docx"
    doc.save(path)
    return path


def _resolved_pictures(data: bytes) -> dict[str, list[bytes]]:
    """Return, per part showing pictures, the bytes each of its pictures points to; AssertionError on a
    relationship id without its relationship, or a media part without its content type."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    types = archive.read("[Content_Types].xml").decode()
    out = {}
    for name in archive.namelist():
        if not re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
            continue
        embeds = re.findall(r'r:embed="([^"]+)"', archive.read(name).decode())
        if not embeds:
            continue
        rels = archive.read(name.replace("word/", "word/_rels/") + ".rels").decode()
        targets = dict(re.findall(r'Id="([^"]+)" Type="[^"]+/image" Target="([^"]+)"', rels))
        for rel_id in embeds:
            assert rel_id in targets, f"{name}: {rel_id} has no relationship"
            media = "word/" + targets[rel_id]
            extension = media.rsplit(".", 1)[1]
            assert f'PartName="/{media}"' in types or f'Extension="{extension}"' in types, media
            out.setdefault(name, []).append(archive.read(media))
    return out


def test_a_partners_logo_in_the_template_keeps_its_picture_in_the_body_and_the_header(tmp_path):
    logo = _png(120, 60, (30, 60, 200))

    def build(doc):
        doc.add_paragraph("Avec le soutien de {{ partenaire }}").add_run().add_picture(io.BytesIO(logo), Inches(1))
        header = doc.sections[0].header.paragraphs[0]
        header.text = "Convention {{ nom }} "
        header.add_run().add_picture(io.BytesIO(logo), Inches(0.5))
        doc.add_paragraph("{%p for fiche in fiches %}")
        doc.add_paragraph("Fiche {{ fiche }}").add_run().add_picture(io.BytesIO(logo), Inches(0.3))
        doc.add_paragraph("{%p endfor %}")

    data = render_docx(_template(tmp_path, build), {"partenaire": "l'ADEME", "nom": "CRTE", "fiches": [1, 2]})
    pictures = _resolved_pictures(data)
    assert pictures["word/document.xml"] == [logo, logo, logo]  # the body's logo, and one per fiche
    assert pictures["word/header1.xml"] == [logo]
    document = Document(io.BytesIO(data))
    assert len(document.inline_shapes) == 3
    assert document.sections[0].header.paragraphs[0].text.startswith("Convention CRTE")
    ids = re.findall(r'<wp:docPr id="(\d+)"', zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode())
    assert len(set(ids)) == 3


@pytest.fixture
def contract_dir(tmp_path) -> Path:
    folder = tmp_path / "contrat"
    (folder / "images").mkdir(parents=True)
    (folder / "carte.png").write_bytes(_png(1440, 720))  # 20 in × 10 in at 72 dpi: wider than the text
    (folder / "images" / "picto.png").write_bytes(_png(72, 36, (0, 120, 0)))  # 1 in × 0.5 in
    (tmp_path / "secret.png").write_bytes(_png(10, 10))
    return folder


def _prose_template(tmp_path: Path) -> Path:
    def build(doc):
        for name in ("Body Text", "Hyperlink", "Strong", "Emphasis", "Exposant", "Code"):
            if name not in [s.name for s in doc.styles]:
                doc.styles.add_style(name, 1 if name == "Body Text" else 2)
        doc.add_paragraph("{{p texte|prose }}")
    return _template(tmp_path, build)


def test_a_map_in_prose_is_embedded_no_wider_than_the_text(tmp_path, contract_dir):
    texte = "Le périmètre :\n\n![Carte du territoire](carte.png)\n\nUn pictogramme ![Bus](images/picto.png) en ligne."
    data = render_docx(_prose_template(tmp_path), {"texte": texte}, content_dir=contract_dir)
    pictures = _resolved_pictures(data)
    assert pictures["word/document.xml"] == [(contract_dir / "carte.png").read_bytes(),
                                             (contract_dir / "images" / "picto.png").read_bytes()]
    document = Document(io.BytesIO(data))
    carte, picto = document.inline_shapes
    assert (carte.width, carte.height) == (TEXT_WIDTH, TEXT_WIDTH // 2)  # scaled down, proportions kept
    assert (picto.width, picto.height) == (EMU_PER_INCH, EMU_PER_INCH // 2)  # its own size
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert 'descr="Carte du territoire"' in xml and 'descr="Bus"' in xml
    assert [p.text for p in document.paragraphs] == ["Le périmètre\u00a0:", "", "Un pictogramme  en ligne."]


@pytest.mark.parametrize("source, message", [
    ("../secret.png", "l'image « ../secret.png » est hors du dossier du contrat"),
    ("absente.png", "l'image « absente.png » est introuvable dans le dossier du contrat"),
    ("https://example.org/carte.png", "doit être un fichier du dossier du contrat"),
    ("/etc/passwd", "doit être un fichier du dossier du contrat"),
    ("contrat.yaml", "« contrat.yaml » n'est pas une image"),
])
def test_a_picture_prose_cannot_show_is_a_french_problem(tmp_path, contract_dir, source, message):
    with pytest.raises(TemplateProblem, match=re.escape(message)):
        render_docx(_prose_template(tmp_path), {"texte": f"![carte]({source})"}, content_dir=contract_dir)


@pytest.mark.libreoffice
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice absent : apt-get install libreoffice-writer-nogui")
def test_libreoffice_draws_the_map_of_the_prose(tmp_path, contract_dir):
    import pikepdf

    from generator.render_office import convert

    data = render_docx(_prose_template(tmp_path), {"texte": "![Carte](carte.png)"}, content_dir=contract_dir)
    pdf = pikepdf.open(io.BytesIO(convert({"carte": data}, "pdf")["carte"]))
    [image] = [image for page in pdf.pages for image in page.get_images().values()]
    assert (image.Width, image.Height) == (1440, 720)
