"""The redline of two versions of a document: tracked changes, the new document's other parts as they were."""

import datetime as dt
import io
import zipfile

from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from generator.wordml.redline import redline

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
