"""A docxtpl template compiled once, rendered many times: what stock docxtpl would give, parts left as stored."""

import io
import zipfile

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from generator.jinja_env import PROSE_RENDERER_KEY, WORDML_KEY, environment
from generator.prose import ProseRenderer
from generator.wordml.authoring import add_toc
from generator.wordml.package import read_members
from generator.wordml.template import CompiledTemplate

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def template_path(tmp_path):
    """A small template: a sommaire, static and looped headings, prose, a `{%tc %}` table, a tagged footer."""
    doc = Document()
    for name in ("toc 1", "toc 2"):
        doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    for name in ("Hyperlink", "Strong", "Emphasis", "Exposant", "Code"):
        if name not in [s.name for s in doc.styles]:
            doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    doc.core_properties.title = "Convention {{ nom }}"
    doc.add_paragraph("SOMMAIRE")
    add_toc(doc, (1, 2))
    doc.add_heading("Préambule {{ nom }}", 1)
    doc.add_paragraph("{%p for article in articles %}")
    doc.add_heading("Article {{ article.numero }}", 2)
    doc.add_paragraph("{{p article.texte|prose(1) }}")
    doc.add_paragraph("{%p endfor %}")
    table = doc.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["{%tc for annee in annees %}", "{{ annee }}", "{%tc endfor %}"]):
        cell.text = text
    conditional = doc.add_table(rows=2, cols=5)
    for row in conditional.rows:
        for cell, text in zip(row.cells, ["A", "{%tc if avec_b %}", "B {{ nom }}", "{%tc endif %}", "C"]):
            cell.text = text
    doc.sections[0].footer.paragraphs[0].text = "Convention {{ nom }}"
    path = tmp_path / "modele.docx"
    doc.save(path)
    return path


CONTEXT = {"nom": "Lens-Liévin", "annees": [2021, 2022, 2023, 2024], "avec_b": False,
           "articles": [{"numero": "1er", "texte": "1. a\n2. b\n\nVoir [le site](https://example.org).\n\n1. c\n"},
                        {"numero": "2", "texte": "# Sous-titre\n\nTexte : fin."}]}


def render(path, context=CONTEXT) -> zipfile.ZipFile:
    template = CompiledTemplate(path, environment())
    document = template.new_document()
    data = template.render(document, {**context, PROSE_RENDERER_KEY: ProseRenderer(document), WORDML_KEY: document})
    return zipfile.ZipFile(io.BytesIO(data))


def paragraphs(archive):
    return [(p.style.name, p.text) for p in Document(io.BytesIO(_bytes(archive))).paragraphs]


def _bytes(archive) -> bytes:
    archive.fp.seek(0)
    return archive.fp.read()


def test_the_sommaire_lists_static_looped_and_prose_headings_in_order(template_path):
    texts = paragraphs(render(template_path))
    toc = [(style, text) for style, text in texts if style.startswith("toc")]
    assert toc == [("toc 1", "Préambule Lens-Liévin"), ("toc 2", "Article 1er"), ("toc 2", "Article 2"),
                   ("toc 2", "Sous-titre")]
    assert ("Heading 2", "Article 1er") in texts and ("Body Text", "Texte\u00a0: fin.") in texts
    assert not any("{%" in text or "{{" in text for _, text in texts)


def test_numbered_lists_restart_and_links_are_related(template_path):
    archive = render(template_path)
    numbering = archive.read("word/numbering.xml").decode()
    assert numbering.count("<w:startOverride") == 2  # two numbered lists in the first article
    rels = archive.read("word/_rels/document.xml.rels").decode()
    assert 'Target="https://example.org"' in rels and 'TargetMode="External"' in rels


def test_cell_loops_get_a_grid_as_wide_as_their_rows(template_path):
    document = Document(io.BytesIO(_bytes(render(template_path))))
    table, conditional = document.tables
    assert [c.text for c in table.rows[0].cells] == ["2021", "2022", "2023", "2024"]
    grid = table._tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))
    assert len(grid) == 4
    assert [c.text for c in conditional.rows[1].cells] == ["A", "C"]
    assert len(conditional._tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))) == 2


def test_documents_are_what_stock_docxtpl_gives_plus_the_sommaire(template_path):
    """The compiled template renders the same paragraphs, tables and grids as stock docxtpl (which leaves the
    sommaire empty), for tables whose cells are looped and conditional."""
    for avec_b in (False, True):
        context = {**CONTEXT, "avec_b": avec_b}
        ours = Document(io.BytesIO(_bytes(render(template_path, context))))
        stock = DocxTemplate(str(template_path))
        writer = CompiledTemplate(template_path, environment()).new_document()
        stock.render({**context, PROSE_RENDERER_KEY: ProseRenderer(writer), WORDML_KEY: writer}, environment())
        buffer = io.BytesIO()
        stock.save(buffer)
        theirs = Document(buffer)
        assert [(p.style.name, p.text) for p in ours.paragraphs if not p.style.name.startswith("toc")] == \
            [(p.style.name, p.text) for p in theirs.paragraphs if not p.style.name.startswith("toc")]
        for mine, stock_table in zip(ours.tables, theirs.tables, strict=True):
            assert [[c.text for c in r.cells] for r in mine.rows] == [[c.text for c in r.cells] for r in stock_table.rows]
            grid = [c.get(qn("w:w")) for c in mine._tbl.find(qn("w:tblGrid"))]
            assert grid == [c.get(qn("w:w")) for c in stock_table._tbl.find(qn("w:tblGrid"))]


def test_tagged_parts_and_properties_are_rendered_the_others_copied(template_path):
    archive = render(template_path)
    assert "Convention Lens-Liévin" in archive.read("word/footer1.xml").decode()
    assert "<dc:title>Convention Lens-Liévin</dc:title>" in archive.read("docProps/core.xml").decode()
    assert "w:updateFields" in archive.read("word/settings.xml").decode()
    stored = {m.name: m.data for m in read_members(template_path)}
    copied = {m.name: m.data for m in read_members_of(archive)}
    assert copied["word/styles.xml"] == stored["word/styles.xml"]  # byte for byte, not recompressed


def read_members_of(archive, tmp=None):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.docx"
        path.write_bytes(_bytes(archive))
        return read_members(path)


def test_one_compiled_template_renders_independent_documents(template_path):
    template = CompiledTemplate(template_path, environment())
    outputs = []
    for nom in ("Arras", "Béthune"):
        document = template.new_document()
        context = {**CONTEXT, "nom": nom, PROSE_RENDERER_KEY: ProseRenderer(document), WORDML_KEY: document}
        outputs.append(zipfile.ZipFile(io.BytesIO(template.render(document, context))))
    first, second = (paragraphs(o) for o in outputs)
    assert ("toc 1", "Préambule Arras") in first and ("toc 1", "Préambule Béthune") in second
    assert all("Béthune" not in text for _, text in first)
    assert outputs[0].read("word/numbering.xml") == outputs[1].read("word/numbering.xml")
