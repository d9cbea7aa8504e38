"""French formatting rules, each stated with its exact expected string (special spaces written as escapes)."""

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Context, Decimal

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
    # rounded here as the rule says (half-up to the cent, every digit kept), not by the module's round_money
    rounded = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP, context=Context(prec=60))
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
    assert french.date_longue(dt.date(2021, 7, 9)) == "9 juillet 2021"
    assert french.date_longue(dt.date(2030, 11, 1)) == "1er novembre 2030"
    assert french.mois_annee(dt.date(2021, 7, 9)) == "juillet 2021"
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
    ("coût : 275 000 €", "coût\u00a0: 275\u202f000\u00a0€"),
    # digit groups typed with plain spaces are held together
    ("241 934 habitants", "241\u202f934 habitants"),
    ("4 860 000 €", "4\u202f860\u202f000\u00a0€"),
    ("entre 2021 2022", "entre 2021 2022"),  # two years, not a number
    ("tél. 03 21 79 07 90", "tél. 03 21 79 07 90"),  # a telephone number is grouped by two
    ("la 1ere tranche", "la 1re tranche"),
    ("aussi par l'", "aussi par l\u2019"),  # an elided word before a word in bold (« l'**appel** »)
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



@pytest.mark.parametrize("phrase, expected", [
    ("Essai", "d’Essai"), ("Arras", "d’Arras"), ("Évry", "d’Évry"), ("Lens-Liévin", "de Lens-Liévin"),
    ("le Conseil", "du Conseil"), ("la Région", "de la Région"), ("l'Etat", "de l'Etat"), ("Hénin", "de Hénin")])
def test_de_contracts_and_elides_before_a_vowel(phrase, expected):
    assert french.de(phrase) == expected


@pytest.mark.parametrize("name, expected", [
    ("Pays de Saint-Omer", "du Pays de Saint-Omer"),
    ("Communauté urbaine d'Arras", "de la Communauté urbaine d'Arras"),
    ("Agglomération du Boulonnais", "de l’Agglomération du Boulonnais"),
    ("Lens-Liévin", "de Lens-Liévin"),
    ("conseil communautaire", "du conseil communautaire"),
    ("la Commission Permanente", "de la Commission Permanente"),
    ("le Conseil métropolitain", "du Conseil métropolitain"),
    ("L'État", "de l'État"),
])
def test_de_takes_the_article_of_the_name(name, expected):
    assert french.de(name) == expected


@pytest.mark.parametrize("name, expected", [
    ("L'État", "Pour l'État"),
    ("La Région Hauts-de-France", "Pour la Région Hauts-de-France"),
    ("Lille Métropole", "Pour Lille Métropole"),
])
def test_pour_lowers_a_leading_article_only(name, expected):
    assert french.pour(name) == expected


def test_a_womans_title_of_courtesy_is_feminine():
    assert french.civilite_feminine("Madame") and french.civilite_feminine("Mme")
    assert not french.civilite_feminine("Monsieur") and not french.civilite_feminine("M.")


def test_prose_ending_with_il_est_convenu_is_recognised():
    assert french.finit_par_convenu("Considérant…\n\nIl est convenu ce qui suit :\n")
    assert french.finit_par_convenu("**Il est convenu et arrêté ce qui suit\u00a0:**")
    assert not french.finit_par_convenu("Il est convenu ce qui suit : rien.")


@pytest.mark.parametrize("qualite, feminin, expected", [
    ("son Président", False, "Le Président"),
    ("sa Présidente", True, "La Présidente"),
    ("Préfet du Pas-de-Calais", False, "Le Préfet du Pas-de-Calais"),
    ("Adjointe au maire", True, "L’Adjointe au maire"),
    ("la Maire de Lille", True, "La Maire de Lille"),
])
def test_a_signatory_signs_with_the_office_and_its_article(qualite, feminin, expected):
    assert french.fonction_signataire(qualite, feminin) == expected



