"""A docxtpl template compiled once, rendered many times: what stock docxtpl would give, parts left as stored."""

import io
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from lxml import etree

from generator.exposants import sans_marques
from generator.jinja_env import PROSE_RENDERER_KEY, WORDML_KEY, environment
from generator.prose import ProseRenderer
from generator.errors import TemplateProblem
from generator.render_docx import render_docx
from generator.wordml.authoring import add_field, add_toc
from generator.container import read_members
from generator.wordml import SharedRegions
from generator.wordml.template import CompiledTemplate

from ..conftest import ROOT

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


def stock_docxtpl(path, context) -> Document:
    """Return what stock docxtpl makes of a template and a context (its prose written by the engine's writer)."""
    stock = DocxTemplate(str(path))
    writer = CompiledTemplate(path, environment()).new_document()
    stock.render({**context, PROSE_RENDERER_KEY: ProseRenderer(writer), WORDML_KEY: writer}, environment())
    buffer = io.BytesIO()
    stock.save(buffer)
    return Document(buffer)


def assert_same_content(ours: Document, theirs: Document) -> None:
    """Assert the same paragraphs (style, text) but the sommaire's, the same table cells and as many grid
    columns (their widths are fitted to the text, where docxtpl keeps or scales the template's)."""
    def paragraphs(document):
        # stock docxtpl leaves the marks of superscript ordinals that the compiled template turns into runs
        found = [(p.style.name, sans_marques(p.text)) for p in document.paragraphs
                 if not p.style.name.startswith("toc")]
        while found and found[-1] == ("Normal", ""):  # the empty section a document ends with is dropped
            found.pop()
        return found

    assert paragraphs(ours) == paragraphs(theirs)
    for mine, stock_table in zip(ours.tables, theirs.tables, strict=True):
        assert [[c.text for c in r.cells] for r in mine.rows] == \
            [[sans_marques(c.text) for c in r.cells] for r in stock_table.rows]
        assert len(mine._tbl.find(qn("w:tblGrid"))) == len(stock_table._tbl.find(qn("w:tblGrid")))


def test_documents_are_what_stock_docxtpl_gives_plus_the_sommaire(template_path):
    """The compiled template renders the same paragraphs, tables and grids as stock docxtpl (which leaves the
    sommaire empty), for tables whose cells are looped and conditional."""
    for avec_b in (False, True):
        context = {**CONTEXT, "avec_b": avec_b}
        assert_same_content(Document(io.BytesIO(_bytes(render(template_path, context)))),
                            stock_docxtpl(template_path, context))


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


def _small_template(tmp_path, build) -> "Path":
    """A template with the styles a sommaire and prose need, its body written by `build(doc)`."""
    doc = Document()
    for name in ("toc 1", "toc 2"):
        doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    build(doc)
    path = tmp_path / "petit.docx"
    doc.save(path)
    return path


def test_cell_loops_count_spanned_columns_and_nested_tables_fit_their_own_grid(tmp_path):
    """A merged cell counts for the columns it spans; a `{%tc %}` table inside a cell of another gets its own
    grid, and its cells are not counted in the outer table's rows."""
    def build(doc):
        outer = doc.add_table(rows=2, cols=5)
        merged = outer.rows[0].cells[0].merge(outer.rows[0].cells[1])
        merged.text = "Libellé"
        for cell, text in zip(outer.rows[0].cells[2:], ["{%tc for a in annees %}", "{{ a }}", "{%tc endfor %}"]):
            cell.text = text
        inner = outer.rows[1].cells[0].add_table(rows=1, cols=3)
        for cell, text in zip(inner.rows[0].cells, ["{%tc for m in mois %}", "{{ m }}", "{%tc endfor %}"]):
            cell.text = text
    archive = render(_small_template(tmp_path, build), {"annees": [2021, 2022, 2023, 2024], "mois": list("abcdefg")})
    document = Document(io.BytesIO(_bytes(archive)))
    [outer] = document.tables
    inner = outer._tbl.find(f".//{W}tbl")
    assert len(outer._tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))) == 6  # 2 merged + 4 years
    assert len(inner.find(qn("w:tblGrid")).findall(qn("w:gridCol"))) == 7
    assert "paraphe-" not in archive.read("word/document.xml").decode()


