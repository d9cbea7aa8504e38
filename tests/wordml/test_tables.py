"""Table columns fitted to their text (`generator.wordml.writer`): the widths worked out by hand."""

import shutil

import pytest
from lxml import etree

from generator.wordml.writer import (TableFitting, fit_table_text, fit_tables, fitted_column_widths,
                                     parse_body)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_narrow_columns_get_their_longest_line_and_the_wide_one_the_rest():
    # shares in proportion to √wish: 4000 × √6000 / (√6000 + √600 + √700) ≈ 2413, then ≈ 763 and ≈ 824: the
    # second and third columns need less (600 and 700), the first takes what they leave: 4000 − 1300
    assert fitted_column_widths([1000, 500, 500], [6000, 600, 700], 4000) == [2700, 600, 700]


def test_the_width_left_once_every_line_fits_is_shared_in_proportion_to_the_lines():
    # 1000 and 3000 fit in 8000; the 4000 left go 1 : 3
    assert fitted_column_widths([100, 100], [1000, 3000], 8000) == [2000, 6000]


def test_words_too_long_for_the_width_are_scaled_down_to_it():
    assert fitted_column_widths([3000, 2000], [5000, 4000], 4000) == [2400, 1600]


def test_a_column_keeps_the_room_of_its_longest_word():
    # the equal share of 3000 would be 1000 each, but the third column's longest word needs 1400
    widths = fitted_column_widths([200, 200, 1400], [9000, 9000, 9000], 3000)
    assert widths[2] == 1400 and sum(widths) == 3000 and widths[0] == widths[1] == 800


def _table(*rows: list[str]) -> str:
    return "<w:tbl><w:tblPr/><w:tblGrid/>" + "".join(
        "<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>" for text in row) + "</w:tr>"
        for row in rows) + "</w:tbl>"


def test_a_rendered_table_gets_a_fixed_layout_within_the_text_width_and_widths_from_its_text():
    xml = _table(["LIBELLÉ", "MONTANT"],
                 ["Acquisition foncière et travaux d’aménagement du site", "275\u202f000\u00a0€"])
    fitted = parse_body(fit_tables(parse_body(xml, NS), TableFitting(9000, ((None, 16, False),))), NS)
    table = fitted.find(f"{W}tbl")
    grid = [int(c.get(f"{W}w")) for c in table.iter(f"{W}gridCol")]
    assert sum(grid) == 9000 and grid[0] > 2 * grid[1]  # the label wide, the amount narrow
    assert table.find(f"{W}tblPr/{W}tblW").get(f"{W}w") == "9000"
    assert table.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
    assert [int(c.get(f"{W}w")) for c in table.iter(f"{W}tcW")][:2] == grid
    # the properties in the schema's order: tblW before tblLayout
    names = [etree.QName(c).localname for c in table.find(f"{W}tblPr")]
    assert names.index("tblW") < names.index("tblLayout")


def test_a_table_fitted_on_its_text_gets_the_widths_of_a_table_fitted_as_a_tree():
    """The fast path (the table's text, with regular expressions) and the tree give the same grid and cells."""
    import re

    xml = ('<w:tbl><w:tblPr><w:tblStyle w:val="T"/><w:tblW w:type="auto" w:w="0"/><w:tblLook w:val="04A0"/>'
           '</w:tblPr><w:tblGrid><w:gridCol w:w="10"/><w:gridCol w:w="10"/><w:gridCol w:w="10"/></w:tblGrid>'
           '<w:tr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="10"/><w:gridSpan w:val="2"/></w:tcPr><w:p><w:pPr>'
           '<w:pStyle w:val="E"/></w:pPr><w:r><w:t>BUDGET D’INVESTISSEMENT</w:t></w:r></w:p></w:tc>'
           '<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="10"/></w:tcPr><w:p><w:r><w:t>TOTAL</w:t></w:r></w:p></w:tc></w:tr>'
           '<w:tr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="10"/></w:tcPr><w:p><w:r><w:t>Acquisition &amp; travaux '
           'de l’ancien site</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="10"/></w:tcPr><w:p>'
           '<w:r><w:t>en investissement</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="10"/>'
           '</w:tcPr><w:p><w:r><w:t xml:space="preserve">1 250 000 €</w:t></w:r></w:p></w:tc></w:tr></w:tbl>')
    fitting = TableFitting(9638, ((None, 21, False), ("E", 16, True)))
    from_text = fit_table_text(xml, fitting)
    from_tree = fit_tables(parse_body(xml, NS), fitting)

    def widths(fitted):
        return (re.findall(r'<w:gridCol w:w="(\d+)"/>', fitted),
                re.findall(r'<w:tcW w:type="dxa" w:w="(\d+)"/>', fitted),
                re.findall(r"<w:tblW [^>]*/>", fitted), "tblLayout" in fitted)

    assert widths(from_text) == widths(from_tree)
    grid, cells, _, fixed = widths(from_text)
    assert sum(map(int, grid)) == 9638 and fixed and cells[0] == str(int(grid[0]) + int(grid[1]))
    assert fit_table_text("<w:tbl><w:tblPr/><w:tr><w:tc><w:tbl></w:tbl></w:tc></w:tr></w:tbl>", fitting) is None


