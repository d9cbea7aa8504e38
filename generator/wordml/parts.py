"""Parts of a Word package read and written with lxml alone, as python-docx reads and writes them.

Rendering a document changes a few of its template's parts (core properties, numbering, settings) and a redline
parses two bodies: none of it needs python-docx's package and object layers, whose import was some 5 % of the
instructions of a cold build of one contract. The parser, the serialization, the names of new elements and
where they go are python-docx 1.2's (`docx.oxml.parser`, `docx.opc.oxml.serialize_part_xml`,
`docx.oxml.coreprops`, `docx.oxml.numbering`), so that a part comes out byte for byte as it did through
python-docx (`tests/wordml/test_parts.py` compares them).
Compiling a template still reads it through python-docx (styles, relationships): that is done once per version
of the template and kept on disk (`template_cache`).
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

NAMESPACES = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcmitype": "http://purl.org/dc/dcmitype/",
    "dcterms": "http://purl.org/dc/terms/",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "xml": "http://www.w3.org/XML/1998/namespace",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
"""The namespaces of the prefixes the engine names elements with, as python-docx binds them (`docx.oxml.ns`)."""

_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False)  # python-docx's `oxml_parser`


def qn(tag: str) -> str:
    """Return the Clark name (`{namespace}name`) of a prefixed tag or attribute name such as `w:p`."""
    prefix, name = tag.split(":")
    return f"{{{NAMESPACES[prefix]}}}{name}"


def parse_part(xml: bytes | str):
    """Return the root element of a part's XML, parsed as python-docx parses it (blank text between elements
    dropped, entities not resolved)."""
    return etree.fromstring(xml, _PARSER)


def serialize_part(element) -> bytes:
    """Return a part's XML as python-docx stores it: UTF-8, with a standalone declaration."""
    return etree.tostring(element, encoding="UTF-8", standalone=True)


def new_element(tag: str, attributes: dict[str, str] | None = None):
    """Return a new element named by its prefixed tag (`w:footnotePr`), declaring its prefix's namespace (which
    lxml drops once the element is put under a parent that declares it)."""
    prefix = tag.split(":")[0]
    return _PARSER.makeelement(qn(tag), attrib=attributes, nsmap={prefix: NAMESPACES[prefix]})


def _child(parent, tag: str, successors: tuple[str, ...] = ()):
    """Return the first child of `parent` named `tag`, added (before the first of `successors`) when absent."""
    child = parent.find(qn(tag))
    if child is None:
        child = new_element(tag)
        successor = next((s for s in (parent.find(qn(t)) for t in successors) if s is not None), None)
        if successor is not None:
            successor.addprevious(child)
        else:
            parent.append(child)
    return child


class CoreProperties:
    """The core properties of a document (`docProps/core.xml`: File > Properties in Word), read and written as
    python-docx's `CoreProperties` does: a text is at most 255 characters, a date is written in UTC to the
    second, a missing property reads as the empty string."""

    _TEXTS = {"author": "dc:creator", "category": "cp:category", "comments": "dc:description",
              "content_status": "cp:contentStatus", "identifier": "dc:identifier", "keywords": "cp:keywords",
              "language": "dc:language", "last_modified_by": "cp:lastModifiedBy", "subject": "dc:subject",
              "title": "dc:title", "version": "cp:version"}
    _DATES = {"created": "dcterms:created", "modified": "dcterms:modified", "last_printed": "cp:lastPrinted"}

    def __init__(self, element):
        object.__setattr__(self, "element", element)

    def __getattr__(self, name: str):
        tag = self._TEXTS.get(name)
        if tag is None:
            raise AttributeError(name)
        element = self.element.find(qn(tag))
        return "" if element is None or element.text is None else element.text

    def __setattr__(self, name: str, value) -> None:
        if name in self._TEXTS:
            value = value if isinstance(value, str) else str(value)
            if len(value) > 255:
                raise ValueError("exceeded 255 char limit for property, got:\n\n'%s'" % value)
            _child(self.element, self._TEXTS[name]).text = value
        elif name in self._DATES:
            if not isinstance(value, dt.datetime):
                raise ValueError("property requires <type 'datetime.datetime'> object, got %s" % type(value))
            element = _child(self.element, self._DATES[name])
            element.text = value.strftime("%Y-%m-%dT%H:%M:%SZ")
            if name in ("created", "modified"):
                # python-docx sets an attribute of the xsi namespace on the root first, so that lxml declares
                # the namespace there rather than on the element
                self.element.set(qn("xsi:foo"), "bar")
                element.set(qn("xsi:type"), "dcterms:W3CDTF")
                del self.element.attrib[qn("xsi:foo")]
        elif name == "revision":
            if not isinstance(value, int) or value < 1:
                raise ValueError("revision property requires positive int, got '%s'" % value)
            _child(self.element, "cp:revision").text = str(value)
        else:
            raise AttributeError(name)


def add_restarted_num(numbering, num_id: int, abstract_id: str) -> None:
    """Add to a numbering part's root a numbering instance `num_id` of the abstract numbering `abstract_id`
    whose first level starts again at 1 (python-docx's `add_num`, `add_lvlOverride`, `add_startOverride`)."""
    num = new_element("w:num", {qn("w:numId"): str(num_id)})
    num.append(new_element("w:abstractNumId", {qn("w:val"): str(int(abstract_id))}))
    cleanup = numbering.find(qn("w:numIdMacAtCleanup"))
    if cleanup is not None:
        cleanup.addprevious(num)
    else:
        numbering.append(num)
    override = new_element("w:lvlOverride", {qn("w:ilvl"): "0"})
    num.append(override)
    override.append(new_element("w:startOverride", {qn("w:val"): "1"}))
