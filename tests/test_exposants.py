"""Superscript ordinals (`generator.exposants`): marked in printed text, raised by each output."""

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
