"""The rendered CRTE read back as a user would: its text, its tables, its fields."""

import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from docx import Document

from generator.pipeline import build

from .conftest import main_document, REAL_CONTENT, docx_paragraphs, docx_xml


@pytest.fixture(scope="module")
def lens_lievin_docx(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("output")
    path = main_document(build([REAL_CONTENT / "crte-lens-lievin"], output_dir))
    return path


def amount(text: str) -> Decimal | None:
    """Read back an amount printed « 9 161 357 € »; None for an empty cell or a marker."""
    match = re.fullmatch(r"([\d\u202f]+(?:,\d\d)?)\u00a0€", text.strip())
    return Decimal(match.group(1).replace("\u202f", "").replace(",", ".")) if match else None


def test_no_markup_or_template_tag_is_left(lens_lievin_docx):
    text = "\n".join(docx_paragraphs(lens_lievin_docx))
    for leftover in ("**", "{{", "{%", "^{", "%}", "}}"):
        assert leftover not in text, leftover


def test_the_document_reads_as_the_contract(lens_lievin_docx):
    text = "\n".join(docx_paragraphs(lens_lievin_docx))
    assert "Article 1er – Objet du contrat" in text
    assert "Article 2 – Ambition du territoire de Lens-Liévin" in text
    assert "4.1. Intégration des contractualisations et programmes de l\u2019État" in text
    assert "Fait à Lens en 3 exemplaires, le 9 juillet 2021" in text
    assert "Entre\u00a0:" in text
    assert ("La Communauté d\u2019Agglomération de Lens-Liévin (ci-après désignée «\u00a0CALL\u00a0»), représentée "
            "par son Président, M. Sylvain ROBERT, dûment habilité par délibération du conseil communautaire "
            "en date du 16 juin 2021.") in text
    assert "Numéro de projet\u00a0: 1.6" in text  # computed, though the seed prints 1.9
    assert "AXE 2 - BOUGER (Fiches n°\u00a02.1 et 2.2)" in text


def test_maquette_has_a_row_per_fiche_and_sums_of_the_fiches(lens_lievin_docx):
    document = Document(str(lens_lievin_docx))
    tables = document.tables
    maquette = next(t for t in tables if t.rows[0].cells[0].text == "ENJEU")
    rows = [[c.text for c in r.cells] for r in maquette.rows]
    header, body, total = rows[0], rows[1:-1], rows[-1]
    # a column per year of the échéanciers (2021 to 2026), then their total
    assert header[5:12] == ["COÛT 2021", "COÛT 2022", "COÛT 2023", "COÛT 2024", "COÛT 2025", "COÛT 2026",
                            "COÛT TOTAL 2021-2027"]
    assert len(body) == 27
    assert [r[1] for r in body][:3] == ["1.1", "1.2", "1.3"]
    assert total[0] == "TOTAL"

    # Each fiche's échéancier, read back from the document: its DÉPENSES line gives the maquette's costs
    # (where the fiche has words instead of an amount, « A évaluer », both show the words, never « 0 € »; a year
    # the fiche leaves empty is empty in the maquette, 0 € on the DÉPENSES line, as a spreadsheet sums it).
    echeanciers = [t for t in tables if t.rows[0].cells[0].text == "ÉCHÉANCIER DES CP DU PROJET"]
    assert len(echeanciers) == 27
    markers = 0
    for row, echeancier in zip(body, echeanciers):
        depenses = [c.text for c in echeancier.rows[1].cells]
        assert depenses[0] == "DÉPENSES"
        pairs = [(row[5 + year], depenses[2 + year]) for year in range(6)] + [(row[11], depenses[1])]
        for maquette_cell, fiche_cell in pairs:
            if not maquette_cell:
                assert fiche_cell in ("0\u00a0€", "À évaluer", "Pour mémoire"), row[1]
            else:
                assert maquette_cell == fiche_cell, row[1]
                markers += amount(maquette_cell) is None
    assert markers >= 5  # « Pour mémoire », « À évaluer »… stay words
    for column in range(5, 12):
        expected = sum((amount(r[column]) or Decimal(0) for r in body), Decimal(0))
        assert amount(total[column]) == expected
    # the 2026 costs are in the maquette: the three years after 2023 add up to more than 30 million
    assert sum(amount(total[column]) for column in (8, 9, 10)) > Decimal(30_000_000)
    assert amount(total[11]) > Decimal(100_000_000)


def test_fiche_tables_have_their_totals(lens_lievin_docx):
    document = Document(str(lens_lievin_docx))
    budgets = [t for t in document.tables if t.rows[0].cells[0].text.startswith("BUDGET D\u2019INVESTISSEMENT")]
    assert len(budgets) == 27
    cyclable = budgets[9]  # fiche 2.1
    lines = [[c.text for c in r.cells] for r in cyclable.rows]
    assert lines[-1][0] == "Total"
    depenses = [amount(l[1]) for l in lines[3:-1] if amount(l[1]) is not None]
    assert amount(lines[-1][1]) == sum(depenses) == Decimal(9705637)


def test_sommaire_and_page_numbers_are_fields(lens_lievin_docx):
    body = docx_xml(lens_lievin_docx)
    assert 'TOC \\o "1-3"' in body
    footers = [docx_xml(lens_lievin_docx, f"word/footer{i}.xml") for i in (1,)]
    assert any(" PAGE " in f for f in footers)
    settings = docx_xml(lens_lievin_docx, "word/settings.xml")
    assert "updateFields" in settings
    # in the schema's order (Word expects it): before w:compat, not at the end where python-docx would append it
    assert settings.index("<w:updateFields") < settings.index("<w:compat")
    text = docx_paragraphs(lens_lievin_docx)
    start = text.index("SOMMAIRE")
    assert "Article 1er – Objet du contrat" in text[start:start + 80]


def test_fixture_contract_renders_with_its_own_data(contract_dir, tmp_path):
    path = main_document(build([contract_dir], tmp_path / "out"))
    text = "\n".join(docx_paragraphs(path))
    assert "Anne MARTIN" in text and "n°\u00a02017-1234" in text and "1er juin 2017" in text
    assert "Fiches n°\u00a01.1 et 1.2" in text
    assert "**" not in text


def test_every_docx_of_a_docx_only_build_is_valid_and_its_sommaire_guesses_no_page(tmp_path):
    """A build without PDF or ODT does not lay documents out: its sommaire links every heading, prints no page
    number, and asks Word to fill them in; openxml-audit finds no error in any of its documents."""
    from openxml_audit import OpenXmlValidator, ValidationSeverity

    slugs = ["crte-lens-lievin", "accord-cadre-region-mel", "annexe-aap-contrat-de-ville", "programme-travail-2022",
             "communique-mel-caph"]
    written = [p for p in build([REAL_CONTENT / slug for slug in slugs], tmp_path) if p.suffix == ".docx"]
    assert len(written) == 10  # five contracts, the CRTE's annexes and its avenant's four documents
    for path in written:
        errors = [e for e in OpenXmlValidator().validate(str(path)).errors if e.severity == ValidationSeverity.ERROR]
        assert not errors, (path, [e.description for e in errors[:3]])
    contract = tmp_path / "crte-lens-lievin" / "contrat.docx"
    body = docx_xml(contract)
    links = re.findall(r'<w:hyperlink w:anchor="(_Toc\d{8})"[^>]*>(.*?)</w:hyperlink>', body)
    assert len(links) > 40
    assert "PAGEREF" not in body and not any("<w:tab/>" in entry for _, entry in links)
    bookmarks = set(re.findall(r'<w:bookmarkStart w:id="\d+" w:name="(_Toc\d{8})"/>', body))
    assert {anchor for anchor, _ in links} == bookmarks
    assert "<w:updateFields" in docx_xml(contract, "word/settings.xml")


def test_the_provenance_is_written_in_the_core_properties_namespace(lens_lievin_docx):
    """docxcompose (imported by docxtpl) rebinds python-docx's « cp » prefix: the stamp must not follow it."""
    core = docx_xml(lens_lievin_docx, "docProps/core.xml")
    assert "custom-properties" not in core
    assert re.search(r"<cp:keywords>Paraphe [\d.]+; sources [0-9a-f]{64}</cp:keywords>", core)
    assert re.search(r"<cp:version>Paraphe [\d.]+</cp:version>", core)


# --- Tables, signatures and French form of the real outputs ------------------------------------------------

HEADER_STYLES = ("Celluleentete", "Celluledenseentete")


def _tables(path):
    from xml.etree import ElementTree as ET

    from .conftest import W

    root = ET.fromstring(docx_xml(path))
    return W, [t for t in root.iter(W + "tbl")]


def test_every_header_row_repeats_and_no_row_breaks_across_pages(lens_lievin_docx):
    W, tables = _tables(lens_lievin_docx)
    header_rows = 0
    for table in tables:
        rows = table.findall(W + "tr")
        for row in rows:
            assert row.find(f"{W}trPr/{W}cantSplit") is not None
        leading = 0
        for row in rows:
            styles = {s.get(W + "val") for s in row.iter(W + "pStyle")}
            if not styles or not styles <= set(HEADER_STYLES):
                break
            leading += 1
        for row in rows[:leading]:  # every header row at the top of a table repeats on the next page
            assert row.find(f"{W}trPr/{W}tblHeader") is not None
        header_rows += leading
    # 27 fiches × (budgets 3 + 3, échéancier 1, financements 1), and the maquette's header row
    assert header_rows == 27 * 8 + 1


def test_tables_have_a_fixed_layout_within_the_text_width(lens_lievin_docx):
    W, tables = _tables(lens_lievin_docx)
    for table in tables:
        width = int(table.find(f"{W}tblPr/{W}tblW").get(W + "w"))
        assert table.find(f"{W}tblPr/{W}tblLayout").get(W + "type") == "fixed"
        assert sum(int(c.get(W + "w")) for c in table.iter(W + "gridCol")) == width
        # A4 portrait with 2 cm margins (9 638 twips), or the maquette's landscape page with 1.5 cm margins
        assert width in (9638, 16838 - 2 * 850)


def test_the_signature_block_is_a_table_of_one_column_per_party_the_names_on_one_line(lens_lievin_docx):
    W, tables = _tables(lens_lievin_docx)
    [signatures] = [t for t in tables if any(s.get(W + "val") == "Signaturepour" for s in t.iter(W + "pStyle"))]
    offices, rooms = signatures.findall(W + "tr")

    def texts(row):
        return ["\n".join("".join(t.text or "" for t in p.iter(W + "t")) for p in c.iter(W + "p"))
                for c in row.findall(W + "tc")]
    # the offices in a first row, the room to sign and the names in a second: however many lines an office
    # takes, both names start on the same line (the CALL's office is three lines, the État's one)
    assert texts(offices) == ["Pour l\u2019État,\nLe Préfet du Pas-de-Calais,",
                              "Pour la Communauté d\u2019Agglomération de Lens-Liévin,\nLe Président de la "
                              "Communauté\nd\u2019Agglomération de Lens-Liévin,\nMaire de Lens,"]
    # the empty line before the name: the top of the room to sign, where its anchor is (wordml.signature)
    assert texts(rooms) == ["\nLouis LE FRANC", "\nSylvain ROBERT"]
    for index, cell in enumerate(rooms.findall(W + "tc"), start=1):
        room, name = list(cell.iter(W + "p"))
        assert [b.get(W + "name") for b in room.iter(W + "bookmarkStart")] == [f"ParapheSignatureHaut{index}"]
        assert [b.get(W + "name") for b in name.iter(W + "bookmarkStart")] == [f"ParapheSignatureBas{index}"]
    for row in (offices, rooms):
        assert row.find(f"{W}trPr/{W}cantSplit") is not None
    # the offices stay on the page where the room to sign is
    assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in offices.iter(W + "p"))
    # an office's lines read as one block, with no space between them
    styles = ET.fromstring(docx_xml(lens_lievin_docx, "word/styles.xml"))
    [signature] = [s for s in styles.iter(W + "style") if s.get(W + "styleId") == "Signature"]
    assert signature.find(f"{W}pPr/{W}spacing").get(W + "after") == "0"


