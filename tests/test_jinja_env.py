"""The project's Jinja environment: its sandbox stays whole when attributes are read the fast way, and its
one-call output prints what Jinja's own code would."""

import time
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import example, given, strategies as st
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from generator.errors import TemplateProblem
from generator.jinja_env import create_environment
from generator.provenance import provenance
from generator.schema import Marqueur
from generator.wordml import Fragment


@dataclass
class Fiche:
    intitule: Any
    _secret: str = "caché"


def render(source: str, **context) -> str:
    return create_environment().from_string(source).render(**context)


def test_attributes_read_again_and_again_give_each_object_its_value():
    fiches = [Fiche(f"Projet {i}") for i in range(3)]
    assert render("{% for f in fiches %}{{ f.intitule }};{% endfor %}", fiches=fiches * 2) == \
        "Projet 0;Projet 1;Projet 2;" * 2


def test_an_attribute_read_plain_before_is_sandboxed_when_it_holds_a_method():
    """Once `intitule` was plain data, an object of the same type whose `intitule` is `str.format` still gets
    the sandbox's format (which refuses to reach internals)."""
    environment = create_environment()
    template = environment.from_string("{{ f.intitule }}")
    assert template.render(f=Fiche("Projet")) == "Projet"
    hostile = environment.from_string("{{ f.intitule('{0.__class__.__mro__}', f) }}")
    with pytest.raises(SecurityError):
        hostile.render(f=Fiche("{0.__class__}".format))


def test_private_and_internal_attributes_stay_out_of_reach():
    environment = create_environment()
    assert environment.from_string("{{ f._secret is defined }}").render(f=Fiche("x")) == "False"
    with pytest.raises(SecurityError):
        environment.from_string("{{ f._secret }}").render(f=Fiche("x"))
    with pytest.raises(SecurityError):
        environment.from_string("{{ f.intitule.__class__.__mro__ }}").render(f=Fiche("x"))


_TEMPLATES = [
    "{{ v }}",
    "<p>{{ v }}</p>{{ v }}",
    "{{ v|cellule }}",
    "{{ v if v else '' }}",
    "{% set x %}[{{ v }}]{% endset %}{{ x }}{{ x|length }}",
    "{% filter upper %}{{ v }}{% endfilter %}",
    "{% macro m(a) %}<{{ a }}>{% endmacro %}{{ m(v) }}",
    "{% autoescape false %}{{ v }}{% endautoescape %}",
    "{% autoescape flag %}{{ v }}{% endautoescape %}",
    "{{ v ~ ' < « x » :' }}",
    "{% for c in [v, v] %}{{ loop.index }}{{ c }}{% endfor %}",
]


@given(value=st.one_of(
    st.text(alphabet=st.sampled_from("ab1 <>&\"'«»:;!?%€\u00a0.")),
    st.text(alphabet=st.sampled_from("ab<>&:")).map(Markup),
    # what content can hold: amounts to the cent, below the schema's limit (computed differences may be negative)
    st.integers(min_value=-10**15, max_value=10**15),
    st.decimals(min_value=-10**15, max_value=10**15, allow_nan=False, allow_infinity=False, places=2),
    st.none(), st.booleans(),
    st.text(alphabet=st.sampled_from("ab<:")).map(Marqueur),
    st.text(alphabet=st.sampled_from("ab<>&\"")).map(Fragment)),  # rendered prose: WordprocessingML
       template=st.sampled_from(_TEMPLATES), flag=st.booleans())
@example(value='Il a dit "non" : <b>&', template="{{ v }}", flag=True)
@example(value=Markup("<b>gras</b>"), template="{{ v }}", flag=True)
def test_printed_values_come_out_as_with_jinjas_own_code_generator(value, template, flag):
    """The environment compiles each `{{ … }}` into one call; what it prints is what Jinja's own generated code
    prints, with the same finalize and filters, in escaped and unescaped blocks alike."""
    ours = create_environment()
    stock = create_environment()
    stock.code_generator_class = CodeGenerator
    assert ours.from_string(template).render(v=value, flag=flag) == \
        stock.from_string(template).render(v=value, flag=flag)


