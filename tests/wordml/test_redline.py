"""The redline of two versions of a document: tracked changes, the new document's other parts as they were."""

import datetime as dt
import io
import zipfile

from docx import Document

from generator.wordml.redline import redline

WHEN = dt.datetime(2022, 3, 15)


def docx_of(*paragraphs: str, settings: bool = True) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    if settings:
        return buffer.getvalue()
    source, target = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for name in source.namelist():
            if name != "word/settings.xml":
                archive.writestr(name, source.read(name))
    return target.getvalue()


def part(docx: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(docx)).read(name).decode("utf-8")


def test_changes_are_tracked_and_word_keeps_tracking():
    old, new = docx_of("Le délai est de six mois."), docx_of("Le délai est de sept mois.")
    marked = redline(old, new, author="Paraphe", when=WHEN)
    body = part(marked, "word/document.xml")
    assert "six" in body and "sept" in body and "<w:del " in body and "<w:ins " in body
    assert "trackRevisions" in part(marked, "word/settings.xml")
    unchanged = [n for n in zipfile.ZipFile(io.BytesIO(new)).namelist() if n not in ("word/document.xml",
                                                                                      "word/settings.xml")]
    assert all(part(marked, n) == part(new, n) for n in unchanged if n.endswith(".xml"))


def test_a_document_without_settings_gets_its_marks_all_the_same():
    old, new = docx_of("Un.", "Deux."), docx_of("Un.", "Trois.", settings=False)
    marked = redline(old, new, author="Paraphe", when=WHEN)
    assert "<w:ins " in part(marked, "word/document.xml")
    assert "word/settings.xml" not in zipfile.ZipFile(io.BytesIO(marked)).namelist()
