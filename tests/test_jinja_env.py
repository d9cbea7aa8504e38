"""The project's Jinja environment: its sandbox stays whole when attributes are read the fast way, and its
one-call output prints what Jinja's own code would."""

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import example, given, strategies as st
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from generator.jinja_env import create_environment
from generator.schema import Marqueur


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
    st.text(alphabet=st.sampled_from("ab<:")).map(Marqueur)),
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