# --- Rules typed by hand (issue 27): each expected string from the rule's source, not from the module ---------
# Typography: Lexique des règles typographiques en usage à l'Imprimerie nationale (« : » after a no-break space,
# « ; ! ? » after a narrow no-break space, no-break spaces inside « », before € and % after a number, and
# after n°; 1er, 1re, 2e; the ’ apostrophe; … for three dots). U+00A0 is written NB, U+202F NN below.

NB, NN = "\u00a0", "\u202f"


@pytest.mark.parametrize("typed, expected", [
    ("Question?", f"Question{NN}?"),
    ("Vraiment !", f"Vraiment{NN}!"),
    ("Vraiment!", f"Vraiment{NN}!"),
    (f"d'une part{NB}; d'autre part", f"d’une part{NN}; d’autre part"),
    ("a  ; b", f"a{NN}; b"),
    ("(sic) ?", f"(sic){NN}?"),
    ("« oui » ?", f"«{NB}oui{NB}»{NN}?"),
    ("soit 10 % ?", f"soit 10{NB}%{NN}?"),
    ("Note:", f"Note{NB}:"),
    ("Objet: le contrat", f"Objet{NB}: le contrat"),
    (f"Objet{NN}: le contrat", f"Objet{NB}: le contrat"),
    ("Objet   : le contrat", f"Objet{NB}: le contrat"),
    ("(1) : voir", f"(1){NB}: voir"),
    ("a:b", "a:b"),                                      # no space after: not a punctuation colon
    (f"275 000{NN}€", f"275{NN}000{NB}€"),  # digit groups typed with a space get the fine space (issue 18)
    (f"15{NN}%", f"15{NB}%"),
    ("15%", f"15{NB}%"),
    ("5€", f"5{NB}€"),
    ("5   €", f"5{NB}€"),
    ("la fiche n°12", f"la fiche n°{NB}12"),
    ("la fiche n° 12", f"la fiche n°{NB}12"),
    ("fiche N°3", f"fiche N°{NB}3"),
    ("le n° de la fiche", "le n° de la fiche"),          # no number follows
    ("le 1ier axe", "le 1er axe"),
    ("la 1ere phase", "la 1re phase"),
    ("la 1ère phase", "la 1re phase"),
    ("le 2è axe", "le 2e axe"),
    ("le 21ième siècle", "le 21e siècle"),
    ("le 3eme axe", "le 3e axe"),
    ("la 2ème phase", "la 2e phase"),
    ("aujourd'hui", "aujourd’hui"),
    ("l'État", "l’État"),
    ("les élus'", "les élus'"),                           # not between two letters
    ('"oui"', f"«{NB}oui{NB}»"),
    ('("oui")', f"(«{NB}oui{NB}»)"),
    ('dit "non" : fin', f"dit «{NB}non{NB}»{NB}: fin"),
    ("« oui »", f"«{NB}oui{NB}»"),
    ("«oui»", f"«{NB}oui{NB}»"),
    (f"«{NN}oui{NN}»", f"«{NB}oui{NB}»"),
    ("etc...", "etc…"),
    ("Attendre... puis", "Attendre… puis"),
])
def test_typographie_follows_the_lexique(typed, expected):
    assert french.typographie(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    # the URL ends before a final punctuation mark: the text around it is set as usual
    ("Voir www.agglo.fr...", "Voir www.agglo.fr…"),
    ("Voir https://a.fr/x... merci", "Voir https://a.fr/x… merci"),
    ("Voir https://a.fr/x. Merci !", f"Voir https://a.fr/x. Merci{NN}!"),
    ("(voir https://a.fr/x) : ok", f"(voir https://a.fr/x){NB}: ok"),
    ("Voir https://a.fr/?q=1;2 ; merci", f"Voir https://a.fr/?q=1;2{NN}; merci"),
    ("Fichiers : ftp://f.fr/a!b", f"Fichiers{NB}: ftp://f.fr/a!b"),
    ("Voir www.l'agglo.fr !", f"Voir www.l'agglo.fr{NN}!"),     # the URL keeps its straight apostrophe
    ("Écrire à jean.dupont@agglo.fr ; merci", f"Écrire à jean.dupont@agglo.fr{NN}; merci"),
    ("l'adresse d'o'neil@a.fr", "l’adresse d’o'neil@a.fr"),   # the address is « neil@a.fr »: o'neil keeps '
    # times, with or without seconds, keep their colons
    ("Séance à 09:30:15 : ouverture", f"Séance à 09:30:15{NB}: ouverture"),
    ("Début 9:05:30 ; fin 10:00", f"Début 9:05:30{NN}; fin 10:00"),
    ("à 12:30 !", f"à 12:30{NN}!"),
])
def test_typographie_leaves_urls_addresses_and_times_as_typed(typed, expected):
    assert french.typographie(typed) == expected


