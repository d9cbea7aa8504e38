"""The tree of common contract markup made without python-markdown is python-markdown's own (oracle tests)."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.prose import _FAST_BACKLINK_TITLE, _plain_tree
from generator.prose_markdown import fast_tree

from .test_prose import _content_prose, _shape, _stock_tree


def _fast(text):
    return fast_tree(text, _FAST_BACKLINK_TITLE)


def _taken_and_equal(text):
    """Tell whether the text is taken (None when refused); assert its tree is python-markdown's, to the bytes."""
    tree = _fast(text)
    if tree is None:
        return False
    stock = _stock_tree(text)
    assert ET.tostring(tree, encoding="unicode") == ET.tostring(stock, encoding="unicode"), text
    assert _shape(_fast, text) == _shape(_stock_tree, text), text  # None and "" told apart, attributes sorted
    return True


def _names(registry):
    """The names of a python-markdown registry's items, in the order it runs them."""
    return [item.name for item in sorted(registry._priority, key=lambda item: -item.priority)]


def test_the_expressions_are_python_markdowns():
    from markdown.blockprocessors import (
        BlockQuoteProcessor,
        HashHeaderProcessor,
        HRProcessor,
        ReferenceProcessor,
        SetextHeaderProcessor,
    )
    from markdown.extensions import footnotes
    from markdown.util import BLOCK_LEVEL_ELEMENTS

    from generator import prose_markdown as fast
    from generator.prose import _parser

    md = _parser()
    olist, ulist = md.parser.blockprocessors["olist"], md.parser.blockprocessors["ulist"]
    pairs = [(fast._HASH_HEADER, HashHeaderProcessor.RE), (fast._SETEXT_HEADER, SetextHeaderProcessor.RE),
             (fast._RULE, HRProcessor.SEARCH_RE), (fast._OLIST, olist.RE), (fast._ULIST, ulist.RE),
             (fast._OLIST_ITEM, olist.CHILD_RE), (fast._ULIST_ITEM, ulist.CHILD_RE),
             (fast._INDENTED_ITEM, olist.INDENT_RE), (fast._INDENTED_ITEM, ulist.INDENT_RE),
             (fast._INDENT, md.parser.blockprocessors["indent"].INDENT_RE),
             (fast._QUOTE, BlockQuoteProcessor.RE), (fast._REFERENCE, ReferenceProcessor.RE),
             (fast._FOOTNOTE_DEFINITION, footnotes.FootnoteBlockProcessor.RE),
             (fast._FOOTNOTE_CALL, md.inlinePatterns["footnote"].compiled_re),
             (fast._ESCAPE, md.inlinePatterns["escape"].compiled_re),
             (fast._SUPERSCRIPT, md.inlinePatterns["paraphe_sup"].compiled_re)]
    for ours, theirs in pairs:
        assert (ours.pattern, ours.flags) == (theirs.pattern, theirs.flags)
    assert fast._ESCAPED_CHARS == set(md.ESCAPED_CHARS)
    assert fast._BLOCK_LEVEL <= set(BLOCK_LEVEL_ELEMENTS) and "strong" not in BLOCK_LEVEL_ELEMENTS
    assert (fast.FN_BACKLINK_TEXT, fast.NBSP_PLACEHOLDER) == (footnotes.FN_BACKLINK_TEXT, footnotes.NBSP_PLACEHOLDER)
    assert _names(md.parser.blockprocessors) == [
        "empty", "indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist", "quote", "footnote",
        "reference", "paragraph"]
    assert _names(md.inlinePatterns) == [
        "backtick", "escape", "footnote", "reference", "link", "image_link", "image_reference", "short_reference",
        "short_image_ref", "autolink", "automail", "linebreak", "paraphe_sup", "em_strong"]
    assert _names(md.treeprocessors) == [
        "footnote", "inline", "footnote-duplicate", "prettify", "unescape"]
    assert md.inlinePatterns["em_strong"].tokens == ["*", "_"]