def test_headings_with_inline_or_unclosed_block_tags_are_in_the_sommaire(tmp_path):
    def build(doc):
        add_toc(doc, (1, 2))
        doc.add_heading("Préambule{% if bis %} (bis){% endif %}", 1)
        doc.add_heading("Article {% if bis %}premier", 2)  # closed in the next paragraph: read back
        doc.add_paragraph("{% else %}second{% endif %} texte")
    texts = paragraphs(render(_small_template(tmp_path, build), {"bis": True}))
    assert [t for s, t in texts if s.startswith("toc")] == ["Préambule (bis)", "Article premier"]


def test_a_word_sommaire_spanning_paragraphs_is_replaced_whole(tmp_path):
    def build(doc):
        add_toc(doc, (1, 1))
        toc = doc.paragraphs[-1]
        end = toc._p[-1]  # the field's end moves two paragraphs down, past entries holding fields of their own
        for text in ("Ancienne entrée 1", "Ancienne entrée 2"):
            entry = doc.add_paragraph(text, style="toc 1")
            add_field(entry, "PAGEREF _Toc1 \\h")
        entry._p.append(end)
        doc.add_heading("Nouveau titre", 1)
    archive = render(_small_template(tmp_path, build), {})
    texts = paragraphs(archive)
    assert [t for s, t in texts if s.startswith("toc")] == ["Nouveau titre"]
    assert "Ancienne" not in archive.read("word/document.xml").decode()