_RULE_ALPHABET = "ab1 2\u0663eèiérm\"'«»;:!?€%°nN.\u00a0\u202f("


@example('a "b" ; 1ère 10 % n°2...')
@given(st.text(alphabet=_RULE_ALPHABET, max_size=30))
def test_typography_leaves_no_text_the_lexique_forbids(text):
    """Whatever the text, once set: no straight double quote, no space but a narrow no-break one before ; ! ?, no
    space but a no-break one before « : », between « » and a word inside them, or between a number and € or %; and setting it again
    changes nothing. (Times such as 12:12 may hold a colon with no space before it.)"""
    once = french.typographie(text)
    assert '"' not in once
    assert not re.search(r"[ \u00a0][;!?]", once)
    assert not re.search(r"[ \u202f]:", once)
    assert not re.search(r"«[ \u202f]*\w|\w[ \u202f]*»", once)
    assert not re.search(r"\d[ \u202f]*[€%]", once)
    assert french.typographie(once) == once


_PROTECTED_SPANS = ["https://a.fr/x:y", "http://www.l'a.fr/?q=1;2", "www.l'a.fr", "ftp://f.fr/a!b",
                    "contact@agglo-lenslievin.fr", "12:30", "9:05:30"]


@example("", "www.l'a.fr", " ...")
@given(st.text(alphabet=_RULE_ALPHABET, max_size=15), st.sampled_from(_PROTECTED_SPANS),
       st.text(alphabet=_RULE_ALPHABET, max_size=15))
def test_typography_never_changes_a_url_an_address_or_a_time(before, span, after):
    """A URL, an e-mail address or a time between spaces comes out as typed, whatever text surrounds it."""
    assert span in french.typographie(f"{before} {span} {after}")


@pytest.mark.parametrize("noun_phrase, expected", [
    ("le Conseil départemental", "du Conseil départemental"),
    ("Le Département", "du Département"),
    ("les communes", "des communes"),
    ("Les Communes membres", "des Communes membres"),
    ("l'Etat", "de l'Etat"),
    ("L'État", "de l'État"),
    ("l’Agence", "de l’Agence"),
    ("L’Agence", "de l’Agence"),
    ("la Région", "de la Région"),
    ("La Région Hauts-de-France", "de la Région Hauts-de-France"),
    ("Lens", "de Lens"),
    ("Lesquin", "de Lesquin"),
    ("Laval", "de Laval"),
    ("leur commune", "de leur commune"),
    ("Liévin", "de Liévin"),
])
def test_de_contracts_the_article_as_french_grammar_does(noun_phrase, expected):
    assert french.de(noun_phrase) == expected


@pytest.mark.parametrize("value, expected", [
    (2, "deux euros"),
    (Decimal("2.02"), "deux euros et deux centimes"),
    (Decimal("0.01"), "un centime"),
    (Decimal("0.99"), "quatre-vingt-dix-neuf centimes"),
    (Decimal("99.99"), "quatre-vingt-dix-neuf euros et quatre-vingt-dix-neuf centimes"),
    (Decimal("1000000.50"), "un million d'euros et cinquante centimes"),
    (3000000000, "trois milliards d'euros"),
    (1000001, "un million un euros"),
    (Decimal("2.005"), "deux euros et un centime"),       # rounded half-up to the cent first
    (Decimal("-0.004"), "zéro euro"),                     # rounds to zero: not negative
])
def test_montant_en_lettres_by_hand(value, expected):
    assert french.montant_en_lettres(value) == expected