TAKEN = [
    # headings: trailing #'s, no space, empty, seven #'s, inside a paragraph, a list item, a quote
    "# Titre", "## Titre ##", "###Titre", "#", "####### sept", "# C# et F#", "Avant\n# Titre\nAprès",
    "## Titre  \n\ntexte", "- # titre\n- b", "> # titre\n> texte", "# Un *titre* **gras**",
    # lists: after a paragraph without blank line, lazy continuation, loose, mixed markers, numbered
    "Intro :\n- a\n- b", "- a\nsuite paresseuse\n- b", "- a\n\n- b\n\n- c", "- a\n* b\n+ c", "1. un\n2. deux",
    "3. trois\n4. quatre", "1. un\n- pas une puce\n2. deux", "- a\n1. pas un numéro", "- a\n\nTexte.\n\n- b",
    "- a\n\n\n- b", "-   espaces\n-  b", "- a\n# titre\n- b", "- a\n\n# titre\n\n- b", "- - imbriquée",
    "1. a\n\n2. b\n\n   suite", "- a\n\n  suite indentée", "0. zéro", "01. zéro un",
    # nested lists, an item's next paragraphs
    "- a\n    - imbriquée", "- a\n    - b\n        - c\n- d", "1. un\n    - a\n    - b\n2. deux", "- a\n    1. un",
    "- a\n\n    suite\n\n- b", "- a\n\n    - b\n\n    - c", "- a\n    suite paresseuse indentée",
    "1. a\n\n    > quote\n\n2. b", "- a\n    - b\n\n    texte", "- a\n     - cinq espaces", "- a\n        - huit",
    "- a\n\n    - b\n\n        paragraphe de b", "- a\n\n    # titre\n    texte", "* a\n    * b\n\n    * c\nd",
    # paragraphs, spaces, trailing spaces, blank lines of spaces
    "a \nb", "a\n   \nb", "a  \n   \nb", "a  \n\nb  ", "texte   ", "   indenté\n\nfin", "a\n\n\n\n\nb",
    # emphasis
    "**gras**", "*em*", "***les deux***", "un **gras**, puis", "a*b*c*d*e", "mot**gras**mot", "(*Provisoire*)",
    "- ***Axe***", "**phrase***.", "**phrase***", "« **x** »", "*a*\n*b*", "**a\nb**",
    # escapes
    "\\* Voir pages 4 à 19", "a\\*b\\*c", "\\\\ et \\q et \\# et \\[x\\]", "# Titre \\#", "fin\\",
    # quotes
    "> encadré\n>\n> suite **gras**", "> a\nparesseuse", "> a\n\n> b", ">a\n> > b", "texte\n> quote",
    "- a\n> quote", "> - a\n> - b", ">\n> x",
    # footnotes
    "Texte[^1].\n\n[^1]: La note.", "A[^1] et B[^2] et A[^1].\n\n[^1]: Un.\n[^2]: Deux.",
    "A[^n].\n\n[^n]: Note\n    sur deux lignes.\n\n    Et un second paragraphe.", "**Gras[^1]**\n\n[^1]: n",
    "- a[^1]\n\nb[^1]\n\n[^1]: n", "Texte[^1]\n[^1]: collée", "[^1]: seule", "x[^1]\n\n[^1]: - une liste",
    "x[^a-b]\n\n[^a-b]: **gras** note", "a[^1] \\* b\n\n[^1]: n", "\\* a[^1] \\* b[^2] \\#\n\n[^1]: n\n[^2]: m",
    # superscripts
    "le 1^{er} juin", "1^{re} et 2^{e}", "**1^{er}**", "x^{a[^1]b\\*}\n\n[^1]: n", "^{}}", "^{a\nb}",
    "*1^{er}*", "# Article 1^{er}", "- 1^{er} item", "^{non fermé", "***x[^1]***\n\n[^1]: n", "x[^1]\n\n[^1]:",
    "x[^2][^1]\n\n[^1]: u\n[^2]: d",
    # inline links: with emphasis around, inside, after; in a list item, a heading, a quote, a footnote
    "[a](b)", "voir [le site](https://x.fr).", "[a](b) *c*", "*[a](b)*", "**[a](b)**", "[a *b*](c)",
    "[***a***](b)", "[*a*](b) et [**c**](d)", "- [a](b)\n- c", "# Titre [a](b)", "> [a](b)", "1. [a](#ancre)",
    "x[^1]\n\n[^1]: voir [a](https://x.fr)", "[a[^1]](b)\n\n[^1]: n", "[a](mailto:x@y.fr)", "[a](tel:+33123)",
    "*a [b](c) d*", "[a](b)*c*[d](e)", "[\\*a](b)", "[a^{e}](b)", "[1^{er} juin](b)", "*[a](b*c)*",
    # addresses and titles as python-markdown reads them: nested parentheses, blanks, quotes, line breaks
    "[a](b(c))", "[a]( b )", "[a](b) (c)", "[a]()", "[](b)", "[ ](b)", "[a](b \"t\")", "[a](b 't')",
    "[a](b \"t\" )", "[a](b \"\")", "[a](b \"t\nu\")", "[a](b\nc)", "[a](\nb\n)", "[a](b \"t)", "[a](b'c)",
    "[a](b \"t\" x)", "[a](b \"t\"u\")", "[a](b ')' c)", "[a](b \"t's\")", "[a](b((c)) d)", "[a](b)(c)",
    "[a](b(c)", "[a](b", "[a](https://x.fr/*y*)", "[a](https://x.fr/^{y})", "[a\nb](c)",
    # brackets that make no link, escaped ones
    "[1]", "voir [1] et [2]", "[a] (b)", "[a][b]", "[a][]", "\\[a](b)", "[a\\](b)", "\\[a\\]", "[a(b)",
    "]( a", "[a]](b)", "x [a](b) [c](d) y", "[a [b](c)", "[a](b) \\[c](d)", "\\![a](b)", "!",
    # autolinks
    "<https://x.fr>", "Voir <https://x.fr/a-b?c=d&e=f#g>.", "- Contact : <https://x.fr>", "*<https://x.fr>*",
    "<https://x.fr/*a*>", "<ftp://x.fr>", "<https://x.fr> et <http://y.fr>", "<mailto:a@b.fr>", "<a@b.fr>",
    "écrire à <prenom.nom@ville.fr>.", "x > y", "a >b",
    # an escaped `[` after a link, in an element python-markdown reads again (a note's paragraph, a list item)
    "[^1]: n [a](b) \\[c](d)", "- [a](b) \\[c](d)\n    - e", "x[^1]\n\n[^1]: n **\\[a](b)[a](b)**[a](b)",
]

