"""The redline of two versions of a document: tracked changes, the new document's other parts as they were."""

import datetime as dt
import io
import zipfile

from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from generator.wordml.redline import phrase_changes, redline

WHEN = dt.datetime(2022, 3, 15)


def docx_of(*paragraphs: str, settings: bool = True, track_revisions: bool = False) -> bytes:
    """Return a small document; without settings, its settings part, relationship and content type are gone."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if track_revisions:
        etree.SubElement(document.settings.element, qn("w:trackRevisions"))
    buffer = io.BytesIO()
    document.save(buffer)
    if settings:
        return buffer.getvalue()
    source, target = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name in ("word/_rels/document.xml.rels", "[Content_Types].xml"):
                root = etree.fromstring(data)
                for element in list(root):
                    if "settings" in (element.get("Target") or element.get("PartName") or ""):
                        root.remove(element)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            if name != "word/settings.xml":
                archive.writestr(name, data)
    return target.getvalue()


def members(docx: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(docx))
    return {name: archive.read(name) for name in archive.namelist()}


def test_changes_are_tracked_the_other_parts_kept_and_word_keeps_tracking():
    old, new = docx_of("Le délai est de six mois."), docx_of("Le délai est de sept mois.")
    marked = members(redline(old, new, author="Paraphe", when=WHEN))
    body = marked["word/document.xml"].decode("utf-8")
    assert "six" in body and "sept" in body and "<w:del " in body and "<w:ins " in body
    settings = marked.pop("word/settings.xml").decode("utf-8")
    assert settings.count("trackRevisions") == 1
    # in the schema's order: before the elements that follow it (w:defaultTabStop, say), not at the end
    assert settings.index("trackRevisions") < settings.index("defaultTabStop")
    del marked["word/document.xml"]
    original = members(new)
    assert list(marked) == [n for n in original if n not in ("word/document.xml", "word/settings.xml")]
    assert all(marked[name] == original[name] for name in marked)


def test_a_document_already_tracking_changes_is_asked_once():
    old, new = docx_of("Un."), docx_of("Deux.", track_revisions=True)
    settings = members(redline(old, new, author="Paraphe", when=WHEN))["word/settings.xml"].decode("utf-8")
    assert settings.count("trackRevisions") == 1


def test_a_document_without_settings_gets_its_marks_all_the_same():
    old, new = docx_of("Un.", "Deux."), docx_of("Un.", "Trois.", settings=False)
    Document(io.BytesIO(new))  # a valid package
    marked = members(redline(old, new, author="Paraphe", when=WHEN))
    assert "<w:ins " in marked["word/document.xml"].decode("utf-8")
    assert "word/settings.xml" not in marked


# --- what a reader sees: amounts whole, phrases, formats, tables cell by cell ------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def marks(docx: bytes) -> list[tuple[str, str]]:
    """Return the tracked changes of a document's body in order: (« del » or « ins », their text)."""
    body = etree.fromstring(members(docx)["word/document.xml"])
    found = []
    for element in body.iter(f"{W}del", f"{W}ins"):
        if element.getparent().tag == f"{W}rPr" or element.getparent().tag == f"{W}trPr":
            continue  # a paragraph mark or a row
        text = "".join(t.text or "" for t in element.iter(f"{W}t", f"{W}delText"))
        found.append((element.tag[len(W):], text))
    return found


def test_an_amount_is_deleted_and_inserted_whole_with_its_unit():
    old = docx_of("La subvention est de 120\u202f000\u00a0€ en 2022.")
    new = docx_of("La subvention est de 234\u202f000\u00a0€ en 2022.")
    assert marks(redline(old, new, author="Paraphe", when=WHEN)) == [
        ("del", " 120\u202f000\u00a0€"), ("ins", " 234\u202f000\u00a0€")]  # the space before joins both sides


def test_an_amount_whose_every_group_changes_is_one_change():
    old, new = docx_of("Total : 1\u202f800\u202f000\u00a0€"), docx_of("Total : 2\u202f130\u202f000\u00a0€")
    assert marks(redline(old, new, author="Paraphe", when=WHEN)) == [
        ("del", " 1\u202f800\u202f000\u00a0€"), ("ins", " 2\u202f130\u202f000\u00a0€")]


def test_numbers_and_dates_are_tokens_of_their_own():
    old, new = docx_of("Voir la fiche 2.3, signée le 9 juillet 2021."), docx_of("Voir la fiche 2.4, signée le 15 mars 2022.")
    assert marks(redline(old, new, author="Paraphe", when=WHEN)) == [
        ("del", " 2.3"), ("ins", " 2.4"), ("del", " 9 juillet 2021"), ("ins", " 15 mars 2022")]


def test_neighbouring_words_changed_are_one_phrase():
    old = docx_of("Le comité se réunit deux fois par an au siège de la communauté.")
    new = docx_of("Le comité se réunit trois fois par an en préfecture du département.")
    assert marks(redline(old, new, author="Paraphe", when=WHEN)) == [
        ("del", " deux"), ("ins", " trois"),
        ("del", " au siège de la communauté"), ("ins", " en préfecture du département")]


def test_a_changed_paragraph_keeps_the_format_of_its_runs():
    def bold_docx(first: str) -> bytes:
        document = Document()
        paragraph = document.add_paragraph()
        paragraph.add_run(first).bold = True
        paragraph.add_run(" suit le texte.")
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    marked = Document(io.BytesIO(redline(bold_docx("Le titre"), bold_docx("Le nouveau titre"), author="Paraphe",
                                         when=WHEN)))
    body = marked.element.body
    inserted = next(body.iter(f"{W}ins"))
    assert "".join(t.text for t in inserted.iter(f"{W}t")).strip() == "nouveau"
    assert inserted.find(f"{W}r/{W}rPr/{W}b") is not None  # the inserted words are bold like their run
    runs = [(r.text, r.bold) for r in marked.paragraphs[0].runs]
    assert runs == [("Le", True), (" titre", True), (" suit le texte.", None)]  # outside the change