@pytest.mark.parametrize("value", [Decimal("-0.5"), -1, Decimal("-0.005")])
def test_montant_en_lettres_refuses_a_negative_amount(value):
    with pytest.raises(ValueError) as refused:
        french.montant_en_lettres(value)
    assert str(refused.value) == "un montant en lettres ne peut pas être négatif"


@pytest.mark.parametrize("value, decimales, expected", [
    (Decimal("1234.56"), 0, f"1{NN}235"),
    (Decimal("32.5"), 2, "32,50"),
    (Decimal("1234567.891"), 1, f"1{NN}234{NN}567,9"),
    (12, 0, "12"),
])
def test_nombre_by_hand(value, decimales, expected):
    assert french.nombre(value, decimales) == expected


@pytest.mark.parametrize("args, expected", [
    ((Decimal("0.1234"),), f"12,3{NB}%"),         # one decimal unless told
    ((Decimal("0.1267"), 0), f"13{NB}%"),
    ((Decimal("0.12346"), 2), f"12,35{NB}%"),
    ((Decimal("0.5"), 2), f"50{NB}%"),              # decimals shown only when there are some
    ((Decimal("12.5"),), f"1{NN}250{NB}%"),
])
def test_pourcentage_by_hand(args, expected):
    assert french.pourcentage(*args) == expected


@pytest.mark.parametrize("value, expected", [
    (dt.date(2021, 1, 1), "1er janvier 2021"),
    (dt.date(2030, 2, 28), "28 février 2030"),
    (dt.date(2024, 8, 15), "15 août 2024"),
])
def test_date_longue_by_hand(value, expected):
    assert french.date_longue(value) == expected


def test_mois_annee_and_date_courte_by_hand():
    assert french.mois_annee(dt.date(2022, 1, 31)) == "janvier 2022"
    assert french.mois_annee(dt.date(2023, 12, 1)) == "décembre 2023"
    assert french.date_courte(dt.date(2007, 3, 4)) == "04/03/07"


@pytest.mark.parametrize("value, feminin, expected", [
    (1, False, "1er"), (1, True, "1re"), (2, True, "2e"), (3, False, "3e"), (11, False, "11e"), (101, True, "101e"),
])
def test_ordinal_by_hand(value, feminin, expected):
    assert french.ordinal(value, feminin) == expected


@pytest.mark.parametrize("value, expected", [
    (Decimal("-1234.5"), f"-1{NN}234,50{NB}€"),
    (Decimal("-0.004"), f"0{NB}€"),
    (Decimal("999.995"), f"1{NN}000{NB}€"),
    (Decimal("0.005"), f"0,01{NB}€"),
    (Decimal("12.10"), f"12,10{NB}€"),
    (Decimal("12.00"), f"12{NB}€"),
])
def test_montant_by_hand(value, expected):
    assert french.montant(value) == expected


# --- Apostrophes the page review found straight (Lexique: the apostrophe is ’, also before a quotation) --------

@pytest.mark.parametrize("typed, printed", [
    ("d'« aller vers »", "d\u2019«\u00a0aller vers\u00a0»"),
    ("d' « élaborer »", "d\u2019«\u00a0élaborer\u00a0»"),  # no space between the apostrophe and the quotation
    ("qu'« il »", "qu\u2019«\u00a0il\u00a0»"),
    ("les années '70", "les années \u201970"),
    ("'citation'", "'citation'"),  # a quotation in single quotes is left as typed
])
def test_an_apostrophe_before_a_quotation_or_a_year_is_curly(typed, printed):
    assert french.typographie(typed) == printed


# --- Issue 27, second pass (after the merges of issues 18-20): survivors of the merged french.py -------------
# Expected values typed from the rules: a signature block opens with the office and its article (« Le
# Président », « La Présidente », « L’Adjointe »), a possessive (« son », « leur »…) giving way to the article.