def _png() -> bytes:
    """A white picture of one pixel, in PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff")) \
        + chunk(b"IEND", b"")


def test_a_picture_a_loop_repeats_gets_an_id_of_its_own_each_time(tmp_path):
    def build(doc):
        doc.add_paragraph("{%p for i in items %}")
        doc.add_paragraph("Image {{ i }}").add_run().add_picture(io.BytesIO(_png()))
        doc.add_paragraph("{%p endfor %}")
    archive = render(_small_template(tmp_path, build), {"items": ["é", "ü", "ô"]})
    xml = archive.read("word/document.xml").decode()
    assert sorted(re.findall(r'<wp:docPr id="(\d+)"', xml)) == ["1", "2", "3"]
    assert [t for _, t in paragraphs(archive)] == ["Image é", "Image ü", "Image ô"]


def test_block_tags_across_levels_are_refused_with_their_place(tmp_path):
    def build(doc):
        doc.add_paragraph("{% if x %}début")
        doc.add_table(rows=1, cols=1).rows[0].cells[0].text = "fin{% endif %}"
    with pytest.raises(TemplateProblem) as failure:
        render_docx(_small_template(tmp_path, build), {"x": False})
    message = str(failure.value)
    assert "« {% if x %} » et « {% endif %} » ne sont pas au même niveau" in message
    assert "le texte d'un paragraphe" in message and "le texte d'une cellule de tableau" in message


def test_the_capture_filter_is_no_way_around_autoescaping(tmp_path):
    def build(doc):
        doc.add_paragraph("{{ nom|_wordml('titre', 1) }}")
    with pytest.raises(TemplateProblem, match="réservé au modèle compilé"):
        render_docx(_small_template(tmp_path, build), {"nom": "<w:r><w:t>INJECTÉ</w:t></w:r>"})


def test_footers_get_docxtpl_treatment_and_properties_are_not_escaped_twice(tmp_path):
    def build(doc):
        footer = doc.sections[0].footer.paragraphs[0]
        footer.add_run("Convention {")  # a tag Word split over two runs
        footer.add_run("{ adresse }}")
        doc.core_properties.title = "Convention {{ nom }}"
    archive = render(_small_template(tmp_path, build), {"adresse": "1 rue X\n62300 Lens", "nom": "A & B"})
    footer = archive.read("word/footer1.xml").decode()
    assert "1 rue X</w:t><w:br/>" in footer and "{" not in footer
    assert Document(io.BytesIO(_bytes(archive))).core_properties.title == "Convention A & B"


def test_escaped_braces_print_braces_and_content_prints_as_typed(tmp_path):
    """docxtpl's `{_{` prints a Jinja brace in body and footer, as stock docxtpl does; a `{_{` of the content is
    printed as typed (stock docxtpl would turn it into `{{`)."""
    def build(doc):
        doc.add_paragraph("Syntaxe {_{ nom }_} et {_% if %_}, valeur {{ valeur }}")
        doc.sections[0].footer.paragraphs[0].text = "{_{ pied }_} {{ nom }}"
    path = _small_template(tmp_path, build)
    archive = render(path, {"valeur": "a {_{ b", "nom": "N"})
    texts = [text for _, text in paragraphs(archive)]
    assert "Syntaxe {{ nom }} et {% if %}, valeur a {_{ b" in texts
    assert "{{ pied }} N" in archive.read("word/footer1.xml").decode()
    stock = [p.text for p in stock_docxtpl(path, {"valeur": "a b", "nom": "N"}).paragraphs]
    assert "Syntaxe {{ nom }} et {% if %}, valeur a b" in stock


def test_prose_is_parsed_alike_from_many_threads():
    from concurrent.futures import ThreadPoolExecutor

    from generator.prose import ProseStyles, word_blocks

    texts = [f"# Titre {i}\n\n1. un **{i}**\n2. deux\n\n- puce [lien](https://example.org/{i})\n" for i in range(200)]
    expected = [word_blocks.__wrapped__(t, 0, "Body Text", ProseStyles()) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda t: word_blocks.__wrapped__(t, 0, "Body Text", ProseStyles()), texts))
    assert got == expected


def test_a_link_in_a_footer_is_refused_rather_than_broken(tmp_path):
    def build(doc):
        doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        doc.sections[0].footer.paragraphs[0].text = "{{p pied|prose }}"
    with pytest.raises(TemplateProblem, match="lien dans un en-tête"):
        render_docx(_small_template(tmp_path, build), {"pied": "Voir [le site](https://example.org)."})
    render_docx(_small_template(tmp_path, build), {"pied": "Sans lien."})


@pytest.mark.parametrize("slug", ["crte-lens-lievin", "accord-cadre-region-mel", "annexe-aap-contrat-de-ville",
                                  "programme-travail-2022", "communique-mel-caph"])
def test_the_real_templates_give_what_stock_docxtpl_gives(slug):
    """Every template of the project, rendered with its real content: the same paragraphs, tables and grids as
    stock docxtpl (which leaves the sommaire to Word)."""
    from generator import TEMPLATES_DIR
    from generator.pipeline import read_and_compute

    from ..conftest import REAL_CONTENT

    prepared = read_and_compute(REAL_CONTENT / slug)
    context = {**prepared.kind.context(prepared.computed), "consolidation": None, "a_completer": False}
    for rel in prepared.kind.templates.values():
        path = TEMPLATES_DIR / rel
        ours = Document(io.BytesIO(render_docx(path, context)))
        assert_same_content(ours, stock_docxtpl(path, context))
        assert_french_typography(ours)


def assert_french_typography(document: Document) -> None:
    """Assert what the Lexique de l'Imprimerie nationale asks of every paragraph and cell: both renders above
    share Paraphe's French filters, so their agreement says nothing of these."""
    texts = [p.text for p in document.paragraphs] + [
        c.text for t in document.tables for r in t.rows for c in r.cells]
    for text in texts:
        assert not re.search(r"\d[ \u202f]?€", text), text             # « 275 000 € »: a no-break space
        assert not re.search(r"[\w»)][ \u00a0][;!?]", text), text       # a narrow no-break space before ; ! ?
        assert not re.search(r"\w[ \u202f]:(\s|$)", text), text         # a no-break space before :
        assert not re.search(r"«(?!\u00a0)|(?<!\u00a0)»", text), text   # no-break spaces inside « »


def _region_template(tmp_path, name: str, intro: bool):
    """A template whose articles loop is a region; with `intro`, prose before it (numbered lists, a link)."""
    def build(doc):
        for style in ("Hyperlink", "Strong", "Emphasis", "Exposant", "Code"):
            if style not in [s.name for s in doc.styles]:
                doc.styles.add_style(style, WD_STYLE_TYPE.CHARACTER)
        add_toc(doc, (1, 2))
        if intro:
            doc.add_paragraph("{{p intro|prose }}")
        doc.add_paragraph("{%p for article in articles %}")
        doc.add_heading("Article {{ article.numero }}", 2)
        doc.add_paragraph("{{p article.texte|prose(1) }}")
        doc.add_paragraph("{%p endfor %}")
        doc.add_paragraph("Fin {{ nom }}")

    path = _small_template(tmp_path, build)
    return path.rename(path.with_name(name))


