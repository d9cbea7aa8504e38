"""Parts edited with lxml alone: the same bytes as python-docx writes, which a build no longer imports."""

import datetime as dt
import zipfile

import pytest
from docx.opc.coreprops import CoreProperties as DocxCoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.ns import nsmap
from docx.oxml.parser import parse_xml

from generator.wordml.parts import CoreProperties, add_restarted_num, parse_part, qn, serialize_part

from ..conftest import ROOT

_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

TEMPLATES = sorted((ROOT / "templates").glob("*/*.docx"))

CORE_PARTS = {
    # as LibreOffice writes it: no xsi declaration, no description, a revision already
    "libreoffice": (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="{_CP}" '
                    f'xmlns:dc="{_DC}" xmlns:dcterms="{_DCTERMS}"><dc:title>Contrat</dc:title>'
                    '<cp:revision>7</cp:revision></cp:coreProperties>').encode(),
    "empty": f'<cp:coreProperties xmlns:cp="{_CP}" xmlns:dc="{_DC}" xmlns:dcterms="{_DCTERMS}"/>'.encode(),
    "spaced": (f'<cp:coreProperties xmlns:cp="{_CP}" xmlns:dc="{_DC}">\n  <dc:creator>Anne</dc:creator>\n'
               '  <dc:subject/>\n</cp:coreProperties>').encode(),
    **{f"{t.parent.name}/{t.name}": zipfile.ZipFile(t).read("docProps/core.xml") for t in TEMPLATES},
}

WHEN = dt.datetime(2026, 3, 1, 9, 30, 5)


@pytest.fixture(autouse=True)
def core_properties_prefix(monkeypatch):
    """python-docx as the engine used it: docxcompose (imported with docxtpl by other tests) binds python-docx's
    "cp" prefix to another namespace, which the engine bound back (`template.docx_template_class`)."""
    monkeypatch.setitem(nsmap, "cp", _CP)


def _stamp(properties) -> None:
    """What `render_docx.stamp` and the templates' property tags set."""
    properties.version = "Paraphe 0.1.0"
    properties.identifier = "a" * 64
    properties.comments = "Contrat « Lens-Liévin », version 2"
    properties.subject = "Contrat « Lens-Liévin », version 2"
    properties.keywords = "Paraphe 0.1.0; sources " + "a" * 64
    properties.author = properties.last_modified_by = "Paraphe"
    properties.created = properties.modified = WHEN
    properties.revision = 1
    properties.title = "CRTE de Lens-Liévin"
    properties.language = "fr-FR"


@pytest.mark.parametrize("name", sorted(CORE_PARTS))
def test_core_properties_are_read_and_written_as_python_docx_does(name):
    xml = CORE_PARTS[name]
    ours, theirs = parse_part(xml), parse_xml(xml)
    for field in ("author", "comments", "identifier", "language", "subject", "title", "keywords", "version"):
        assert getattr(CoreProperties(ours), field) == getattr(DocxCoreProperties(theirs), field)
    _stamp(CoreProperties(ours))
    _stamp(DocxCoreProperties(theirs))
    assert serialize_part(ours) == serialize_part_xml(theirs)


def test_stamped_core_properties_written_out():
    """The bytes written by hand: each property appended in the order it is first set, the two dates typed
    W3CDTF with the xsi namespace declared on the root."""
    part = parse_part(CORE_PARTS["empty"])
    properties = CoreProperties(part)
    properties.title = "Avenant n°1"
    properties.created = WHEN
    properties.revision = 2
    properties.title = "Avenant n° 1"
    assert serialize_part(part).decode() == (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<cp:coreProperties xmlns:cp="{_CP}" xmlns:dc="{_DC}" xmlns:dcterms="{_DCTERMS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Avenant n° 1</dc:title>'
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-03-01T09:30:05Z</dcterms:created>'
        "<cp:revision>2</cp:revision></cp:coreProperties>")


@pytest.mark.parametrize("field, value", [("title", "x" * 256), ("revision", 0), ("revision", "1"),
                                          ("created", dt.date(2026, 3, 1))])
def test_a_property_python_docx_refuses_is_refused_with_its_message(field, value):
    with pytest.raises(ValueError) as ours:
        setattr(CoreProperties(parse_part(CORE_PARTS["empty"])), field, value)
    with pytest.raises(ValueError) as theirs:
        setattr(DocxCoreProperties(parse_xml(CORE_PARTS["empty"])), field, value)
    assert str(ours.value) == str(theirs.value)


def test_an_unknown_property_is_an_error():
    with pytest.raises(AttributeError):
        CoreProperties(parse_part(CORE_PARTS["empty"])).auteur = "Paraphe"
    with pytest.raises(AttributeError):
        CoreProperties(parse_part(CORE_PARTS["empty"])).auteur


NUMBERING_PARTS = {
    "cleanup": (f'<w:numbering xmlns:w="{_W}"><w:abstractNum w:abstractNumId="3"><w:lvl w:ilvl="0"/>'
                '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="3"/></w:num>'
                '<w:numIdMacAtCleanup w:val="1"/></w:numbering>').encode(),
    **{f"{t.parent.name}/{t.name}": zipfile.ZipFile(t).read("word/numbering.xml") for t in TEMPLATES
       if "word/numbering.xml" in zipfile.ZipFile(t).namelist()},
}


@pytest.mark.parametrize("name", sorted(NUMBERING_PARTS))
def test_restarted_lists_are_added_as_python_docx_adds_them(name):
    xml = NUMBERING_PARTS[name]
    ours, theirs = parse_part(xml), parse_xml(xml)
    for num_id, abstract_id in ((41, "3"), (42, "0"), (43, "3")):
        add_restarted_num(ours, num_id, abstract_id)
        num = theirs.add_num(int(abstract_id))
        num.numId = num_id
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
    assert serialize_part(ours) == serialize_part_xml(theirs)


def test_a_restarted_list_written_out():
    part = parse_part(NUMBERING_PARTS["cleanup"])
    add_restarted_num(part, 7, "3")
    assert serialize_part(part).decode().endswith(
        '<w:num w:numId="7"><w:abstractNumId w:val="3"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/>'
        '</w:lvlOverride></w:num><w:numIdMacAtCleanup w:val="1"/></w:numbering>')


def test_qualified_names():
    assert qn("w:p") == f"{{{_W}}}p"
    assert qn("cp:revision") == f"{{{_CP}}}revision"  # the core properties' namespace, whatever docxcompose binds
    assert qn("xml:space") == "{http://www.w3.org/XML/1998/namespace}space"
