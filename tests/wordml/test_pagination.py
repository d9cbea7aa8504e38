"""The sommaire's links and bookmarks, and the page numbers written into a rendered document once laid out."""

import io
import re
import zipfile
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from generator.wordml.pagination import paginate, sommaire_ranks, zip_time

from .test_template import CONTEXT, W, _bytes, render, template_path  # noqa: F401 - the fixture is shared


def part(data: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode()


def entries(document_xml: str) -> list[tuple[str, list[str], str]]:
    """Return, per sommaire entry: its anchor, its title (the text of the runs before its tab: a superscript
    « er » is a run of its own) then the texts of the runs from the tab on, and the instruction of its field."""
    root = etree.fromstring(document_xml.encode())
    out = []
    for link in root.iter(f"{W}hyperlink"):
        if not link.get(f"{W}anchor"):
            continue
        runs = list(link.iter(f"{W}r"))
        tab_at = next((i for i, r in enumerate(runs) if r.find(f"{W}tab") is not None), len(runs))
        texts = ["".join(t for r in runs[:tab_at] for t in r.itertext(f"{W}t")),
                 *("".join(r.itertext(f"{W}t")) for r in runs[tab_at:])]
        out.append((link.get(f"{W}anchor"), texts, "".join(link.itertext(f"{W}instrText"))))
    return out


def superscripts(document_xml: str) -> list[str]:
    """Return the texts of the sommaire's runs in superscript, in order."""
    root = etree.fromstring(document_xml.encode())
    return ["".join(r.itertext(f"{W}t")) for link in root.iter(f"{W}hyperlink") if link.get(f"{W}anchor")
            for r in link.iter(f"{W}r") if r.find(f"{W}rPr/{W}vertAlign[@{W}val='superscript']") is not None]


def test_each_sommaire_entry_links_to_a_bookmark_on_its_heading(template_path):  # noqa: F811
    body = part(_bytes(render(template_path)), "word/document.xml")
    root = etree.fromstring(body.encode())
    bookmarks = {b.get(f"{W}name"): b.getparent() for b in root.iter(f"{W}bookmarkStart")}
    links = entries(body)
    # the template's headings: « Préambule », then per article its heading and the prose's « Sous-titre »
    assert [texts for _, texts, _ in links] == [["Préambule Lens-Liévin"], ["Article 1er"], ["Article 2"],
                                                ["Sous-titre"]]
    assert superscripts(body) == ["er"]  # « 1er » as its heading prints it
    assert [anchor for anchor, _, _ in links] == ["_Toc00000001", "_Toc00000002", "_Toc00000003", "_Toc00000004"]
    for anchor, texts, _ in links:
        heading = bookmarks[anchor]
        assert "".join(heading.itertext(f"{W}t")) == texts[0]
        assert heading.find(f"{W}pPr/{W}pStyle").get(f"{W}val").startswith("Heading")
    ids = [b.get(f"{W}id") for b in root.iter(f"{W}bookmarkStart")]
    assert sorted(ids) == sorted(b.get(f"{W}id") for b in root.iter(f"{W}bookmarkEnd")) and len(set(ids)) == 4


def test_an_unlaid_document_has_no_page_number_and_asks_word_to_fill_them(template_path):  # noqa: F811
    data = _bytes(render(template_path))
    links = entries(part(data, "word/document.xml"))
    assert all(len(texts) == 1 and not instruction for _, texts, instruction in links)
    assert "<w:updateFields" in part(data, "word/settings.xml")
    assert sommaire_ranks(data) == [1, 2, 3, 4]


def test_paginate_writes_each_page_as_a_pageref_result_and_stops_asking(template_path):  # noqa: F811
    data = _bytes(render(template_path))
    when = datetime(2021, 6, 1, 12, 0)
    once = paginate(data, {1: 3, 2: 4, 3: 4, 4: 12}, 14, when)
    links = entries(part(once, "word/document.xml"))
    assert [(texts[0], *filter(None, texts[1:])) for _, texts, _ in links] == [
        ("Préambule Lens-Liévin", "3"), ("Article 1er", "4"), ("Article 2", "4"), ("Sous-titre", "12")]
    assert [instruction.strip() for _, _, instruction in links] == [f"PAGEREF _Toc0000000{i} \\h" for i in range(1, 5)]
    assert superscripts(part(once, "word/document.xml")) == ["er"]  # the title's runs kept whole
    assert "<w:tab/>" in part(once, "word/document.xml")
    assert "updateFields" not in part(once, "word/settings.xml")
    assert zip_time(once) == when
    # a second pass replaces the numbers of the first, never adds to them
    twice = paginate(once, {1: 3, 2: 5, 3: 5, 4: 13}, 15, when)
    assert [list(filter(None, texts[1:])) for _, texts, _ in entries(part(twice, "word/document.xml"))] == [
        ["3"], ["5"], ["5"], ["13"]]
    assert part(twice, "word/document.xml").count("PAGEREF") == 4
    assert [texts[0] for _, texts, _ in entries(part(twice, "word/document.xml"))][1] == "Article 1er"


def test_paginate_writes_the_page_count_into_the_footer(tmp_path):
    from docx import Document

    from generator.wordml.authoring import add_field

    doc = Document()
    footer = doc.sections[0].footer.paragraphs[0]
    footer.add_run("Page ")
    add_field(footer, "PAGE")
    footer.add_run(" sur ")
    add_field(footer, "NUMPAGES")
    buffer = io.BytesIO()
    doc.save(buffer)
    numbered = paginate(buffer.getvalue(), {}, 37)
    footer_xml = next(part(numbered, n) for n in zipfile.ZipFile(io.BytesIO(numbered)).namelist()
                      if re.fullmatch(r"word/footer\d*\.xml", n))
    assert re.search(r"NUMPAGES\s*</w:instrText>.*?<w:t>37</w:t>", footer_xml, re.S)
    assert re.search(r" PAGE\s*</w:instrText>.*?<w:t>1</w:t>", footer_xml, re.S)  # each page computes its own


def test_an_entry_whose_heading_the_layout_did_not_place_loses_its_former_number(template_path):  # noqa: F811
    data = _bytes(render(template_path))
    once = paginate(data, {1: 3, 2: 4, 3: 4, 4: 12}, 14)
    again = paginate(once, {1: 3, 2: 4, 4: 12}, 14)  # « Article 2 » not found this time
    assert [list(filter(None, texts[1:])) for _, texts, _ in entries(part(again, "word/document.xml"))] == [
        ["3"], ["4"], [], ["12"]]


def numbered_again(xml: bytes, pages: dict[int, int]) -> tuple[bytes | None, bytes]:
    """Return a numbered document.xml numbered again in its text (`_renumbered_document`) and as a tree (the
    oracle: `_numbered_document`, which the first pass uses)."""
    from generator.wordml.pagination import _numbered_document, _renumbered_document

    return _renumbered_document(xml, pages), _numbered_document(xml, pages)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # read only
@given(st.dictionaries(st.integers(1, 5), st.integers(1, 100_000), max_size=5))
def test_a_numbered_sommaire_numbered_again_in_its_text_gives_the_tree_rewrite(template_path, pages):  # noqa: F811
    """A layout pass after the first writes its numbers into the XML's text: the same bytes as the tree rewrite,
    whatever the pages (a heading left out loses its number, a rank without entry changes nothing)."""
    from generator.wordml.pagination import _numbered_document

    body = part(_bytes(render(template_path)), "word/document.xml").encode()
    once = _numbered_document(body, {1: 10, 2: 10, 3: 10, 4: 10})
    in_text, as_tree = numbered_again(once, pages)
    assert in_text == as_tree
    assert [list(filter(None, texts[1:])) for _, texts, _ in entries(in_text.decode())] == [
        [str(pages[rank])] if rank in pages else [] for rank in (1, 2, 3, 4)]


def test_a_sommaire_not_numbered_as_the_tree_rewrite_numbers_it_is_rewritten_as_a_tree(template_path):  # noqa: F811
    from generator.wordml.pagination import _numbered_document

    body = part(_bytes(render(template_path)), "word/document.xml").encode()
    assert numbered_again(body, {1: 3})[0] is None  # never numbered
    left_out = _numbered_document(body, {1: 3, 2: 4, 4: 12})  # « Article 2 » without number
    assert numbered_again(left_out, {1: 3, 2: 4, 3: 4, 4: 12})[0] is None
    tab_in_title = _numbered_document(body, {1: 3, 2: 4, 3: 4, 4: 12}).replace(
        b"Article 2</w:t></w:r>", b"Article 2</w:t></w:r><w:r><w:tab/></w:r>", 1)
    assert tab_in_title != _numbered_document(body, {1: 3, 2: 4, 3: 4, 4: 12})
    in_text, as_tree = numbered_again(tab_in_title, {1: 3, 2: 4, 3: 4, 4: 12})
    assert in_text is None and as_tree != tab_in_title  # the tree rewrite cuts the entry at the title's tab