def test_only_tables_in_paraphes_table_style_or_one_based_on_it_are_fitted(tmp_path):
    """A table in « Tableau Paraphe » (or a style based on it, as the signature blocks' « Tableau signatures »)
    gets its columns fitted to its text; any other keeps the widths its author gave it, as stock docxtpl
    keeps them (docs/templates-docxtpl.md)."""
    import io
    import zipfile

    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE

    from .test_template import _bytes, render

    doc = Document()
    paraphe = doc.styles.add_style("Tableau Paraphe", WD_STYLE_TYPE.TABLE)
    based = doc.styles.add_style("Tableau signatures", WD_STYLE_TYPE.TABLE)
    based.base_style = paraphe
    for style in (paraphe, based, None):
        table = doc.add_table(rows=1, cols=2)
        if style is not None:
            table.style = style
        for cell, text in zip(table.rows[0].cells, ["{{ libelle }}", "12 €"]):
            cell.text = text
        doc.add_paragraph("")
    authors_grid = [int(c.get(f"{W}w")) for c in doc.tables[2]._tbl.tblGrid.iterchildren(f"{W}gridCol")]
    path = tmp_path / "tableaux.docx"
    doc.save(path)
    body = zipfile.ZipFile(io.BytesIO(_bytes(render(path, {"libelle": "Acquisition foncière et travaux "
                                                                      "d’aménagement du site"})))).read(
        "word/document.xml")
    tables = etree.fromstring(body).find(f"{W}body").findall(f"{W}tbl")
    layouts = [t.find(f"{W}tblPr/{W}tblLayout") for t in tables]
    grids = [[int(c.get(f"{W}w")) for c in t.iter(f"{W}gridCol")] for t in tables]
    assert [layout is not None and layout.get(f"{W}type") == "fixed" for layout in layouts] == [True, True, False]
    assert grids[0] == grids[1] and grids[0][0] > 2 * grids[0][1]  # the label wide, the amount narrow
    assert grids[2] == authors_grid and authors_grid[0] == authors_grid[1]  # as the author left them
    assert tables[2].find(f"{W}tblPr/{W}tblW").get(f"{W}type") == "auto"


# --- addresses and amounts in cramped tables ---------------------------------------------------------------

def test_when_the_longest_words_do_not_fit_addresses_count_by_their_parts():
    # whole, the longest words need 3000 + 2000 > 4000; addresses cut at their breaking points, 1500 + 2000 fit:
    # √5000 : √2000 gives the second column 1550 < 2000, its longest word; the first takes the 2000 left
    assert fitted_column_widths([3000, 2000], [5000, 2000], 4000, pieces=[1500, 2000]) == [2000, 2000]
    # addresses whole when they fit: the pieces are not used
    assert fitted_column_widths([1000, 500], [1000, 500], 4000, pieces=[200, 100]) == [2666, 1334]


