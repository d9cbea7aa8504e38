"""French formatting rules, each stated with its exact expected string (special spaces written as escapes)."""

import datetime as dt
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import example, given, strategies as st

from generator import french


@pytest.mark.parametrize("value, expected", [
    (275000, "275\u202f000\u00a0€"),
    (Decimal("1234.56"), "1\u202f234,56\u00a0€"),
    (Decimal("0.5"), "0,50\u00a0€"),
    (0, "0\u00a0€"),
    (Decimal("275000.5"), "275\u202f000,50\u00a0€"),
    (Decimal("2.005"), "2,01\u00a0€"),        # half-up to the cent (half-even would give 2,00)
    (Decimal("0.125"), "0,13\u00a0€"),
    (Decimal("1000000"), "1\u202f000\u202f000\u00a0€"),
])
def test_montant(value, expected):
    assert french.montant(value) == expected


@example(Decimal("1E+3"))
@example(Decimal("-0"))
@example(Decimal("-0.004"))
@example(10**25)
@example(Decimal("123456789012345678901234.56"))
@given(st.decimals(min_value=-10**12, max_value=10**12, places=3, allow_nan=False, allow_infinity=False)
       | st.integers(min_value=-10**12, max_value=10**12))
def test_montant_prints_what_babel_prints(value):
    rounded = french.round_money(value)
    rounded = rounded if rounded else abs(rounded)  # -0,004 € is « 0 € », where babel writes « -0 »
    pattern = "#,##0" if rounded == rounded.to_integral_value() else "#,##0.00"
    assert french.montant(value) == format_decimal(rounded, format=pattern, locale="fr_FR") + "\u00a0€"


def test_round_money_is_half_up():
    assert french.round_money(Decimal("2.345")) == Decimal("2.35")
    assert french.round_money(Decimal("2.355")) == Decimal("2.36")


def test_nombre_groups_quantities_only():
    assert french.nombre(241934) == "241\u202f934"
    assert french.nombre(Decimal("32.5"), 1) == "32,5"


def test_years_and_article_numbers_are_never_grouped():
    assert french.date_longue(dt.date(2021, 7, 9)).endswith("2021")
    assert french.numero_article(1) == "1er"
    assert french.numero_article(2) == "2"
    assert french.numero_article(1234) == "1234"


@pytest.mark.parametrize("value, expected", [
    (dt.date(2021, 7, 9), "9 juillet 2021"),
    (dt.date(2017, 6, 1), "1er juin 2017"),
    (dt.date(2020, 12, 31), "31 décembre 2020"),
])
def test_date_longue(value, expected):
    assert french.date_longue(value) == expected


def test_date_courte():
    assert french.date_courte(dt.date(2021, 6, 12)) == "12/06/21"


def test_ordinals():
    assert french.ordinal(1) == "1er"
    assert french.ordinal(1, feminin=True) == "1re"
    assert french.ordinal(2) == "2e"
    assert french.ordinal(21) == "21e"


def test_pourcentage():
    assert french.pourcentage(Decimal("0.134")) == "13,4\u00a0%"
    assert french.pourcentage(Decimal("0.1")) == "10\u00a0%"


@pytest.mark.parametrize("value, expected", [
    (275000, "deux cent soixante-quinze mille euros"),
    (80, "quatre-vingts euros"),
    (71, "soixante et onze euros"),
    (1, "un euro"),
    (0, "zéro euro"),
    (1000000, "un million d'euros"),
    (2000000, "deux millions d'euros"),
    (1200000, "un million deux cent mille euros"),
    (Decimal("3.05"), "trois euros et cinq centimes"),
    (Decimal("0.50"), "cinquante centimes"),
    (Decimal("1.01"), "un euro et un centime"),
    (Decimal("140000"), "cent quarante mille euros"),
])
def test_montant_en_lettres(value, expected):
    assert french.montant_en_lettres(value) == expected


def test_montant_jo():
    assert french.montant_jo(140000) == "cent quarante mille euros (140\u202f000\u00a0€)"