@pytest.mark.parametrize("texte", ["Sans liste ni lien.", "1. a\n2. b\n\nVoir [le site](https://example.org).\n"])
def test_documents_of_a_contract_render_their_common_regions_once_and_come_out_the_same(tmp_path, texte):
    """The regions two templates have in common are rendered once and replayed: each document is byte for byte
    what it is rendered alone, the replay falling back to rendering when the writer numbers a list or a link
    otherwise in the second document (its intro's list comes first)."""
    first, second = _region_template(tmp_path, "a.docx", False), _region_template(tmp_path, "b.docx", True)
    context = {"nom": "Lens", "intro": "1. x\n\n[lien](https://example.com)",
               "articles": [{"numero": n, "texte": texte} for n in ("1er", "2")]}
    shared, alone, together = SharedRegions(context), [], []
    for path in (first, second, first):
        alone.append(render_docx(path, context))
        together.append(render_docx(path, context, shared_regions=shared))
    assert together == alone
    [key] = shared.recorded
    assert key in CompiledTemplate(first, environment()).styles.region_keys
    assert key in CompiledTemplate(second, environment()).styles.region_keys
    assert paragraphs(zipfile.ZipFile(io.BytesIO(together[1]))).count(("toc 2", "Article 2")) == 1
    [region] = shared.recorded.values()  # kept encoded only, as the first document's body holds it
    assert region.chunks and all(isinstance(chunk, (bytes, memoryview)) for chunk in region.chunks)
    assert region.data.startswith(b"<w:p>") and region.data.count(b'<w:pStyle w:val="Heading2"/>') == 2


def test_a_region_is_kept_as_a_stretch_of_the_body_that_rendered_it_until_the_last_document(tmp_path):
    """A recorded region is not a copy: it is a view of the first document's rendered body, and the contract's
    last document lets the regions go once its body is rendered (a contract of 1000 fiches has 25 MB of them)."""
    first, second = _region_template(tmp_path, "a.docx", False), _region_template(tmp_path, "b.docx", True)
    context = {"nom": "Lens", "intro": "Intro.", "articles": [{"numero": n, "texte": "Texte."} for n in ("1er", "2")]}
    shared = SharedRegions(context)
    together = [render_docx(first, context, shared_regions=shared)]
    [region] = shared.recorded.values()
    [view] = region.chunks
    assert isinstance(view, memoryview) and len(view.obj) > len(view) and bytes(view) in view.obj
    shared.last = True
    together.append(render_docx(second, context, shared_regions=shared))
    assert shared.recorded == {}
    assert together == [render_docx(first, context), render_docx(second, context)]


def test_a_common_region_is_rendered_by_the_first_document_only(tmp_path):
    """The second document takes the first one's region without evaluating it: its content is not read again."""
    reads = []

    class Article:
        texte = "Texte."

        @property
        def numero(self):
            reads.append(1)
            return "1er"

    path = _region_template(tmp_path, "a.docx", False)
    context = {"nom": "Lens", "intro": "", "articles": [Article()]}
    shared = SharedRegions(context)
    render_docx(path, context, shared_regions=shared)
    assert reads
    reads.clear()
    render_docx(path, context, shared_regions=shared)
    assert not reads
    with pytest.raises(ValueError):  # the regions of one context are no other's
        render_docx(path, dict(context), shared_regions=shared)


@pytest.mark.parametrize("line", ["{% set total = 1 %}", "{% with x = 1 %}{% endwith %}"])
def test_templates_whose_regions_would_print_otherwise_get_none(tmp_path, line):
    """A region may be taken from another document instead of rendered: the names a template binds there would
    not be bound. Such a template gets no region, and prints what it says."""
    def build(doc):
        doc.add_paragraph(line)
        doc.add_paragraph("{%p for a in articles %}")
        doc.add_paragraph("{{ a }} {{ caller }} {{ kwargs }} {{ varargs }}")
        doc.add_paragraph("{%p endfor %}")

    path = _small_template(tmp_path, build)
    assert CompiledTemplate(path, environment()).styles.region_keys == frozenset()
    context = {"articles": [1], "caller": "C", "kwargs": "K", "varargs": "V"}
    assert ("Normal", "1 C K V") in paragraphs(zipfile.ZipFile(io.BytesIO(render_docx(path, context))))
    assert CompiledTemplate(_region_template(tmp_path, "a.docx", False), environment()).styles.region_keys