def test_an_amount_keeps_its_room_when_the_other_words_are_scaled_down():
    # 3000 + 2000 > 4000 even in pieces: the amount column keeps its 2000, the other gets the 2000 left
    assert fitted_column_widths([3000, 2000], [5000, 2000], 4000, pieces=[3000, 2000], amounts=[0, 2000]) == \
        [2000, 2000]
    # amounts that do not fit together either: every minimum scaled down alike (3000 : 2000)
    assert fitted_column_widths([3000, 2000], [3000, 2000], 4000, amounts=[3000, 2000]) == [2400, 1600]


ADDRESS = "evasconcelos@lillemetropole.fr"


def _cramped_table(address: str) -> str:
    """A table whose four columns cannot all hold their longest word whole in 5000 twips."""
    return ('<w:tbl><w:tblPr><w:tblW w:type="auto" w:w="0"/></w:tblPr><w:tblGrid/><w:tr>'
            + "".join(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="10"/></w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r>'
                      f"</w:p></w:tc>" for text in ("Accompagnement", "Renouvellement", "1\u202f250\u202f000\u00a0€",
                                                    f"Elisio VASCONCELOS – {address}"))
            + "</w:tr></w:tbl>")


def test_an_address_wider_than_its_column_gets_break_opportunities_after_at_and_before_dots():
    fitting = TableFitting(5000, ((None, 16, False),))
    xml = _cramped_table(ADDRESS)
    assert fit_table_text(xml, fitting) is None  # the text path leaves it to the tree, which changes the text
    table = parse_body(fit_tables(parse_body(xml, NS), fitting), NS).find(f"{W}tbl")
    texts = [t.text for t in table.iter(f"{W}t")]
    assert texts[3] == "Elisio VASCONCELOS – evasconcelos@\u200blillemetropole\u200b.fr"
    assert texts[:3] == ["Accompagnement", "Renouvellement", "1\u202f250\u202f000\u00a0€"]  # nothing else


def test_an_address_that_fits_its_column_is_left_whole():
    fitting = TableFitting(9638, ((None, 16, False),))
    fitted = fit_table_text(_cramped_table(ADDRESS), fitting)
    assert fitted is not None and ADDRESS in fitted and "\u200b" not in fitted


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent : apt-get install libreoffice-writer-nogui")
def test_libreoffice_breaks_a_cramped_address_at_its_parts_and_the_pdf_text_keeps_it_whole(tmp_path):
    """Printed by LibreOffice, the address of a cramped column goes on two lines cut after « @ » (not in the
    middle of « lillemetropole »), and the PDF's text, which a reader copies, holds no zero-width space."""
    import io
    import subprocess

    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(8)
    document.styles["Normal"].font.name = "Carlito"
    table = parse_body(fit_tables(parse_body(_cramped_table(ADDRESS), NS),
                                  TableFitting(5000, ((None, 16, False),))), NS).find(f"{W}tbl")
    document.element.body.insert(0, table)
    document.save(tmp_path / "adresses.docx")
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profil'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(tmp_path / "adresses.docx")], check=True,
                   capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", str(tmp_path / "adresses.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    lines = [line.strip() for line in text.splitlines()]
    assert "\u200b" not in text
    assert any(line.endswith("evasconcelos@") for line in lines)
    assert "lillemetropole.fr" in lines or "lillemetropole" in lines  # whole: cut before « .fr » at most


# --- text measures, made faster (issue 23): the former per-character loop and column scan, kept as references ---

def _former_text_width(text, half_points, bold):
    """The width of a line as `_text_width` worked it out character by character before issue 23."""
    thousandths = 0
    for char in text:
        if char == "\u200b":
            continue
        if char in " \u00a0\u202f\t":
            thousandths += 230
        elif char in "fijlrtI.,;:'’!|()[]-/ ":
            thousandths += 300
        elif char in "mwMWŒœÆæ@%":
            thousandths += 850
        elif char.isdigit():
            thousandths += 510
        elif char.isupper():
            thousandths += 600
        else:
            thousandths += 500
    return int(thousandths * half_points * 10 / 1000 * (1.04 if bold else 1) * 1.04) + 1