@pytest.mark.parametrize("typed, expected", [
    ("Objet : le contrat", "Objet\u00a0: le contrat"),
    ("Pourquoi ? Parce que !", "Pourquoi\u202f? Parce que\u202f!"),
    ("d'une part ; d'autre part", "d\u2019une part\u202f; d\u2019autre part"),
    ("le « CALL »", "le «\u00a0CALL\u00a0»"),
    ("le «CALL»", "le «\u00a0CALL\u00a0»"),
    ('le "Parc de l\'Innovation"', "le «\u00a0Parc de l\u2019Innovation\u00a0»"),
    ("la 2ème phase", "la 2e phase"),
    ("la 1ère phase", "la 1re phase"),
    ("le 3eme axe", "le 3e axe"),
    ("coût : 275 000 €", "coût\u00a0: 275 000\u00a0€"),
    ("soit 10 % de plus", "soit 10\u00a0% de plus"),
    ("soit 10% de plus", "soit 10\u00a0% de plus"),
    ("la fiche n° 12", "la fiche n°\u00a012"),
    ("etc...", "etc…"),
])
def test_typographie(typed, expected):
    assert french.typographie(typed) == expected


@pytest.mark.parametrize("typed", [
    "https://www.agglo-lenslievin.fr/a?b=c:d",
    "contact@agglo-lenslievin.fr",
    "www.agglo-lenslievin.fr",
    "à 12:30",
])
def test_typographie_leaves_urls_emails_and_times(typed):
    assert french.typographie(typed) == typed


def test_typographie_inside_text_with_url():
    assert french.typographie("Voir : https://a.fr/x:y ; merci") == "Voir\u00a0: https://a.fr/x:y\u202f; merci"


def test_typographie_is_idempotent():
    text = 'Objet : le "CALL" ; 2ème phase, 10 % et 5 €'
    once = french.typographie(text)
    assert french.typographie(once) == once


@example("\u0663ème")  # an Arabic-Indic digit: no ASCII digit for the ordinal rule to look for
@given(st.text(alphabet="ab1 2\u0663eèiérm\"'«»;:!?€%°nN.\u00a0\u202f(", max_size=30))
def test_typography_skips_only_texts_no_rule_would_change(text):
    """A rule skipped for want of the characters it needs would have left the text as it is."""
    from generator.french import _RULES, _typographie_segment

    expected = text
    for _, pattern, replacement in _RULES:
        expected = pattern.sub(replacement, expected)
    assert _typographie_segment(text) == expected


@example("12:30 www.a.fr")
@example("www.l'a.fr")  # no « : » nor « @ »: « www. » alone calls for the search, and the URL keeps its '
@example("www.a...b")
@given(st.text(alphabet="a1 2:/@whtp.'\"«;", max_size=30))
def test_typography_looks_for_protected_spans_only_where_there_may_be_one(text):
    """Every protected span (URL, e-mail address, time) holds one of the characters looked for first."""
    from generator.french import _PROTECTED, _typographie_segment

    expected, last = [], 0
    for match in _PROTECTED.finditer(text):
        expected += [_typographie_segment(text[last:match.start()]), match.group(0)]
        last = match.end()
    expected.append(_typographie_segment(text[last:]))
    assert french.typographie(text) == "".join(expected)


# --- Huge amounts (issue 27) -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    # from 10^26 on, Decimal's default 28 digits cannot hold the cents: formatted all the same, digit for digit
    (Decimal("1E+26"), "100\u202f000\u202f000\u202f000\u202f000\u202f000\u202f000\u202f000\u202f000\u00a0€"),
    (Decimal("123456789012345678901234567.895"),
     "123\u202f456\u202f789\u202f012\u202f345\u202f678\u202f901\u202f234\u202f567,90\u00a0€"),
    (10**30, "1" + "\u202f000" * 10 + "\u00a0€"),
])
def test_montant_of_a_huge_amount_is_printed_not_refused(value, expected):
    assert french.montant(value) == expected


def test_round_money_of_a_huge_amount_keeps_every_digit():
    assert french.round_money(Decimal("12345678901234567890123456789.125")) == \
        Decimal("12345678901234567890123456789.13")