REFUSED = [
    "`code`", "un_mot", "ligne  \nsuivante", "a\tb",
    "a\r\nb", "    code", "a\n\n    code", "- a\n\n        - b", "> a\n\n>     code", "titre\n===", "titre\n---",
    "***", "- - -", "**a *b* c**", "un * seul", "**a*", "^{**x**}", "^{a^{b}}", "## Titre  \ntexte",
    "-   espaces\n-\tb", "x[^1]", "x[^1 2]\n\n[^1 2]: n",
    "x[^1]\n\n[^1]: a\n\n    - [^2]: b", "x[^1]\n\n[^1]: voir[^1]", ">" * 2000 + " profond", "[ref]: https://x.fr", "* * *",
    # links and autolinks not taken: images, addresses in <…>, brackets in a link's text, a placeholder in an
    # address, raw `<`, e-mail addresses with letters python-markdown writes as named entities
    "![image](a.png)", "[a](<b>)", "[a [b]](c)", "[[a]](b)", "[a](b\\*c)", "[a](b[^1])\n\n[^1]: n",
    "[a](b \"\\*\")", "[<https://x.fr>](b)", "[a](b<c)", "a < b", "<b>gras</b>", "<https://x.fr/\\*>",
    "<é@x.fr>", "<a&b@x.fr>", "[a](b) [ref]\n\n[ref]: https://x.fr", "[a*](b)", "[a](b) un_mot",
]


@pytest.mark.parametrize("text", TAKEN)
def test_common_markup_is_taken_and_makes_python_markdowns_tree(text):
    assert _taken_and_equal(text)


@pytest.mark.parametrize("text", REFUSED)
def test_other_markup_is_left_to_python_markdown(text):
    assert _fast(text) is None


def test_the_markup_of_content_and_of_an_own_prose_corpus_makes_python_markdowns_tree(tmp_path):
    from bench.make_corpus import make_corpus

    make_corpus(tmp_path / "corpus", 2)
    texts = [text for text in _content_prose() + _content_prose(tmp_path / "corpus")
             if text.strip() and _plain_tree(text) is None]
    taken = [text for text in texts if _taken_and_equal(text)]
    assert len(taken) >= 0.9 * len(texts)  # nearly all of the texts with markup (3 of 170 refused when written)


_WORDS = st.sampled_from(["mot", "a", "É", "1", "2.", "x.", ":", "«", "»", "(", ")", "!", "-", "+", "#", ">",
                          "1.", "\u00a0", "\u202f"])