def _former_column_needs(rows, count, margins, measure):
    """`_column_needs` as it was before issue 23: one running maximum per column, cell by cell."""
    from generator.wordml.writer import ColumnNeeds

    needs = ColumnNeeds([0] * count, [0] * count, [0] * count, [0] * count)
    spanning = []
    for row in rows:
        column = 0
        for cell, span in row:
            cell_needs = measure(cell)
            if span == 1 and column < count:
                needs.minimums[column] = max(needs.minimums[column], cell_needs.word + margins)
                needs.wishes[column] = max(needs.wishes[column], cell_needs.line + margins)
                needs.pieces[column] = max(needs.pieces[column], cell_needs.piece + margins)
                if cell_needs.amount:
                    needs.amounts[column] = max(needs.amounts[column], cell_needs.amount + margins)
            elif span > 1:
                spanning.append((column, span, cell_needs.word + margins, cell_needs.piece + margins))
            column += span
    for column, span, word, piece in spanning:
        for wanted, columns in ((word, needs.minimums), (piece, needs.pieces)):
            covered = columns[column : column + span]
            if sum(covered) < wanted:
                for c in range(column, min(column + span, count)):
                    columns[c] += (wanted - sum(covered)) // len(covered) + 1
    return needs


def test_text_width_is_the_former_character_loop():
    from hypothesis import given, strategies as st

    from generator.wordml.writer import _text_width

    @given(st.text(alphabet="aAzZ0 9.,;:'’!|()[]-/mwMWŒœ@%\u00a0\u202f\t\u200béÉ\u0663\u2167x", max_size=30),
           st.integers(min_value=1, max_value=60), st.booleans())
    def check(text, half_points, bold):
        assert _text_width(text, half_points, bold) == _former_text_width(text, half_points, bold)

    check()


def test_column_needs_are_the_former_scans():
    from hypothesis import given, strategies as st

    from generator.wordml.writer import CellNeeds, _column_needs

    needs = st.builds(CellNeeds, *[st.integers(min_value=0, max_value=3000)] * 4)
    cell = st.tuples(needs, st.integers(min_value=0, max_value=3))

    @given(st.lists(st.lists(cell, max_size=5), max_size=5), st.integers(min_value=1, max_value=6),
           st.integers(min_value=-300, max_value=400))
    def check(rows, count, margins):
        table = {(r, i): n for r, row in enumerate(rows) for i, (n, _) in enumerate(row)}  # cells by their place
        keyed = [[((r, i), span) for i, (_, span) in enumerate(row)] for r, row in enumerate(rows)]
        assert _column_needs(keyed, count, margins, table.__getitem__) == \
            _former_column_needs(keyed, count, margins, table.__getitem__)

    check()


def _former_plain_column_needs(rows, count, margins):
    """`_plain_column_needs` as it was before session 5's second pass: the reference's column scans, every cell
    spanning one column and measured as itself."""
    from . import tables_reference as former

    return former.column_needs([[(needs, 1) for needs in row] for row in rows], count, margins, lambda needs: needs)


def test_plain_column_needs_are_the_former_scans_on_square_and_ragged_rows():
    from hypothesis import given, strategies as st

    from generator.wordml.writer import CellNeeds, _plain_column_needs

    width = st.sampled_from([0, 0, 1, 3000]) | st.integers(min_value=0, max_value=3000)  # often none (0)
    needs = st.builds(CellNeeds, width, width, width, width)

    @given(st.integers(min_value=1, max_value=5).flatmap(
        lambda count: st.tuples(st.just(count), st.lists(st.lists(needs, min_size=1, max_size=count), min_size=1,
                                                         max_size=5))),
           st.booleans(), st.integers(min_value=-300, max_value=400))
    def check(table, square, margins):
        count, rows = table
        if square:  # every row as wide as the table: the columns are its rows transposed
            rows = [(row * count)[:count] for row in rows]
        count = max(len(row) for row in rows)
        assert _plain_column_needs(rows, count, margins) == _former_plain_column_needs(rows, count, margins)

    check()