def table_docx(rows: list[list[str]]) -> bytes:
    document = Document()
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_table_is_compared_cell_by_cell_its_unchanged_rows_untouched():
    old = table_docx([["AXE", "N°", "COUT"], ["BOUGER", "2.1", "100\u00a0€"], ["BOUGER", "2.2", "200\u00a0€"],
                      ["HABITER", "3.1", "300\u00a0€"], ["TOTAL", "", "600\u00a0€"]])
    new = table_docx([["AXE", "N°", "COUT"], ["BOUGER", "2.1", "100\u00a0€"], ["BOUGER", "2.2", "250\u00a0€"],
                      ["BOUGER", "2.3", "70\u00a0€"], ["HABITER", "3.1", "300\u00a0€"], ["TOTAL", "", "720\u00a0€"]])
    marked = redline(old, new, author="Paraphe", when=WHEN)
    assert marks(marked) == [("del", "200\u00a0€ "), ("ins", "250\u00a0€"),  # row 2.2: one cell, a deleted space between
                             ("ins", "BOUGER"), ("ins", "2.3"), ("ins", "70\u00a0€"),  # row 2.3, inserted whole
                             ("del", "600\u00a0€ "), ("ins", "720\u00a0€")]  # the total: one cell
    body = etree.fromstring(members(marked)["word/document.xml"])
    rows = list(body.iter(f"{W}tr"))
    inserted_rows = [i for i, row in enumerate(rows) if row.find(f"{W}trPr/{W}ins") is not None]
    assert inserted_rows == [3]  # only the new row is marked as a row; 2.1 and 3.1 carry no mark at all
    assert not list(rows[1].iter(f"{W}ins")) and not list(rows[4].iter(f"{W}del"))


def test_a_paragraph_changed_beside_an_inserted_one_is_compared_not_replaced_whole():
    old = docx_of("Article 1.", "La durée du contrat est de six ans à compter de sa signature.", "Article 2.")
    new = docx_of("Article 1.", "La durée du contrat est de sept ans à compter de sa signature.",
                  "Un bilan est présenté chaque année.", "Article 2.")
    assert marks(redline(old, new, author="Paraphe", when=WHEN)) == [
        ("del", " six"), ("ins", " sept"), ("ins", "Un bilan est présenté chaque année.")]


def test_a_replaced_word_and_its_replacement_are_separated_by_a_space_both_versions_kept():
    """« le ~~six~~ sept mois »: the space before the replacement joins both sides; accepting the revisions
    gives the new text, rejecting them the old one, each with single spaces."""
    old, new = "La durée est de six mois.", "La durée est de sept mois."
    assert phrase_changes(old, new) == [("=", "La durée est de", "La durée est de"), ("~", " six", " sept"),
                                        ("=", " mois.", " mois.")]
    assert phrase_changes("six mois", "sept mois") == [("~", "six ", "sept "), ("=", "mois", "mois")]
    for old, new in (("La durée est de six mois.", "La durée est de sept mois."), ("six", "sept"),
                     ("(600 000 euros par an)", "(renforcé par l’avenant n° 1)")):
        changes = phrase_changes(old, new)
        assert "".join(part for _, part, _ in changes) == old
        assert "".join(part for _, _, part in changes) == new


def test_a_replaced_cell_gets_a_deleted_space_so_that_its_two_amounts_never_touch():
    old = table_docx([["AXE", "COUT"], ["BOUGER", "120\u00a0000\u00a0€"]])
    new = table_docx([["AXE", "COUT"], ["BOUGER", "234\u00a0000\u00a0€"]])
    marked = redline(old, new, author="Paraphe", when=WHEN)
    assert marks(marked) == [("del", "120\u00a0000\u00a0€ "), ("ins", "234\u00a0000\u00a0€")]
    body = etree.fromstring(members(marked)["word/document.xml"])
    cell = list(body.iter(f"{W}tc"))[-1]
    assert "".join(t.text for t in cell.iter(f"{W}t")) == "234\u00a0000\u00a0€"  # accepted: exact


def test_a_changed_heading_keeps_its_bookmark_so_that_the_sommaire_still_finds_its_page():
    def heading_docx(last: str) -> bytes:
        document = Document()
        paragraph = document.add_paragraph()
        start = etree.SubElement(paragraph._p, qn("w:bookmarkStart"), {qn("w:id"): "7", qn("w:name"): "Axe4"})
        paragraph.add_run(f"AXE 4 - RESPIRER (Fiches n° 4.1 à {last})")
        etree.SubElement(paragraph._p, qn("w:bookmarkEnd"), {qn("w:id"): "7"})
        assert start.getparent() is paragraph._p
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    marked = Document(io.BytesIO(redline(heading_docx("4.6"), heading_docx("4.7"), author="Paraphe", when=WHEN)))
    paragraph = marked.element.body.find(f"{W}p")
    children = [child.tag for child in paragraph]
    assert children.count(f"{W}bookmarkStart") == 1 and children.count(f"{W}bookmarkEnd") == 1
    # the bookmark spans the whole heading, its old and its new text
    assert children.index(f"{W}bookmarkStart") < children.index(f"{W}del") < children.index(f"{W}ins") \
        < children.index(f"{W}bookmarkEnd")
    assert paragraph.find(f"{W}bookmarkStart").get(qn("w:name")) == "Axe4"
