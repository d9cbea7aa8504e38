"""Click in French: every string click translates has a French text, with the same placeholders."""

import ast
import string
from pathlib import Path

import click
import pytest

from generator.cli_french import (CATALOG, CLICK_MODULES, IntegerRange, NumberRange, install, no_break_spaces,
                                  suggest_in_french)

CLICK_DIR = Path(click.__file__).parent


def click_messages() -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    """Every literal string click passes to gettext's `_` and `ngettext`, read from its installed source, with
    the modules that use it."""
    singular: dict[str, set[str]] = {}
    plural: dict[tuple[str, str], set[str]] = {}
    for path in sorted(CLICK_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            texts = [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            if node.func.id == "_" and texts:
                singular.setdefault(texts[0], set()).add(path.stem)
            elif node.func.id == "ngettext" and len(texts) == 2:
                plural.setdefault((texts[0], texts[1]), set()).add(path.stem)
    return singular, plural


def fields(text: str) -> set[str]:
    """The names of the `str.format` fields of `text` (`{value!r}` → value) and of its %-fields."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    return names | {part.split(")")[0] for part in text.split("%(")[1:]}


SAME_IN_FRENCH = {"Options", "%(prog)s, version %(version)s"}


def test_every_string_click_translates_has_a_french_text_with_the_same_placeholders():
    singular, plural = click_messages()
    assert len(singular) > 60 and len(plural) >= 7  # the scan found click's strings
    assert {module for modules in [*singular.values(), *plural.values()] for module in modules} - {"_winconsole"} \
        <= set(CLICK_MODULES)  # every module that translates is given the catalog
    for message in [*singular, "required"]:  # « required »: looked up through a variable (Option's help)
        french = CATALOG.gettext(message)
        assert french != message or message in SAME_IN_FRENCH, message
        assert fields(french) <= fields(message), (message, french)  # a field click does not give: KeyError
    for (one, many) in plural:
        french = CATALOG.ngettext(one, many, 1), CATALOG.ngettext(one, many, 2)
        assert french[0] not in (one, many) and french[1] not in (one, many), one
        assert fields(french[0]) <= fields(one) | fields(many) and fields(french[1]) <= fields(many), one


def test_plurals_follow_french_rules():
    args = "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"
    assert CATALOG.ngettext(*args, 0) == "argument en trop\u00a0: {args}"  # French: 0 takes the singular
    assert CATALOG.ngettext(*args, 1) == "argument en trop\u00a0: {args}"
    assert CATALOG.ngettext(*args, 2) == "arguments en trop\u00a0: {args}"
    assert CATALOG.ngettext("one apple", "{n} apples", 1) == "one apple"  # unknown: click's own text


def test_install_gives_click_s_modules_the_catalog_and_is_idempotent():
    install()
    install()
    assert click.exceptions._("Error: {message}") == "Erreur\u00a0: {message}"
    assert click.formatting._("Usage:") == "Utilisation\u00a0:"
    assert click.core.ngettext("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given.",
                               3) == "{nargs} valeurs attendues, {len} données."


@pytest.mark.parametrize("text, typeset", [
    ("Erreur : « x » ; oui ? non !", "Erreur\u00a0: «\u00a0x\u00a0»\u00a0; oui\u00a0? non\u00a0!"),
    ("tcp://hôte:8786 (par défaut : 10)", "tcp://hôte:8786 (par défaut\u00a0: 10)"),
    ("Exemples :\n  python build.py", "Exemples\u00a0:\n  python build.py"),
])
def test_no_break_spaces_before_high_punctuation_and_inside_guillemets(text, typeset):
    assert no_break_spaces(text) == typeset


def test_ranges_are_described_in_french():
    assert IntegerRange(0, 65535)._describe_range() == "de 0 à 65535"
    assert NumberRange(min=0.1)._describe_range() == "au moins 0,1"
    assert IntegerRange(max=9)._describe_range() == "au plus 9"
    assert NumberRange(0, 1, min_open=True)._describe_range() == "plus de 0 et au plus 1"


def test_a_decimal_comma_is_a_number():
    assert NumberRange(min=0.1).convert("2,5", None, None) == 2.5
    with pytest.raises(click.BadParameter) as refused:
        NumberRange(min=0.1).convert("0,05", None, None)
    assert str(refused.value).endswith(" est hors des valeurs permises\u00a0: au moins 0,1.")


def test_a_suggestion_names_each_possibility_in_guillemets():
    error = click.NoSuchOption("--sorti", possibilities=["--sortie", "--strict", "--formats"])
    error.possibilities = ["--strict", "--sortie", "--formats"]  # as difflib may order them
    assert suggest_in_french(error).format_message() == (
        "option inconnue «\u00a0--sorti\u00a0». Vouliez-vous dire «\u00a0--formats\u00a0», "
        "«\u00a0--sortie\u00a0» ou «\u00a0--strict\u00a0»\u00a0?")
