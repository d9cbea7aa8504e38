"""Markdown prose → Word paragraphs with named styles: emphasis, links, superscripts, lists that restart."""

import pytest
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from generator.jinja_env import environment
from generator.prose import HtmlProseRenderer, ProseRenderer
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


# --- parse() is python-markdown's own tree, made faster -------------------------------------------------------

def _stock_tree(text):
    """The tree python-markdown's own `convert` makes, every inline pattern tried (the reference for `parse`)."""
    import markdown
    from markdown.treeprocessors import Treeprocessor

    from generator.prose import _unstash, new_markdown

    class Keep(Treeprocessor):
        def run(self, root):
            self.md.kept = root

    md = new_markdown()
    md.treeprocessors.register(Keep(md), "keep", -100)
    md.kept = None
    md.convert(text)
    if md.kept is None:
        import xml.etree.ElementTree as ET
        return ET.Element("div")
    _unstash(md, md.kept)
    return md.kept


def _shape(make_tree, text):
    """Tags, texts, tails, attributes and child counts of a text's tree (or the error that stopped it)."""
    try:
        root = make_tree(text)
    except Exception as error:  # both must fail alike (an e-mail autolink's entities are not unstashed, say)
        return type(error).__name__
    return [(e.tag, e.text, e.tail, sorted(e.attrib.items()), len(e)) for e in root.iter()]