@pytest.mark.parametrize("qualite, feminin, expected", [
    ("leur Directeur", False, "Le Directeur"),
    ("notre Président", False, "Le Président"),
    ("votre Présidente", True, "La Présidente"),
    ("sa Présidente du conseil départemental", True, "La Présidente du conseil départemental"),
    ("son Président de la communauté", False, "Le Président de la communauté"),
    ("le Préfet du Nord", False, "Le Préfet du Nord"),
    ("les Co-présidents du comité", False, "Les Co-présidents du comité"),
    ("l'Adjointe au maire", True, "L'Adjointe au maire"),
    ("l’Adjoint au maire", False, "L’Adjoint au maire"),
    ("son  Président", False, "Le Président"),          # two spaces typed: one printed (was « Le  Président »)
    ("sa\tPrésidente", True, "La Présidente"),
])
def test_a_signatory_office_with_a_possessive_or_an_article_as_typed(qualite, feminin, expected):
    assert french.fonction_signataire(qualite, feminin) == expected


def test_a_signatory_is_a_man_unless_told():
    assert french.fonction_signataire("Préfet du Nord") == "Le Préfet du Nord"
    assert french.fonction_signataire("son Maire") == "Le Maire"


def test_a_title_in_capitals_reads_in_lower_case_within_a_sentence():
    assert french.en_phrase("CONTRAT DE RELANCE ET DE TRANSITION ÉCOLOGIQUE") == (
        "contrat de relance et de transition écologique")
    assert french.en_phrase("Contrat de ville de Lens") == "Contrat de ville de Lens"


def test_il_est_convenu_is_recognised_whatever_its_spaces():
    # a narrow no-break space before « : » (as typography puts it), no-break spaces between the words
    assert french.finit_par_convenu("Il\u00a0est\u00a0convenu ce qui suit\u202f:")
    assert french.finit_par_convenu("_Il est convenu ce qui suit_\u00a0:\u00a0")
    assert not french.finit_par_convenu("Il est convenu ce qui suit\u00a0: rien.")


@pytest.mark.parametrize("typed, expected", [
    # the preposition where a cell or a sentence starts: its capital keeps the accent
    ("A évaluer", "À évaluer"),
    ("A rechercher : FSE", "À rechercher\u00a0: FSE"),
    ("Fin des travaux. A l'issue de la réunion", "Fin des travaux. À l\u2019issue de la réunion"),
    ("(A programmer)", "(À programmer)"),
    ("A cette fin, la Région soutient", "À cette fin, la Région soutient"),
    ("A venir :", "À venir\u00a0:"),
    ("A terme, le projet", "À terme, le projet"),
    # a label, a letter within a sentence, the verb « a »: left as typed
    ("A. Les axes", "A. Les axes"),
    ("Annexe A et annexe B", "Annexe A et annexe B"),
    ("la catégorie A des projets", "la catégorie A des projets"),
    ("A été adopté le 1er juin", "A été adopté le 1er juin"),
    ("A LA DEMANDE", "A LA DEMANDE"),
    ("A great project", "A great project"),
    ("A priori, rien", "A priori, rien"),
])
def test_a_capital_a_that_is_the_preposition_keeps_its_accent(typed, expected):
    assert french.typographie(typed) == expected
    assert french.typographie(expected) == expected


# --- the rules' quick rejects change nothing: the output is the former implementation's, byte for byte ----------

_QUICK_REJECT_ALPHABET = _RULE_ALPHABET + "A1ilqu':/@w.0\n\u0663 )]_\t\u2028"
"""Characters that make the rules' quick rejects hesitate: what a rule needs, parts of a URL, an address, a time."""


@example("Le 1ère, 2ème, 1ier ; A la fin... n° 3 l'« a » '70 12:30 www.a.fr a@b.fr 1 000 €")
@given(st.text(alphabet=_QUICK_REJECT_ALPHABET, max_size=40))
def test_typographie_is_the_former_implementation_on_generated_text(text):
    from .typographie_reference import typographie as former

    assert french.typographie(text) == former(text)


