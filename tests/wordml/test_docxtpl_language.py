"""docxtpl's language where stock docxtpl's suite found Paraphe lacking, checked without the suite: listing
characters in printed values, `{#tc #}` comments in tables, entities in headers' tags, `&` typed in a tag."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from docx import Document

from generator.render_docx import render_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _save(doc, tmp_path: Path, name: str = "modele.docx") -> Path:
    path = tmp_path / name
    doc.save(path)
    return path


def _body(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()


def test_a_new_paragraph_and_a_page_break_in_a_printed_value_are_words(tmp_path):
    doc = Document()
    doc.add_paragraph("Début {{ texte }} fin")
    data = render_docx(_save(doc, tmp_path), {"texte": "un\adeux\ftrois"})
    assert [p.text for p in Document(io.BytesIO(data)).paragraphs] == ["Début un", "deux", "", "trois fin"]
    body = _body(data)
    assert '<w:br w:type="page"/>' in body and "\x07" not in body and "\x0c" not in body


def test_a_cell_commented_out_by_tc_leaves_a_grid_of_the_cells_left(tmp_path):
    doc = Document()
    table = doc.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["A", "{#tc cellule retirée #}", "C"]):
        cell.text = text
    data = render_docx(_save(doc, tmp_path), {})
    [table] = Document(io.BytesIO(data)).tables
    grid = table._tbl.find(f"{W}tblGrid").findall(f"{W}gridCol")
    assert [c.text for c in table.rows[0].cells] == ["A", "C"] and len(grid) == 2
    # the removed column's width is shared by the others: the table keeps its width
    template_grid = Document(tmp_path / "modele.docx").tables[0]._tbl.find(f"{W}tblGrid").findall(f"{W}gridCol")
    width = sum(int(c.get(f"{W}w")) for c in template_grid)
    assert abs(sum(int(c.get(f"{W}w")) for c in grid) - width) <= 2


def test_a_tag_in_a_header_holding_entities_renders(tmp_path):
    """LibreOffice writes quotes in text as `&quot;`; docxtpl reads headers through lxml, which reads them."""
    doc = Document()
    doc.add_paragraph("Corps")
    doc.sections[0].header.paragraphs[0].text = 'Convention {{ titre|default("sans titre") }}'
    doc.sections[0].footer.paragraphs[0].text = "{{ 'pied' }}"
    path = _save(doc, tmp_path)
    entities = tmp_path / "entites.docx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(entities, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if re.fullmatch(r"word/(header|footer)\d*\.xml", item.filename):
                data = data.replace(b'"sans titre"', b"&quot;sans titre&quot;").replace(b"'pied'", b"&apos;pied&apos;")
            out.writestr(item, data)
    section = Document(io.BytesIO(render_docx(entities, {}))).sections[0]
    assert section.header.paragraphs[0].text == "Convention sans titre"
    assert section.footer.paragraphs[0].text == "pied"


def test_an_ampersand_typed_in_a_tag_prints_as_typed(tmp_path):
    doc = Document()
    doc.add_paragraph('{{ nom|default("R & D") }}')
    data = render_docx(_save(doc, tmp_path), {})
    assert Document(io.BytesIO(data)).paragraphs[0].text == "R & D"
    assert "R &amp; D" in _body(data)


def test_the_sommaire_of_a_template_saved_by_libreoffice_is_filled(tmp_path):
    """LibreOffice names the entries' styles « TOC 1 » (Word « toc 1 ») and puts the field in a content control;
    (it keeps the field only when it holds an entry: an empty one is dropped on saving)."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement, parse_xml

    from generator.wordml.authoring import add_toc

    doc = Document()
    doc.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    add_toc(doc, (1, 1))
    doc.styles["toc 1"].element.find(f"{W}name").set(f"{W}val", "TOC 1")  # as LibreOffice names it
    field = doc.paragraphs[-1]._p
    sdt = parse_xml('<w:sdt xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:sdtPr>'
                    '<w:docPartObj><w:docPartGallery w:val="Table of Contents"/></w:docPartObj></w:sdtPr>'
                    "<w:sdtContent/></w:sdt>")
    field.addprevious(sdt)
    placeholder = OxmlElement("w:r")
    placeholder.append(OxmlElement("w:t"))
    placeholder[0].text = "Sommaire"
    field.insert(len(field) - 1, placeholder)  # an entry before the field's end, as LibreOffice keeps it
    sdt[1].append(field)
    doc.add_heading("Article {{ numero }}", 1)
    body = _body(render_docx(_save(doc, tmp_path), {"numero": "1er"}))
    content = body[body.index("<w:sdtContent>"):body.index("</w:sdtContent>")]
    text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", content))  # « er » is a superscript run
    assert "TOC" in content and "Article 1er" in text and "Sommaire" not in text
    assert '<w:vertAlign w:val="superscript"/></w:rPr><w:t xml:space="preserve">er</w:t>' in content