def _content_prose(folder=ROOT / "content"):
    """Every Markdown file of a content folder (content/ by default), and every string of its YAML files (prose
    fields among them)."""
    import yaml

    texts = [path.read_text(encoding="utf-8") for path in sorted(folder.rglob("*.md"))]

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    for path in sorted(folder.rglob("*.yaml")):
        texts.extend(strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return texts


PARSE_EDGE_CASES = [
    "", "   \n", "Le 1^{er} janvier, la 2^{e} tranche", "**gras** et *italique* et _souligné_ et __fort__",
    "un * seul et un _ seul", "a\\*b\\_c\\`d\\[e\\] \\\\ fin", "`code *pas gras*` puis *oui*",
    "[lien](https://exemple.fr) et ![carte](carte.png) et [réf][1]\n\n[1]: https://exemple.fr/ref",
    "<https://exemple.fr> et <contact@exemple.fr> et <b>brut</b> &amp; &eacute;",
    "ligne  \nsuivante", "ligne\t\t\nsuivante\tavec\ttabs", "> encadré\n>\n> suite **gras**",
    "1. un\n2. deux\n\n   - imbriqué *a*\n\n3. trois", "- a\n- b\n\n- c", "# Titre *x*\n\n## Sous-titre ^{re}",
    "    code indenté *pas*\n\nfin", "***fort et italique*** puis **_mêlés_**", "^{non fermé et [non fermé",
    "a \x02 b \x03 c", "texte\r\nWindows\r\n",
]


@pytest.mark.parametrize("text", PARSE_EDGE_CASES)
def test_parse_is_python_markdowns_tree_on_edge_cases(text):
    from generator.prose import parse

    assert _shape(parse, text) == _shape(_stock_tree, text)


def test_parse_is_python_markdowns_tree_on_all_of_content():
    from generator.prose import parse

    texts = _content_prose()
    assert len(texts) > 100
    for text in texts:
        assert _shape(parse, text) == _shape(_stock_tree, text), text[:200]


def test_parse_is_python_markdowns_tree_on_generated_markup():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from generator.prose import parse

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(st.text(alphabet="ab *_`\\[]()<>!^{}\n\t#-1.:&@/", max_size=40))
    def check(text):
        assert _shape(parse, text) == _shape(_stock_tree, text)

    check()


# --- plain paragraphs are made without python-markdown, into the same tree -----------------------------------

def _plain_tree_is_the_parsers(text):
    """Tell whether the tree made without python-markdown, when it is made, is python-markdown's own."""
    from generator.prose import _plain_tree

    if not text.strip() or _plain_tree(text) is None:
        return None
    assert _shape(_plain_tree, text) == _shape(_stock_tree, text), text[:200]
    return True


@pytest.mark.parametrize("text, plain", [
    ("Un paragraphe.", True), ("Deux\nlignes.\n\n\n\nEt un autre paragraphe.\n", True),
    ("\nCommence par un saut de ligne.\n\n\n", True), ("Prix : 3 € & « guillemets » ! {x} | y ]", True),
    ("fin\x0b.\n\n\x0b\n\nsuite\u2028", True), ("   indenté", None), ("a\n    code", None),
    ("# titre", None), ("titre\n===", None), ("titre\n---", None), ("- item", None), ("+ item", None),
    ("2. item", None), ("> encadré", None), ("un *gras*", None), ("un_mot", None), ("[lien](x)", None),
    ("<a@b.fr>", None), ("1^{er}", None), ("ligne  \nsuivante", None), ("a\tb", None), ("a\r\nb", None),
    ("note[^1]", None), ("`code`", None), ("a\\b", None), ("a \x02 b", None),
])
def test_plain_paragraphs_are_made_without_the_parser_into_its_tree(text, plain):
    assert _plain_tree_is_the_parsers(text) is plain


def test_plain_texts_of_content_and_of_an_own_prose_corpus_make_the_parsers_tree(tmp_path):
    from bench.make_corpus import make_corpus

    make_corpus(tmp_path / "corpus", 2)
    texts = _content_prose() + _content_prose(tmp_path / "corpus")
    plain = [text for text in texts if _plain_tree_is_the_parsers(text)]
    assert len(plain) > 300 and len(plain) < len(texts)  # most of the prose, not all of it


def test_plain_generated_texts_make_the_parsers_tree():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    # words, spaces and line breaks, and every character that is plain only in some places (a list marker that
    # does not start a line, a digit with a dot, a space that ends a line…)
    @settings(max_examples=400, deadline=None, derandomize=True, database=None)
    @given(st.text(alphabet="ab é:;!?«»'\"&()]{}|=-+#>.1\n\x0b\u00a0", max_size=40))
    def check(text):
        _plain_tree_is_the_parsers(text)

    check()


def test_plain_prose_and_common_markup_do_not_load_python_markdown():
    import subprocess
    import sys

    code = ("import sys\nfrom generator.prose import HtmlProseRenderer, ProseStyles, word_blocks\n"
            "word_blocks('Un paragraphe : « simple ».\\n\\nUn autre.', 0, 'Body Text', ProseStyles())\n"
            "HtmlProseRenderer().render('Un texte.')\n"
            "print('markdown' in sys.modules)\n"
            "word_blocks('# Titre\\n\\n- une **liste**[^1]\\n\\n> encadré\\n\\n[^1]: note', 0, 'Body Text',\n"
            "            ProseStyles())\n"
            "print('markdown' in sys.modules)\n"
            "word_blocks('Un [lien](https://exemple.fr) et <https://exemple.fr>', 0, 'Body Text', ProseStyles())\n"
            "print('markdown' in sys.modules)\n"
            "word_blocks('Du `code`', 0, 'Body Text', ProseStyles())\n"
            "print('markdown' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False", "False", "True"]


def test_an_email_autolink_is_its_address_not_a_crash():
    """python-markdown hides an autolinked address's letters behind entity placeholders: the address, its link
    and the text around it come back as typed (a literal « &#97; » stays as typed)."""
    from generator.prose import parse

    root = parse("Écrire à <a@b.fr> merci, &#97; reste")
    [link] = root.iter("a")
    assert (link.text, link.get("href")) == ("a@b.fr", "mailto:a@b.fr")
    assert "".join(root.itertext()).strip() == "Écrire à a@b.fr merci, &#97; reste"


def test_a_web_page_address_may_break_after_at_and_before_dots_and_is_copied_whole():
    html = HtmlProseRenderer().render("Contact : <mbaty@lillemetropole.fr>, [site](https://www.lillemetropole.fr)")
    assert '<a href="mailto:mbaty@lillemetropole.fr">mbaty@<wbr>lillemetropole<wbr>.fr</a>' in html
    assert '<a href="https://www.lillemetropole.fr">site</a>' in html  # a label that is no address: as typed


# --- footnotes: `[^1]` where the note is called, `[^1]: text` anywhere -------------------------------------

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
NOTES = ("Selon les acteurs[^1], le SCOT[^2] et les habitants[^1].\n\n"
         "[^1]: Ref : projet de territoire ; voir [le site](https://www.agglo-lenslievin.fr).\n"
         "[^2]: Ref : SCOT 2020")


def test_a_footnote_is_a_real_word_note_called_where_the_text_calls_it(renderer):
    fragment = renderer.render(NOTES)
    [p] = paragraphs(fragment)  # the notes are not printed in the body
    calls = [r.find(qn("w:footnoteReference")).get(qn("w:id")) for r in p.iter(qn("w:r"))
             if r.find(qn("w:footnoteReference")) is not None]
    assert calls == ["1", "2"]
    assert fragment.text == "Selon les acteurs, le SCOT et les habitants1."  # the second call of note 1: its number
    assert " NOTEREF _RefNote1 \\f \\h " in [t.text for t in p.iter(qn("w:instrText"))]
    notes = [etree.fromstring(f'<w:notes {NS}>{note}</w:notes>')[0] for note in renderer.writer.footnotes]
    assert [note.get(qn("w:id")) for note in notes] == ["1", "2"]
    texts = ["".join(t.text for t in note.iter(qn("w:t"))) for note in notes]
    # French typography; a link of a note as its label and its address (a note's part has no links)
    assert texts == [" Ref\u00a0: projet de territoire\u202f; voir le site (https://www.agglo-lenslievin.fr).",
                     " Ref\u00a0: SCOT 2020"]
    assert all(note.find(f".//{qn('w:footnoteRef')}") is not None for note in notes)  # Word numbers the note
    assert {note.find(f".//{qn('w:pStyle')}").get(qn("w:val")) for note in notes} == {"FootnoteText"}


def test_a_web_page_lists_each_texts_notes_with_links_back_ids_unique_in_the_page():
    html_renderer = HtmlProseRenderer()
    first, second = html_renderer.render(NOTES), html_renderer.render("Autre[^1].\n\n[^1]: Une note.")
    assert '<sup id="appel-1-1"><a href="#note-1-1" class="footnote-ref" aria-label="note 1">1</a></sup>' in first
    assert '<sup id="appel-1-1-2"><a href="#note-1-1"' in first  # the second call of note 1
    assert '<li id="note-1-1">' in first and '<a href="#appel-1-1" class="footnote-backref"' in first
    assert '<li id="note-2-1">' in second and 'href="#appel-2-1"' in second  # the next text's note 1
    assert "Revenir à l’appel de la note 1" in first


def test_a_text_checked_for_links_renders_from_the_checked_tree_as_from_its_own():
    """`refused_links` leaves its tree for the render of the same text: the render is the same as from a tree of
    its own (a note's backlink is removed from the tree it renders), and the tree is taken once."""
    from generator import prose

    styles = prose.ProseStyles()
    text = NOTES + "\n\nVoir <https://exemple.fr> et [ceci](javascript:alert(1))."
    alone = prose.word_blocks.__wrapped__(text, 0, "Body Text", styles)
    prose.refused_links.cache_clear()
    assert [line for line, _ in prose.refused_links(text)] == [6]
    assert text in prose._CHECKED_TREES
    assert prose.word_blocks.__wrapped__(text, 0, "Body Text", styles) == alone
    assert text not in prose._CHECKED_TREES
    assert prose.word_blocks.__wrapped__(text, 0, "Body Text", styles) == alone
    html = prose.HtmlProseRenderer().render(text)
    prose.refused_links.cache_clear()
    prose.refused_links(text)
    assert prose.HtmlProseRenderer().render(text) == html


COULD_HOLD_LINKS = [
    ("Texte[^1].\n\n[^1]: La note.", False), ("A[^1] et B[^note-2].\n\n[^1]: Un.\n[^note-2]: Deux.", False),
    ("Sans lien.", False), ("[1] et [2] : voir", False), ("[a](javascript:x)", True), ("<javascript:x>", True),
    ("[a][x]", True), ("[x]: javascript:x\n\n[x]", True), ("[^1]: n\n[x]: javascript:x\n\n[x]", True),
    ("[^a\n[x]: javascript:x\n\n[x]", True), ("[^1]: n\n\n    [x]: javascript:x\n\n[x]", True),
    ("[^[x]: javascript:x\n\n[x]", True), ("> [x]: javascript:x\n\n[x]", True),
]


@pytest.mark.parametrize("text, expected", COULD_HOLD_LINKS)
def test_only_a_text_with_links_or_reference_definitions_is_parsed_for_its_links(text, expected):
    """Footnote definitions (`[^1]:`) alone do not make a text checked; any other `]:` does."""
    from generator.prose import _could_hold_links

    assert _could_hold_links(text) is expected


_LINK_LINES = st.sampled_from(["[^1]: note", "[^x]: javascript:x", "[x]: javascript:x", " [^1]: n", "   [x]: y",
                               "    [x]: javascript:x", "[^1]:", "[^a", "[x]", "[x][]", "[^1]", "Texte[^x].",
                               "> [x]: javascript:x", "- [x]: javascript:x", "[^1]: [x]: javascript:x", "",
                               "[[^1]]: javascript:x", "[^ 1]: n", "[^1]]: javascript:x", "\\[x]: javascript:x"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINK_LINES, min_size=1, max_size=6).map("\n".join))
def test_a_text_not_checked_for_links_holds_only_its_footnotes_links(text):
    """A text `refused_links` does not parse makes, in python-markdown, no link but its footnotes' own."""
    from generator.prose import _could_hold_links

    if not _could_hold_links(text):
        hrefs = [element.get("href") for element in _stock_tree(text).iter("a")]
        assert all(href.startswith(("#fn:", "#fnref")) for href in hrefs), text