# --- resource limits: templates are edited by non-programmers ------------------------------------------------------


@pytest.mark.parametrize("source", [
    "{{ 'a' * 10**8 }}", "{{ 10**8 * 'a' }}", "{{ [0] * 10**7 }}", "{{ 2 ** 100000 }}",
    "{{ ((2 ** 1000) ** 1000) ** 1000 }}",
    "{{ range(50000)|length }}",  # Jinja's own sandbox allows 100 000
    "{{ 'a'|center(10**8) }}", "{{ 'a'.rjust(10**8) }}", "{{ 'a'.zfill(10**8) }}",
    "{{ ('\\t' * 100).expandtabs(10**5) }}",
    "{{ '%*d' % (10**8, 1) }}", "{{ '%099999999d' % 1 }}", "{{ '{:>99999999}'.format(1) }}",
    "{{ '{:>{w}}'.format(1, w=10**8) }}", "{{ '{:>99999999}'|format(1) }}",
    "{{ 'abc'|replace('', 'x' * 900000) }}", "{{ 'aaaa'.replace('a', 'b' * 900000) }}",
    "{{ range(10000)|join('x' * 1000) }}", "{{ ('x' * 1000).join(range(10000)|map('string')) }}",
    "{{ 'a'|indent(10**7, true) }}", "{{ ('a'|e).center(10**8) }}", "{{ ('a'|e) * 10**8 }}",
    "{% set ns = namespace(s='a' * 1000) %}{% for i in range(20) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% set ns = namespace(s='a' * 1000) %}{% for i in range(20) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
])
def test_a_template_cannot_make_a_string_range_or_number_too_large(source):
    with pytest.raises(SecurityError, match="trop grand"):
        render(source)


def test_templates_within_the_limits_render_as_jinja_does():
    assert render("{{ 'ab' * 3 }}|{{ 2 ** 10 }}|{{ range(3)|join(',') }}|{{ '%05.1f' % 2.25 }}|{{ 'a' ~ 1 }}|"
                  "{{ '{:>4}'.format(7) }}|{{ 'x'|center(5) }}|{{ 'a b'|replace(' ', '-') }}|{{ [1] + [2] }}") == \
        "ababab|1024|0,1,2|002.2|a1|   7|  x  |a-b|[1, 2]"


def test_a_render_past_its_time_limit_is_stopped_naming_its_template(tmp_path, monkeypatch):
    from generator.render_html import render_html

    monkeypatch.setattr("generator.jinja_env.RENDER_TIME_LIMIT", 0.5)
    template = tmp_path / "boucles.html"
    template.write_text("{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
                        "{% endfor %}{% endfor %}{% endfor %}", encoding="utf-8")
    with pytest.raises(TemplateProblem) as caught:
        render_html(template, {}, provenance("essai"))
    [problem] = caught.value.problems
    assert problem.location.path.endswith("boucles.html") and "dépasse 0.5 s" in problem.message
    assert render("{{ 1 + 1 }}") == "2"  # the thread renders again afterwards
    time.sleep(0.7)
    assert render("{% for i in range(3) %}{{ i }}{% endfor %}") == "012"  # no late stop


def test_a_financial_commitment_prints_in_words_and_in_figures_with_french_typography():
    """A value the schema marks as a commitment (`MontantEngage`) prints as the Journal officiel writes it,
    wherever a template prints it, typeset like any text (the apostrophe of « d’euros » curly)."""
    from decimal import Decimal

    from generator.schema import Engagement

    template = create_environment().from_string("L’État s’engage à hauteur de {{ montant }}.")
    assert template.render(montant=Engagement(Decimal("1000000"))) == \
        "L’État s’engage à hauteur de un million d’euros (1\u202f000\u202f000\u00a0€)."
    assert template.render(montant=Engagement(Decimal("275000.50"))) == (
        "L’État s’engage à hauteur de deux cent soixante-quinze mille euros et cinquante centimes "
        "(275\u202f000,50\u00a0€).")