@pytest.mark.parametrize("forgery", [
    ['{%p call _region("cle") %}', "x", "{%p endcall %}"],
    ['{%p call _region("CLE") %}', "x", "{%p endcall %}"],
    ['{% call _region("CLE") %}x{% endcall %}'],
    ["{{ _region(cle, nom.strip) }}"],
    ["{{ _region(cle) }}"],
    ['{%p if _region("CLE") %}', "x", "{%p endif %}"],
    ['{%p if _region("CLE", True) %}', "{%p endif %}"],
])
def test_regions_are_reserved_to_the_compiler(tmp_path, forgery):
    """A template cannot call `_region` itself, even with a region's true key: it would print what it likes as
    markup (unescaped XML), or take a region's place in every document of the contract. Nor can it reach the
    writer that knows the keys."""
    loop = ["{%p for a in articles %}", "{{ a }}", "{%p endfor %}"]
    [key] = CompiledTemplate(_small_template(tmp_path, lambda doc: [doc.add_paragraph(t) for t in loop]),
                             environment()).styles.region_keys

    def build(doc):
        for text in loop + [t.replace("CLE", key) for t in forgery]:
            doc.add_paragraph(text)

    with pytest.raises(TemplateProblem, match="réservé au modèle compilé"):
        render_docx(_small_template(tmp_path, build), {"articles": [1], "nom": "<w:p/>", "cle": key})
    with pytest.raises(TemplateProblem, match="n'existe pas dans le contenu"):
        render_docx(_small_template(tmp_path, lambda doc: doc.add_paragraph("{{ _document }}")), {})


def test_a_crtes_annexes_take_the_fiches_and_maquette_its_contract_rendered(monkeypatch):
    """Lens-Liévin's contract and annexes, rendered with their regions shared as a build does: the same bytes as
    each rendered alone, the annexes taking the contract's fiches and maquette."""
    from generator import TEMPLATES_DIR
    from generator.wordml.writer import DocumentWriter

    replays, replay = [], DocumentWriter._replays

    def noted(self, recorded):
        replays.append(replay(self, recorded))
        return replays[-1]

    monkeypatch.setattr(DocumentWriter, "_replays", noted)
    from generator.pipeline import read_and_compute

    from ..conftest import REAL_CONTENT

    prepared = read_and_compute(REAL_CONTENT / "crte-lens-lievin", verify=False)
    context = {**prepared.kind.context(prepared.computed), "consolidation": None, "a_completer": False}
    shared = SharedRegions(context)
    for rel in prepared.kind.templates.values():
        path = TEMPLATES_DIR / rel
        assert render_docx(path, context, shared_regions=shared) == render_docx(path, context)
    annexes = CompiledTemplate(TEMPLATES_DIR / prepared.kind.templates["annexes"], environment())
    assert annexes.styles.region_keys and annexes.styles.region_keys <= set(shared.recorded)
    assert replays == [True] * len(annexes.styles.region_keys)
    # the tables' grids, fitted from the tables' own text, are not fitted again by the replay
    tables = [region for key, region in shared.recorded.items()
              if key in annexes.styles.region_keys and b"<w:tbl>" in region.data]
    assert tables and not any(method == "capture" and args[1] == "tableau"
                              for region in tables for method, args, _ in region.calls)


def test_core_properties_stay_in_their_namespace_once_docxtpl_is_imported(contract_dir, tmp_path):
    """docxcompose, which docxtpl imports, remaps python-docx's « cp » prefix: the document's keywords and
    version would go to the custom properties' namespace, where no reader looks."""
    import zipfile

    from docx.oxml.ns import nsmap

    from generator.pipeline import build

    import docxtpl  # noqa: F401 - what remaps the prefix

    assert nsmap["cp"] == "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
    [contract, *_] = build([contract_dir], tmp_path / "out")
    core = zipfile.ZipFile(contract).read("docProps/core.xml").decode()
    assert 'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"' in core
    assert "<cp:keywords>Paraphe" in core