@given(st.lists(st.sampled_from(["A", "la", "1", "ère", "ere", "ier", "ème", "eme", "è", "'", "«", "»", " ", "\u00a0",
                                 "\u202f", ";", ":", "!", "?", "...", "n°", "N°", "2", "000", "€", "%", "\n", "l", "d",
                                 "70", "http://", "www.", "@", "12", '"', "(", ".", "\u0663"]), max_size=20))
def test_typographie_is_the_former_implementation_on_generated_pieces(pieces):
    from .typographie_reference import typographie as former

    text = "".join(pieces)
    assert french.typographie(text) == former(text)


def test_typographie_is_the_former_implementation_on_content_and_an_own_prose_corpus(tmp_path):
    from bench.make_corpus import make_corpus

    from .test_prose import _content_prose
    from .typographie_reference import typographie as former

    make_corpus(tmp_path / "corpus", 2)
    texts = _content_prose() + _content_prose(tmp_path / "corpus")
    pieces = [piece for text in texts for piece in [text, *text.split("\n"), *re.split(r"[*_\[\]`]", text)]]
    assert len(pieces) > 5000
    for piece in pieces:
        assert french.typographie(piece) == former(piece), piece[:200]


_COLON_AFTER_WORD = re.compile(r"(?<=[\w\)»%€\]])[ \u00a0\u202f]*:(?=\s|$)")
"""The rule `french._ColonAfterWord` applies without a regular expression, written as one (its oracle)."""


@pytest.mark.parametrize("text", [
    ": en tête", "fin: suite", "fin : suite", "fin  : suite", "fin \u00a0\u202f: suite", "fin:", "fin :",
    " : seul", "a: b: c", "a :: b", "a : : b", "(art. 2): x", "50 %: x", "12 €: x", "« cité »: x", "[1]: x",
    "ab:cd", "x_: y", "é : z", "heure 10:30 : fin", "a:\nb", "mot :\tsuite", "::", ": :", "a :b : c", "  :  ",
])
def test_the_colon_after_a_word_is_found_as_its_regular_expression_finds_it(text):
    assert french._ColonAfterWord().sub("\u202f:", text) == _COLON_AFTER_WORD.sub("\u202f:", text)


@given(st.text(alphabet="ab_1)»€ \u00a0\u202f:\n.é", max_size=12))
def test_the_colon_rule_agrees_with_its_regular_expression_on_generated_text(text):
    assert french._ColonAfterWord().sub("\u202f:", text) == _COLON_AFTER_WORD.sub("\u202f:", text)


@pytest.mark.parametrize("parts, text, holds", [
    (("@", "://"), "écrire à x@y.fr", True), (("@", "://"), "voir https://a.fr", True),
    (("@", "://"), "rien ici", False), (("...",), "attendre..", False), (("...",), "et...", True),
])
def test_a_quick_reject_finds_its_parts(parts, text, holds):
    assert french._holding(*parts)(text) is holds


# --- the rules found from what they need, compared with the regular expressions they were (their oracles) -----

def _sign_rules():
    """Return each rule found from its sign, the regular expression it was and a replacement (made in the test
    that uses them: mutation testing runs a mutant of a function with the tests that call it)."""
    return [
        (french._SpacedSign("»", " \u00a0\u202f"), re.compile(r"[ \u00a0\u202f]*»"), "\u00a0»"),
        (french._SpacedSign(";!?", " \u00a0\u202f", french._after_word),
         re.compile(r"(?<=[\w\)»%€\]])[ \u00a0\u202f]*([;!?])"), "\u202f\\1"),
        (french._SpacedSign("€%", " \u202f", str.isdecimal), re.compile(r"(?<=\d)[ \u202f]*(€|%)"), "\u00a0\\1"),
        (french._ColonAfterWord(), _COLON_AFTER_WORD, "\u00a0:"),
    ]
_SIGN_ALPHABET = "a_1\u0663)»%€]« \u00a0\u202f;!?:\n.éX"


