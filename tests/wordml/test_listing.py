"""docxtpl's listing characters (line break, tab, new paragraph, page break) are made Word's where they are
produced, and the result is the one docxtpl's `resolve_listing` gives when run over the whole part."""

import pytest
from docxtpl import DocxTemplate
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.wordml.template import _finish_part
from generator.wordml.writer import _prose_run, _run


def _docxtpl_finish(text: str) -> str:
    """The part as before: `resolve_listing` over the whole text, then stray \\a and \\f removed."""
    text = DocxTemplate.resolve_listing(None, text)
    return text.replace("\a", "").replace("\f", "")


class _Docxtpl:
    resolve_listing = staticmethod(lambda text: DocxTemplate.resolve_listing(None, text))


@pytest.mark.parametrize("text", ["une\nligne", "col\tonne", "a\tb\nc\t\td", "\n", "\t", "fin\n", "a & <b>\n"])
@pytest.mark.parametrize("style", [(None, False, False), ("Strong", False, False), ("Emphasis", True, True)])
def test_a_prose_run_is_what_resolve_listing_makes_of_it(text, style):
    paragraph = '<w:p><w:pPr><w:pStyle w:val="Encadre"/></w:pPr>' + _run(text, *style) + "</w:p>"
    assert '<w:p><w:pPr><w:pStyle w:val="Encadre"/></w:pPr>' + _prose_run(text, *style) + "</w:p>" \
        == DocxTemplate.resolve_listing(None, paragraph)
    assert "\n" not in _prose_run(text, *style) and "\t" not in _prose_run(text, *style)


def test_a_prose_run_without_listing_characters_is_the_plain_run():
    assert _prose_run("Article 1er", "Strong") == _run("Article 1er", "Strong")


_PIECES = [
    "<w:p>", '<w:p w:rsidR="00A1">', "</w:p>", "<w:pPr><w:pStyle w:val=\"Titre\"/></w:pPr>", "<w:r>",
    "<w:r w:rsidR=\"1\">", "</w:r>", "<w:rPr><w:b/></w:rPr>", '<w:t xml:space="preserve">', "<w:t>", "</w:t>",
    "texte", "\n", "\t", "\a", "\f", "<w:tbl><w:tr><w:tc>", "</w:tc></w:tr></w:tbl>", '<w:p w:rsidR="2"/>',
    "<w:txbxContent>", "</w:txbxContent>", "<w:hyperlink r:id=\"rId9\">", "</w:hyperlink>", "<w:br/>",
]


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_a_part_is_what_resolve_listing_over_the_whole_part_makes(pieces):
    text = "<w:body>" + "".join(pieces) + "</w:body>"
    assert _finish_part(_Docxtpl(), text.encode("utf-8")).decode("utf-8") == _docxtpl_finish(text)


def test_a_value_with_a_line_break_changes_its_own_paragraph_only():
    body = ('<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>Objet\tdu contrat</w:t>'
            "</w:r></w:p>" + "<w:p><w:r><w:t>autre\u202fparagraphe</w:t></w:r></w:p>" * 3
            + '<w:p w:rsidR="00B2"><w:r><w:t xml:space="preserve">ligne 1\nligne 2\fsuite</w:t></w:r></w:p>')
    finished = _finish_part(_Docxtpl(), body.encode("utf-8")).decode("utf-8")
    assert finished == _docxtpl_finish(body)
    assert ('<w:r><w:rPr><w:b/></w:rPr><w:t>Objet</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:tab/></w:r>'
            '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">du contrat</w:t></w:r>') in finished
    assert '<w:t xml:space="preserve">ligne 1</w:t><w:br/><w:t xml:space="preserve">ligne 2</w:t>' in finished
    assert '<w:p><w:r><w:br w:type="page"/></w:r></w:p>' in finished