def test_french_form_of_the_contract(lens_lievin_docx, contract_dir, tmp_path):
    text = "\n".join(docx_paragraphs(lens_lievin_docx))
    assert "241\u202f934 habitants" in text  # typed « 241 934 habitants » with a plain space
    assert "PREMIÈRE PARTIE" in text and "CONTRAT DE RELANCE ET DE TRANSITION ÉCOLOGIQUE" in text
    assert "la 1re tranche" in text and "1ère" not in text
    xml = docx_xml(lens_lievin_docx)
    # « Article 1er »: the letters raised
    assert re.search(r'<w:t xml:space="preserve">Article 1</w:t></w:r><w:r><w:rPr><w:vertAlign '
                     r'w:val="superscript"/></w:rPr><w:t xml:space="preserve">er</w:t>', xml)
    # a woman represents the party: « dûment habilitée », the body's article from its name
    essai = main_document(build([contract_dir], tmp_path / "out"))
    essai_text = "\n".join(docx_paragraphs(essai))
    assert ("représentée par sa Présidente, Mme Anne MARTIN, dûment habilitée par délibération du conseil "
            "communautaire n°\u00a02017-1234 en date du 1er juin 2017.") in essai_text
    # the three years of the échéanciers each have their column in the maquette
    maquette = next(t for t in Document(str(essai)).tables if t.rows[0].cells[0].text == "ENJEU")
    assert [c.text for c in maquette.rows[0].cells][5:9] == ["COÛT 2021", "COÛT 2022", "COÛT 2023",
                                                             "COÛT TOTAL 2021-2023"]
    assert [c.text for c in maquette.rows[-1].cells][5:9] == ["112\u202f345\u00a0€", "80\u202f000\u00a0€",
                                                              "1\u202f000\u00a0€", "193\u202f345\u00a0€"]


def test_a_marker_starting_with_the_preposition_prints_its_accented_capital(lens_lievin_docx):
    """The seed types « A évaluer », « A rechercher »: the document prints the preposition as French writes it
    (« À évaluer »), in the fiches' échéanciers as in the maquette."""
    text = "\n".join(docx_paragraphs(lens_lievin_docx))
    assert "A évaluer" not in text and "A rechercher" not in text
    assert text.count("À évaluer") >= 20 and "À rechercher" in text