@pytest.mark.parametrize("text", [
    "", "»", " »", "a »", "a  \u00a0»", "«a»", "» »", "»»", "a ; b", "a;b", " ; seul", "fin !", "(x) ?", "50 % ?", "12 € ;",
    "« cité » !", "[1] ?", "x_ ;", "é ?", "a ;; b", "a ; ; b", "10 €", "10€", "10\u202f%", "10\u00a0€", "a €", "\u0663 %",
    "1 000 € et 5 %", "%", "€ 10", "a : b", "fin:", "x\u202f\u00a0 ; y", "7 %\n", "a ?!", "» ; «", "aX b", "aX: b",
    "X: b", "aX ; b", "5X%", "a:X",
])
def test_a_sign_rule_gives_what_its_regular_expression_gives(text):
    for rule, pattern, replacement in _sign_rules():
        assert rule.sub(replacement, text) == pattern.sub(replacement, text), (pattern.pattern, text)


@given(st.text(alphabet=_SIGN_ALPHABET, max_size=14))
def test_the_sign_rules_agree_with_their_regular_expressions_on_generated_text(text):
    for rule, pattern, replacement in _sign_rules():
        assert rule.sub(replacement, text) == pattern.sub(replacement, text), (pattern.pattern, text)


_OPENING_QUOTE = re.compile(r'(^|[\s(\[])"(?=\S)')
"""The rule of the opening quote as it was written: a quote at the start or after a space or a bracket."""


@given(st.text(alphabet='"a (\n[\u00a0', max_size=10))
@example('"a" ("b") ["c"] \n"d" "" " ""')
def test_the_opening_quote_is_found_from_the_quote_as_it_was(text):
    rule = french._RULES[0][2]
    assert rule.sub("« ", text) == _OPENING_QUOTE.sub(r"\1« ", text)


@pytest.mark.parametrize("text, holds", [
    ("2ème", True), ("2è", True), ("2ième", True), ("2eme", True), ("12ème", True), ("ème", False), ("2 ème", False),
    ("2iè", True), ("ièeme", False), ("2i", False), ("2ieme", False), ("très 2 problème", False), ("a9è", True), ("\u0663ème", False),
])
def test_the_ordinal_quick_reject_looks_for_letters_right_after_a_digit(text, holds):
    assert french._ordinal_letters(text) is holds


@given(st.text(alphabet="1è ie\u0663m", max_size=10))
def test_the_ordinal_quick_reject_is_a_digit_then_the_letters(text):
    assert french._ordinal_letters(text) is bool(re.search("[0-9](?:è|iè|eme)", text))  # (« ième » holds « iè »)


@pytest.mark.parametrize("text, holds", [
    ("A la fin", True), ("Annexe A", False), ("annexe A .", True), ("(A partir", True), ("«A travers", True),
    ("«\u202fA l'issue", True), (". A\u00a0terme", True), ("xA la", False), ("A", False), ("LA CARTE", False),
    ("un A\u202fb", False), ("\u00a0A b", True),
])
def test_the_quick_reject_of_a_capital_a_wants_it_as_a_word(text, holds):
    assert french._a_word(text) is holds


@given(st.text(alphabet="A \u00a0\u202f«(.x", max_size=10))
def test_the_quick_reject_of_a_capital_a_is_an_a_then_a_space_at_the_start_or_after_a_space(text):
    assert french._a_word(text) is bool(re.search("(?:^|[ \u00a0\u202f«(])A[ \u00a0]", text))


@given(st.text(alphabet="1 \u0663a\u00a0", max_size=10))
@example("1 2")
@example("\u0663 1")
def test_digit_groups_are_looked_for_as_a_digit_a_space_and_a_digit(text):
    assert bool(french._DIGIT_SPACE_DIGIT.search(text)) is bool(re.search(r"\d \d", text))


def test_the_characters_the_rules_need_are_every_one_of_theirs():
    assert set(french._NEEDED) == {character for needs, *_ in french._RULES for character in needs}
    assert {'"', "'", ":", "«", "»", "€", "%", "°", "A", ".", " ", "1", "0", "9"} <= set(french._NEEDED)
