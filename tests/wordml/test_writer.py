"""The runs the Word writer makes of prose: symbols in their own font, line breaks and tabs already Word's."""

import dataclasses
import pickle

import pytest

from generator.wordml import writer
from generator.wordml.writer import Block, Inline

SYMBOL_PROPERTIES = ('<w:rPr><w:rFonts w:ascii="DejaVu Sans" w:hAnsi="DejaVu Sans" w:cs="DejaVu Sans"/></w:rPr>')


@pytest.mark.parametrize("text, expected", [
    ("sans symbole", '<w:r><w:t xml:space="preserve">sans symbole</w:t></w:r>'),
    ("✓ fait", f'<w:r>{SYMBOL_PROPERTIES}<w:t xml:space="preserve">✓</w:t></w:r>'
               '<w:r><w:t xml:space="preserve"> fait</w:t></w:r>'),
    ("a ☐☐ b ➤", '<w:r><w:t xml:space="preserve">a </w:t></w:r>'
                 f'<w:r>{SYMBOL_PROPERTIES}<w:t xml:space="preserve">☐☐</w:t></w:r>'
                 '<w:r><w:t xml:space="preserve"> b </w:t></w:r>'
                 f'<w:r>{SYMBOL_PROPERTIES}<w:t xml:space="preserve">➤</w:t></w:r>'),
    ("\u25ff et \u27c0", '<w:r><w:t xml:space="preserve">\u25ff et \u27c0</w:t></w:r>'),  # outside the symbols
])
def test_a_symbol_of_the_prose_has_a_run_in_the_symbol_font(text, expected):
    writer._run.cache_clear()
    assert writer._run(text) == expected
    assert writer._prose_run.__wrapped__(text) == expected


def test_a_line_break_and_a_tab_of_the_prose_are_words():
    assert writer._prose_run.__wrapped__("a\tb\nc", None, True) == (
        '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">a</w:t></w:r>'
        '<w:r><w:rPr><w:b/></w:rPr><w:tab/></w:r>'
        '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">b</w:t><w:br/><w:t xml:space="preserve">c</w:t></w:r>')


def test_an_inline_is_a_value_equal_and_hashed_on_its_fields():
    """`Inline` is no longer a frozen dataclass (made faster): cached paragraphs still compare and hash as before."""
    note = (Block("Footnote Text", (Inline("note"),)),)
    first = Inline("1", ("Footnote Reference",), footnote=note, footnote_key="a")
    same = Inline("1", ("Footnote Reference",), footnote=note, footnote_key="a")
    assert first == same and hash(first) == hash(same) and len({first, same}) == 1
    assert first != Inline("1", ("Footnote Reference",), footnote=(), footnote_key="a")
    assert Inline("x") != Inline("x", is_line_break=True) and Inline("x") != ("x",)
    assert dataclasses.replace(first, text="2") == Inline("2", ("Footnote Reference",), footnote=note, footnote_key="a")
    assert pickle.loads(pickle.dumps(first)) == first