_MARKS = st.sampled_from(["*", "**", "***", "****", " *", "* ", " **", "** ", "\\*", "\\", "\\#", "\\q", "[^1]",
                          "[^2]", "[^x]", "[", "]", "#", ">", "- ", "1. ", "  ", " ", "\n", "\n\n", "\n    ",
                          "\n- ", "\n* ", "\n+ ", "\n1. ", "\n2. ", "\n> ", "\n>", "\n# ", "\n## ", "\n#", "\n ",
                          "\n   ", "\n[^1]: ", "\n[^2]: ", "\n\n[^1]: ", "\n---", "\n===",
                          "[", "]", "(", ")", "](", "[a](b)", "[x](https://x.fr)", '"', "'", "<", ">",
                          "<https://x.fr>", "<a@b.fr>", "!", "[a](b \"t\")"])
_LINES = st.sampled_from(["# Titre", "## Sous-titre ##", "- puce", "* puce", "+ puce", "1. un", "2. deux",
                          "> encadré", ">", "Un paragraphe.", "suite paresseuse", "", "   ", "    indentée",
                          "  - imbriquée", "[^1]: note", "[^2]: autre note", "    suite de note",
                          "- **gras** et *em*", "Appel[^1] et[^2].", "***x***",
                          "Voir [le site](https://x.fr).", "- <https://x.fr>", "[^1]: voir [a](#b)"])


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(_WORDS, _MARKS), max_size=24).map("".join))
def test_generated_inline_and_block_markup_makes_python_markdowns_tree(text):
    _taken_and_equal(text)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(_LINES, st.lists(st.one_of(_WORDS, _MARKS), max_size=5).map("".join)),
                min_size=1, max_size=10))
def test_generated_documents_of_lines_make_python_markdowns_tree(lines):
    _taken_and_equal("\n".join(line + rest for line, rest in lines))


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="ab *\\[]^1:#->.\n \u00a0", max_size=40))
def test_generated_characters_make_python_markdowns_tree(text):
    _taken_and_equal(text)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="ab *\\[]()\"' <>!^{}:/@\n", max_size=30))
def test_generated_characters_of_links_make_python_markdowns_tree(text):
    _taken_and_equal(text)


_WORD = st.sampled_from(["mot", "Lens", "2021", "l'axe", "(cf.", "art.)", "«", "»", ":", ";", "-", "1.", "#", "É",
                         "\u00a0", "x\u202fy"])
_PIECE = st.one_of(
    _WORD, _WORD.map(lambda w: f"*{w}*"), _WORD.map(lambda w: f"**{w} {w}**"), _WORD.map(lambda w: f"***{w}***"),
    _WORD.map(lambda w: f"{w}*{w}*{w}"), st.sampled_from(["\\*", "\\#", "\\-", "\\q", "[^1]", "[^2]", "**a[^1]**",
                                                           "1^{er}", "^{a[^2]}", "*^{e}*", "\\*[^1]",
                                                           "[lien](https://x.fr)", "[*a*](#b)", "<https://x.fr>",
                                                           "[a](b(c) \"t\")", "[1]", "<a@b.fr>"]),
    _WORD.map(lambda w: f"[{w}](https://x.fr/{w})"), _WORD.map(lambda w: f"*[{w}](b)*"))
_INLINE = st.lists(_PIECE, min_size=1, max_size=6).map(" ".join)
_BLOCK = st.one_of(
    _INLINE, _INLINE.map(lambda t: "# " + t), _INLINE.map(lambda t: "### " + t + " ###"),
    st.lists(st.tuples(st.sampled_from(["- ", "* ", "+ ", "1. ", "2. ", "> ", "> - ", "- # ", "- - ", "", "    - ",
                                        "    1. ", "        - ", "    ", "  - ", "     - "]), _INLINE)
    .map("".join), min_size=1, max_size=4).map("\n".join))


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(_BLOCK, st.sampled_from(["\n", "\n\n", "\n\n\n", "\n>\n", "\n\n    "])), min_size=1,
                max_size=6),
       st.sampled_from(["", "\n\n[^1]: note\n[^2]: autre", "\n[^1]: note *un*", "\n\n[^2]: a\n\n[^1]: b"]),
       st.sampled_from(["", "\n\n[^1]: - liste\n\n    suite", "\n\n[^2]: > encadré"]))
def test_generated_documents_of_common_markup_make_python_markdowns_tree(blocks, notes, more_notes):
    _taken_and_equal("".join(block + end for block, end in blocks) + notes + more_notes)
