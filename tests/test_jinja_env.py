"""The project's Jinja environment: its sandbox stays whole when attributes are read the fast way."""

from dataclasses import dataclass
from typing import Any

import pytest
from jinja2.sandbox import SecurityError

from generator.jinja_env import create_environment


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