def test_a_styles_size_is_the_first_entry_of_that_style_else_the_first_entry():
    from hypothesis import given, strategies as st

    from generator.wordml.writer import TableFitting

    def former_size_of(sizes, style_id):  # the scan `size_of` was before session 5's second pass
        for style, size, bold in sizes:
            if style == style_id:
                return size, bold
        return (sizes[0][1], sizes[0][2]) if sizes else (22, False)

    style = st.sampled_from([None, "Cellule", "Celluleentete", "Inconnu"])

    @given(st.lists(st.tuples(style, st.integers(min_value=1, max_value=60), st.booleans()), max_size=5), style)
    def check(sizes, style_id):
        fitting = TableFitting(9638, tuple(sizes))
        assert fitting.size_of(style_id) == former_size_of(sizes, style_id)

    check()
    assert TableFitting(600, ((None, 16, False), ("E", 20, True), ("E", 30, False))).size_of("E") == (20, True)
    assert TableFitting(600, ((None, 16, False),)).size_of("X") == (16, False)
    assert TableFitting(600, ()).size_of(None) == (22, False)


# --- fitting and page flow made faster (issue 23, session 5): the former code as the reference ---------------

_WORDS = ["Libellé", "Montant", "0\u00a0€", "1\u202f250\u202f000\u00a0€", "Dépenses HT", "BUDGET", "d’aménagement",
          "Acquisition", "et", "travaux", "sud-est", "2021-2026", "evasconcelos@lillemetropole.fr",
          "https://www.exemple.fr/a/b", "www.exemple.fr", "A&amp;B", "&lt;x&gt;", "", " ", "\u00a0", "\t", "\u200b",
          "mmmmmmmmmmmmmmmmmmmmmmmmmmmm"]
_STYLES = ["Cellule", "Celluleentete", "Cellulemontant", "Inconnu"]
NS_TABLE = NS


def _generated_runs(draw, st):
    runs = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        kind = draw(st.sampled_from(["t", "t", "t", "tpreserve", "br", "tab", "bookmark"]))
        if kind.startswith("t"):
            text = " ".join(draw(st.lists(st.sampled_from(_WORDS), max_size=6)))
            attributes = ' xml:space="preserve"' if kind == "tpreserve" else ""
            runs.append(f"<w:r><w:t{attributes}>{text}</w:t></w:r>")
        elif kind == "bookmark":
            runs.append('<w:bookmarkStart w:id="1" w:name="b"/><w:bookmarkEnd w:id="1"/>')
        else:
            runs.append(f"<w:r><w:{kind}/></w:r>")
    return "".join(runs)


def _generated_paragraph(draw, st):
    shape = draw(st.sampled_from(["plain", "styled", "styled", "empty", "attributes", "emptyprops", "kept", "tabs"]))
    style = draw(st.sampled_from(_STYLES))
    runs = _generated_runs(draw, st)
    return {"plain": f"<w:p>{runs}</w:p>",
            "styled": f'<w:p><w:pPr><w:pStyle w:val="{style}"/><w:jc w:val="right"/></w:pPr>{runs}</w:p>',
            "empty": "<w:p/>",
            "attributes": f'<w:p w:rsidR="00A1"><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{runs}</w:p>',
            "emptyprops": f"<w:p><w:pPr/>{runs}</w:p>",
            "kept": f'<w:p><w:pPr><w:pStyle w:val="{style}"/><w:keepNext/></w:pPr>{runs}</w:p>',
            "tabs": f'<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="10"/></w:tabs></w:pPr>{runs}</w:p>'}[shape]


