"""Markdown prose → Word paragraphs with named styles: emphasis, links, superscripts, lists that restart."""

import pytest
from docx.oxml.ns import qn

from generator.jinja_env import environment
from generator.prose import ProseRenderer
from generator.wordml.template import CompiledTemplate

from .conftest import ROOT


@pytest.fixture
def renderer():
    template = CompiledTemplate(ROOT / "templates" / "crte" / "contrat.docx", environment())
    return ProseRenderer(template.new_document())


def paragraphs(fragment):
    return [e for e in fragment.elements if e.tag == qn("w:p")]


def style_of(p):
    ppr = p.pPr
    return ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else None


def runs(p):
    return [(r.findtext(qn("w:t")) or "", r.find(qn("w:rPr")).find(qn("w:rStyle")).get(qn("w:val"))
             if r.find(qn("w:rPr")) is not None and r.find(qn("w:rPr")).find(qn("w:rStyle")) is not None else None)
            for r in p.iter(qn("w:r"))]


def test_emphasis_becomes_character_styles_never_markers(renderer):
    fragment = renderer.render("Un **gras**, un *italique* et le 1^{er} juin.")
    [p] = paragraphs(fragment)
    assert style_of(p) == "BodyText"
    assert ("gras", "Strong") in runs(p)
    assert ("italique", "Emphasis") in runs(p)
    assert ("er", "Exposant") in runs(p)
    assert "**" not in fragment.text and "^{" not in fragment.text


def test_link_is_a_real_hyperlink(renderer):
    fragment = renderer.render("Voir [le site](https://www.agglo-lenslievin.fr).")
    [p] = paragraphs(fragment)
    [link] = p.findall(qn("w:hyperlink"))
    rel_id = link.get(qn("r:id"))
    assert dict(renderer.writer.hyperlinks)[rel_id] == "https://www.agglo-lenslievin.fr"
    assert fragment.text == "Voir le site."


def test_numbered_lists_restart_at_one_and_nest(renderer):
    fragment = renderer.render("1. a\n2. b\n\nTexte.\n\n1. c\n2. d\n    - imbriqué\n")
    ps = paragraphs(fragment)
    numbered = [p for p in ps if style_of(p) == "ListNumber"]
    assert len(numbered) == 4
    first_id = numbered[0].pPr.numPr.numId.val
    second_id = numbered[2].pPr.numPr.numId.val
    assert numbered[1].pPr.numPr.numId.val == first_id
    assert second_id != first_id  # the second list starts again at 1
    assert [num_id for num_id, _ in renderer.writer.new_nums] == [first_id, second_id]
    assert [style_of(p) for p in ps].count("ListBullet2") == 1


def test_headings_are_offset_and_boxes_use_the_box_style(renderer):
    fragment = renderer.render("# Titre\n\n> ### Encadré 1\n>\n> Dedans.\n", heading_offset=1)
    assert [style_of(p) for p in paragraphs(fragment)] == ["Heading2", "Encadretitre", "Encadre"]


def test_raw_html_and_special_characters_render_literally(renderer):
    fragment = renderer.render('Un <b>faux gras</b> & "guillemets" ]]> fin\x0b.')
    assert fragment.text == "Un <b>faux gras</b> & «\u00a0guillemets\u00a0» ]]> fin."


def test_escaped_markdown_characters_are_restored(renderer):
    fragment = renderer.render("\\* Voir pages 4 à 19")
    assert fragment.text == "* Voir pages 4 à 19"
