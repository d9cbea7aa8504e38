"""Superscript ordinals (`generator.exposants`): marked in printed text, raised by each output."""

import re
from pathlib import Path

from hypothesis import given, strategies as st

from generator.exposants import EXPOSANT_DEBUT as D, EXPOSANT_FIN as F, marquer_exposants, sans_marques
from generator.render_html import with_superscripts


def test_the_letters_of_ordinals_are_marked_for_superscript():
    assert marquer_exposants("le 1er juin, la 1re et la 2e phase") == \
        f"le 1{D}er{F} juin, la 1{D}re{F} et la 2{D}e{F} phase"
    assert marquer_exposants("2e5, 3,5e, l'an 2021") == "2e5, 3,5e, l'an 2021"  # not ordinals
    assert sans_marques(marquer_exposants("Article 1er")) == "Article 1er"


def test_the_web_page_raises_ordinals_in_its_text_only():
    page = (f"<title>{marquer_exposants('Avenant du 1er juin')}</title>"
            f'<h2 id="{marquer_exposants("article-1er")}">{marquer_exposants("Article 1er")}</h2>')
    assert with_superscripts(page) == ('<title>Avenant du 1er juin</title>'
                                       '<h2 id="article-1er">Article 1<sup>er</sup></h2>')


# The former pattern of `exposants.ORDINAL`, kept as the oracle of the one found from its first digit.
FORMER_ORDINAL = re.compile(r"(?<![\w.,])([0-9]+)(ers|res|er|re|es|e)(?!\w)")


def _former_marks(text: str) -> str:
    return FORMER_ORDINAL.sub(lambda m: m.group(1) + D + m.group(2) + F, text)


def test_ordinals_are_found_where_they_were_found_at_the_edges():
    for text in ("1er", "a1er", "_1er", ".1er", ",1er", " 1er", "(1er)", "12e", "x12e 3e", "1er1er", "1ers.",
                 "1e_", "1ère", "٣1er", "²1er", "1,2e", "1.2e et 3e", "-1er", "«\u00a01re\u00a0»", "9ee", ""):
        assert marquer_exposants(text) == _former_marks(text), text


@given(st.text(alphabet="0123456789ers .,_a-é²٣\u00a0\n", max_size=40))
def test_ordinals_are_found_where_they_were_found_in_generated_text(text):
    assert marquer_exposants(text) == _former_marks(text)


def test_ordinals_are_found_where_they_were_found_in_the_content():
    texts = [path.read_text(encoding="utf-8") for path in sorted(Path("content").rglob("*"))
             if path.suffix in {".md", ".yaml"}]
    assert len(texts) > 20
    for text in texts:
        assert marquer_exposants(text) == _former_marks(text)