def _generated_table(draw, st) -> str:
    """A rendered table as a template writes it, and some of the odd shapes the text path must hand over."""
    columns = draw(st.integers(min_value=1, max_value=4))
    rows = []
    for index in range(draw(st.integers(min_value=1, max_value=6))):
        header = index < draw(st.integers(min_value=0, max_value=2))
        cells, column = [], 0
        while column < columns:
            span = draw(st.integers(min_value=1, max_value=min(3, columns - column + 1)))
            column += span
            shape = draw(st.sampled_from(["usual"] * 8 + ["no width", "width after", "two widths", "no props",
                                                          "nested"]))
            width = '<w:tcW w:type="dxa" w:w="1000"/>'
            grid_span = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
            paragraphs = "".join(_generated_paragraph(draw, st)
                                 for _ in range(draw(st.integers(min_value=1, max_value=3))))
            properties = {"usual": f"<w:tcPr>{width}{grid_span}</w:tcPr>",
                          "no width": f"<w:tcPr>{grid_span}</w:tcPr>",
                          "width after": f"<w:tcPr>{grid_span}</w:tcPr>{width}",
                          "two widths": f"<w:tcPr>{width}{grid_span}{width}</w:tcPr>",
                          "no props": width,
                          "nested": f"<w:tcPr>{width}{grid_span}</w:tcPr><w:tbl><w:tblPr/></w:tbl>"}[shape]
            cells.append(f"<w:tc>{properties}{paragraphs}</w:tc>")
        properties = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header else ""
        rows.append(f"<w:tr>{properties}{''.join(cells)}</w:tr>")
    margins = draw(st.sampled_from(["", '<w:tblCellMar><w:left w:w="60"/><w:right w:w="60"/></w:tblCellMar>']))
    layout = draw(st.sampled_from(["", '<w:tblLayout w:type="autofit"/>']))
    return (f'<w:tbl><w:tblPr><w:tblStyle w:val="T"/><w:tblW w:type="auto" w:w="0"/>{layout}{margins}'
            f'<w:tblLook w:val="04A0"/></w:tblPr><w:tblGrid><w:gridCol w:w="10"/></w:tblGrid>{"".join(rows)}'
            "</w:tbl>")


def _assert_as_the_former_code(xml: str, fitting: TableFitting, page_height: int | None) -> None:
    """The fitted table and its kept rows are the former code's, whatever the caches hold (the page flow reading
    what the fitting read of the cells, then reading the table's XML)."""
    from generator.wordml import flow
    from generator.wordml.flow import keep_table_rows

    from . import tables_reference as former

    fitted = fit_table_text(xml, fitting)
    try:
        assert fitted == former.fit_table_text(xml, fitting)
    except StopIteration:  # a cell with two widths: the former code failed, the tree fits it now
        assert fitted is None
    if fitted is None:
        fitted = fit_tables(parse_body(xml, NS_TABLE), fitting)
    expected = former.keep_table_rows(fitted, fitting, page_height)
    assert keep_table_rows(fitted, fitting, page_height) == expected
    flow._kept_table_rows.cache_clear()  # read again from its XML
    assert keep_table_rows(fitted, fitting, page_height) == expected


def test_fitted_tables_and_their_kept_rows_are_the_former_codes_on_generated_tables():
    from hypothesis import given, strategies as st

    fittings = st.sampled_from([TableFitting(9638, ((None, 21, False), ("Cellule", 16, False),
                                                    ("Celluleentete", 16, True), ("Cellulemontant", 16, False))),
                                TableFitting(3000, ((None, 18, False), ("Celluleentete", 44, True))),
                                TableFitting(600, ())])

    @given(st.data(), fittings, st.sampled_from([None, 13958, 2000, 400]))
    def check(data, fitting, page_height):
        _assert_as_the_former_code(_generated_table(data.draw, st), fitting, page_height)

    check()


def test_fitted_tables_and_their_kept_rows_are_the_former_codes_on_content_and_an_own_prose_corpus(
        tmp_path, monkeypatch):
    """Every table the documents of content/ and of two own-prose contracts render, as the build renders it."""
    from bench.make_corpus import make_corpus

    from generator.caches import clear_text_caches
    from generator.pipeline import build, contract_roots
    from generator.wordml.writer import DocumentWriter

    from ..conftest import REAL_CONTENT

    tables = {}
    treated = DocumentWriter._treated

    def recording(self, xml, what, *args):
        if what == "tableau":
            tables.setdefault((xml, *args), None)
        return treated(self, xml, what, *args)

    monkeypatch.setattr(DocumentWriter, "_treated", recording)
    roots = [*contract_roots(REAL_CONTENT), *make_corpus(tmp_path / "corpus", 2)]
    build(roots, tmp_path / "sortie", formats=("docx",))
    assert len(tables) > 150
    clear_text_caches()
    for xml, fitting, *height in tables:
        _assert_as_the_former_code(xml, TableFitting.parse(fitting), int(height[0]) if height else None)