def _notes_template(tmp_path) -> "Path":
    def build(doc):
        doc.styles.add_style("Footnote Text", WD_STYLE_TYPE.PARAGRAPH)
        doc.styles.add_style("Footnote Reference", WD_STYLE_TYPE.CHARACTER).font.superscript = True
        doc.add_paragraph("{{p texte|prose }}")
    return _small_template(tmp_path, build)


NOTES_TEXT = ("La population est de 241 934 habitants[^1] sur 36 communes[^2], dont Lens[^1].\n\n"
              "[^1]: Source : Insee, RP 2017.\n[^2]: Source : CALL.")


def test_footnotes_go_in_a_footnotes_part_the_document_relates_to(tmp_path):
    archive = render(_notes_template(tmp_path), {"texte": NOTES_TEXT})
    notes = etree.fromstring(archive.read("word/footnotes.xml"))
    kinds = [(note.get(f"{W}id"), note.get(f"{W}type")) for note in notes]
    assert kinds == [("-1", "separator"), ("0", "continuationSeparator"), ("1", None), ("2", None)]
    assert ["".join(t.text for t in note.iter(f"{W}t")) for note in notes[2:]] == [
        " Source\u00a0: Insee, RP 2017.", " Source\u00a0: CALL."]
    rels = archive.read("word/_rels/document.xml.rels").decode()
    assert 'Target="footnotes.xml"' in rels and "relationships/footnotes" in rels
    assert b'PartName="/word/footnotes.xml"' in archive.read("[Content_Types].xml")
    settings = etree.fromstring(archive.read("word/settings.xml"))
    assert [n.get(f"{W}id") for n in settings.iterfind(f"{W}footnotePr/{W}footnote")] == ["-1", "0"]
    body = etree.fromstring(archive.read("word/document.xml"))
    assert [r.get(f"{W}id") for r in body.iter(f"{W}footnoteReference")] == ["1", "2"]
    assert [t.text for t in body.iter(f"{W}instrText")] == [" NOTEREF _RefNote1 \\f \\h "]


def test_a_document_without_notes_gets_no_footnotes_part(tmp_path):
    archive = render(_notes_template(tmp_path), {"texte": "Sans note."})
    assert "word/footnotes.xml" not in archive.namelist()
    assert b"footnotes" not in archive.read("word/_rels/document.xml.rels")


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice absent")
def test_libreoffice_prints_the_notes_at_the_foot_of_the_page(tmp_path):
    """Converted to PDF, the notes are real notes: numbered 1 and 2 at the foot of the page, under the text
    that calls them, and the second call of note 1 prints 1."""
    import subprocess

    (tmp_path / "notes.docx").write_bytes(_bytes(render(_notes_template(tmp_path), {"texte": NOTES_TEXT})))
    subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{tmp_path / 'profil'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "notes.docx")],
                   check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "notes.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0] == "La population est de 241 934 habitants1 sur 36 communes2, dont Lens1."
    assert lines[1:] == ["1", "Source : Insee, RP 2017.", "2", "Source : CALL."]  # the raised number apart
    boxes = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "notes.pdf"), "-"], capture_output=True,
                           text=True, check=True).stdout
    page_height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', boxes).group(1))
    top_of_note = min(float(y) for y in re.findall(r'yMin="([\d.]+)"[^>]*>Source</word>', boxes))
    assert top_of_note > 0.75 * page_height  # at the foot of the page, not after the text


def test_importing_docxtpl_on_demand_keeps_the_core_properties_namespace():
    """docxtpl is imported when a template is compiled, or a cached one needs `resolve_listing`: docxcompose,
    which it imports, rebinds python-docx's « cp » prefix to the custom properties; the core properties a
    document is stamped with must stay in their own namespace (a fresh process: docxtpl not yet imported)."""
    script = ("import sys; from docx.oxml.ns import nsmap; from generator.wordml.template import docx_template_class; "
              "assert 'docxtpl' not in sys.modules; docx_template_class(); assert 'docxcompose' in sys.modules; "
              "print(nsmap['cp'])")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