def test_the_text_of_cells_is_the_former_reading():
    from hypothesis import given, strategies as st

    from generator.wordml.writer import _TEXT_PARAGRAPH, cell_paragraphs

    from . import tables_reference as former

    pieces = ["<w:p>", "</w:p>", "<w:p/>", '<w:p w:a="1">', '<w:p w:a="1"/>', "<w:p >", "<w:p />", "<w:pPr>",
              '<w:pStyle w:val="E"/>', "<w:r><w:t>mot</w:t></w:r>", '<w:t xml:space="preserve"> a </w:t>', "<w:br/>",
              '<w:tab w:val="left"/>', "<w:tabs>", "&amp;", "<", ">", "/", "x", "</w:p", "<w:p"]

    @given(st.lists(st.sampled_from(pieces), max_size=14))
    def check(parts):
        cell = "".join(parts)
        assert _TEXT_PARAGRAPH.findall(cell) == former._TEXT_PARAGRAPH.findall(cell)
        assert list(cell_paragraphs(cell)) == list(former.cell_paragraphs(cell))

    check()


def test_line_needs_and_cell_heights_are_the_former_measures():
    from hypothesis import given, strategies as st

    from generator.wordml.flow import _cell_height
    from generator.wordml.writer import _line_needs

    from . import tables_reference as former

    fitting = TableFitting(9638, ((None, 21, False), ("Cellule", 16, False), ("Celluleentete", 16, True)))

    @given(st.lists(st.sampled_from(_WORDS + ["-", "--", "a-", "-b"]), max_size=8), st.integers(1, 40),
           st.booleans())
    def check_line(words, size, bold):
        line = " ".join(words).strip()
        if line:
            assert _line_needs(line, size, bold) == former.line_needs(line, size, bold)

    @given(st.data(), st.integers(min_value=-300, max_value=6000))
    def check_cell(data, width):
        paragraphs = "".join(_generated_paragraph(data.draw, st)
                             for _ in range(data.draw(st.integers(min_value=1, max_value=3))))
        cell = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr>{paragraphs}'
        assert _cell_height(cell, fitting) == former.cell_height(cell, fitting)

    check_line()
    check_cell()


def test_a_table_too_large_to_keep_is_fitted_and_kept_together_as_the_former_code_and_not_kept():
    """A table of more than KEPT_TABLE_CHARACTERS (a 1000-fiche contract's maquette) gives the former code's
    result, and neither its fitting nor its page flow stays in the contract's caches."""
    from generator.caches import clear_text_caches
    from generator.wordml import flow, writer

    from . import tables_reference as former

    fitting = TableFitting(9638, ((None, 21, False), ("Cellule", 16, False)))
    row = ('<w:tr><w:tc><w:tcPr><w:tcW w:w="100" w:type="dxa"/></w:tcPr><w:p><w:r><w:t>Fiche {n} : aménagement '
           'du site</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:tcW w:w="100" w:type="dxa"/></w:tcPr><w:p><w:r>'
           '<w:t>{n}\u202f000\u00a0€</w:t></w:r></w:p></w:tc></w:tr>')
    head = ('<w:tbl><w:tblPr><w:tblStyle w:val="T"/><w:tblW w:type="auto" w:w="0"/><w:tblLook w:val="04A0"/>'
            '</w:tblPr><w:tblGrid><w:gridCol w:w="10"/></w:tblGrid>')
    large = head + "".join(row.format(n=n) for n in range(400)) + "</w:tbl>"
    small = head + "".join(row.format(n=n) for n in range(3)) + "</w:tbl>"
    assert len(small) < writer.KEPT_TABLE_CHARACTERS < len(large)
    clear_text_caches()
    for xml in (large, small):
        fitted = fit_table_text(xml, fitting)
        assert fitted == former.fit_table_text(xml, fitting)
        assert flow.keep_table_rows(fitted, fitting, 2000) == former.keep_table_rows(fitted, fitting, 2000)
    assert writer._fitted_table_text.cache_info().currsize == 1  # the small one only
    assert flow._kept_table_rows.cache_info().currsize == 1
    clear_text_caches()
