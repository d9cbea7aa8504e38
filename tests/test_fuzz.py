"""Fuzzing: every text field of a contract filled with arbitrary Unicode still gives documents that open."""

import copy
import re
import shutil
import subprocess

from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.pipeline import build

from .conftest import main_document, contract_data, write_contract

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

# Any character a UTF-8 file can hold (surrogates cannot), control characters and right-to-left text included.
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
extremes = st.sampled_from([
    "x" * 20000,                                             # a 20,000-character word
    "\u202eعربي עברית\u202c mixte",                          # right-to-left text and direction overrides
    "👩‍⚖️📜✍️ contrat 🇫🇷",                                    # emoji, with joiners and flags
    "\x00\x0b\x0c\x1f\ufffe",                                # characters XML forbids
    "\n\n".join(f"Paragraphe {i}." for i in range(3000)),   # thousands of paragraphs
    "**gras ouvert _ [lien]( `code ^{ # ---",                # broken Markdown
    "{{ contrat }} {% if %} {_{ ]]> <w:p/> &amp;",            # template and XML syntax
])
texts = st.one_of(any_text, extremes)


def fill(files: dict, values) -> dict:
    """Put a generated text in every text field of the fixture contract."""
    files = copy.deepcopy(files)
    contrat = files["contrat.yaml"]
    contrat["titre"] = next(values)
    contrat["couverture"]["titre"] = next(values)
    contrat["couverture"]["autorite"] = [next(values)]
    for axe in contrat["axes"]:
        axe["titre"] = next(values)
    for partie in contrat["parties"]:
        partie["nom"] = next(values)
        partie["representant"]["nom"] = next(values)
        partie["signature"] = [next(values)]
    for rel in [r for r in files if r.endswith(".md")]:
        files[rel] = next(values)
    for rel in [r for r in files if r.startswith("fiches/")]:
        fiche = files[rel]
        for field in ("intitule", "libelle_maquette", "description", "localisation", "budget", "operations"):
            fiche[field] = next(values)
        for ligne in fiche["investissement"]["depenses"]:
            ligne["libelle"] = next(values)
        for ligne in fiche["financements"]["lignes"]:
            ligne["partenaire"] = next(values)
    return files


converted = []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(texts, min_size=60, max_size=60))
def test_any_text_gives_documents_that_open(tmp_path_factory, values):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    root = write_contract(tmp_path / "content" / "fuzz", fill(contract_data(), iter(values)))
    path = main_document(build([root], tmp_path / "out"))
    Document(str(path))  # python-docx opens it
    if SOFFICE and len(converted) < 2:  # a sample goes through LibreOffice too
        result = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                                 "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(path)],
                                capture_output=True, text=True, timeout=300)
        pdf = tmp_path / "pdf" / "contrat.pdf"
        assert result.returncode == 0 and pdf.read_bytes().startswith(b"%PDF"), result.stderr
        converted.append(pdf)


# --- YAML: anchors, tags, numbers in every notation -----------------------------------------------------------

digits = st.integers(min_value=0, max_value=10**18)
# A number as YAML 1.1, YAML 1.2 or a person may type it in an amount field (bounded: at most 19 digits).
number_notations = st.one_of(
    digits.map(str),                                                    # canonical
    digits.map(lambda n: f"0{n}"),                                      # leading zero (octal in YAML 1.1)
    st.tuples(digits, st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]:02}"),
    st.tuples(digits, st.integers(0, 999)).map(lambda t: f"{t[0]}.{t[1]:03}"),  # three decimals
    st.tuples(st.integers(1, 999), st.integers(-30, 330)).map(lambda t: f"{t[0]}e{t[1]}"),
    st.tuples(st.integers(1, 99), st.integers(0, 30)).map(lambda t: f"{t[0]}.5E+{t[1]}"),
    digits.map(lambda n: f"{n:_}"), digits.map(hex), digits.map(oct), digits.map(lambda n: f"0o{n:o}"),
    digits.map(bin), st.tuples(st.integers(0, 99), st.integers(0, 59)).map(lambda t: f"{t[0]}:{t[1]:02}"),
    digits.map(lambda n: f"+{n}"), digits.map(lambda n: f"-{n}"), digits.map(lambda n: f".{n}"),
    digits.map(lambda n: f"{n}."), st.sampled_from([".inf", "-.inf", ".NaN", ".nan", "1e308", "1e-400"]),
    digits.map(lambda n: f"{n:,}".replace(",", " ")), digits.map(lambda n: f"{n:,}".replace(",", ".")),
    st.tuples(digits, st.sampled_from(["€", " €", " M€", " k€", " euros", " millions d'euros"])).map(
        lambda t: f"{t[0]}{t[1]}"),
    st.tuples(st.sampled_from(["environ ", "~", "plus de "]), digits).map(lambda t: f"{t[0]}{t[1]}"),
)
quoting = st.sampled_from(["{}", "'{}'", '"{}"', "!!int {}", "!!float {}", "!!str {}"])


@settings(max_examples=300, deadline=None)
@given(number_notations, quoting)
def test_an_amount_is_the_number_written_or_refused_never_another(tmp_path_factory, written, quote):
    """Whatever the notation, an accepted amount is the number its digits say in decimal (never YAML 1.1's
    octal or sexagesimal reading); a refused one is a problem at its line, whose suggestion is accepted."""
    from decimal import Decimal, InvalidOperation

    from generator.errors import Problems
    from generator.kinds.crte.schema import LigneBudget
    from generator.load import load_contract
    from generator.validate import validate_source

    def validate(text: str):
        root = tmp_path_factory.mktemp("montant")
        (root / "ligne.yaml").write_text(f"libelle: x\nmontant: {text}\n", encoding="utf-8")
        problems = Problems()
        tree = load_contract(root, problems)
        return validate_source(tree.get("ligne.yaml"), LigneBudget, problems), problems

    ligne, problems = validate(quote.format(written))
    if ligne is not None:
        assert not problems.errors
        amount = ligne.montant
        if isinstance(amount, Decimal):  # only digits and a point before at most two decimals
            assert quote in ("{}", "!!int {}", "!!float {}")
            assert re.fullmatch(r"-?(0|[1-9][0-9]*)(\.[0-9]{1,2})?", written) and Decimal(written) == amount
        else:  # words, not an amount: a marker, which states no amount
            assert not any(c.isdigit() for c in str(amount)) or "€" not in str(amount)
        return
    [problem] = problems.errors
    assert problem.location.line == 2 or problem.location.line is None and "YAML illisible" in problem.message
    suggestion = problem.message.rsplit("écrivez ", 1)[-1].split(" ", 1)[0]
    if suggestion[:1].isdigit():
        accepted, again = validate(suggestion)
        assert not again and isinstance(accepted.montant, Decimal)
        try:
            meant = Decimal(written.replace("_", "").replace(" ", "").lstrip("+"))
        except InvalidOperation:
            return  # words, units, separators: the suggestion is checked by hand in test_validate
        if meant.is_finite() and not any(p in written for p in ("0x", "0o", "0b", ":")):
            assert accepted.montant == meant  # the same number, written as content writes it


scalars = st.one_of(number_notations, st.sampled_from(["yes", "no", "on", "off", "~", "null", "true", "2021-02-30",
                                                       "2021-07-09", "<<", "=", "a: b", "- x", "'q'", '"\\u202e"']),
                    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8).map(lambda t: repr(t)))
tags = st.sampled_from(["", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!timestamp ", "!chose ",
                        "!!binary ", "!!set ", "!!omap ", "!!python/object:os.system ", "! "])


@st.composite
def yaml_documents(draw) -> str:
    """Return a YAML text of mappings and lists with anchors, aliases (to earlier anchors, or not), merge keys,
    tags and scalars in every notation (bounded: a few dozen lines)."""
    anchors: list[str] = []
    lines: list[str] = []

    def node(depth: int) -> str:
        choice = draw(st.integers(0, 5 if depth < 3 and len(lines) < 40 else 1))
        if choice == 1 and draw(st.booleans()):
            return f"*{draw(st.sampled_from(anchors))}" if anchors and draw(st.booleans()) else "*absent"
        if choice <= 1:
            return draw(tags) + draw(scalars)
        anchor = ""
        if draw(st.booleans()):
            anchors.append(f"a{len(anchors)}")
            anchor = f"&{anchors[-1]} "
        items = [node(depth + 1) for _ in range(draw(st.integers(0, 3)))]
        if choice in (2, 3):
            return anchor + "[" + ", ".join(items) + "]"
        keys = draw(st.lists(st.sampled_from(["titre", "montant", "<<", "0750", "on", "1:30", "k"]), min_size=len(items),
                             max_size=len(items)))
        return anchor + "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, items)) + "}"

    for index in range(draw(st.integers(1, 6))):
        key = draw(st.sampled_from(["titre", "montant", "titre", "base", "<<", "liste"]))
        lines.append(f"{key}: {node(0)}")
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None)
@given(yaml_documents())
def test_any_yaml_loads_or_is_a_french_problem_at_its_file_never_an_exception(tmp_path_factory, text):
    """Anchors, aliases, merge keys, tags, duplicate keys and numbers in every notation: loading gives data
    or problems naming the file (never an exception, never Python objects), and the positions of a problem
    are read without error."""
    from generator.errors import Problems
    from generator.load import load_contract

    root = tmp_path_factory.mktemp("yaml")
    (root / "contrat.yaml").write_text(text, encoding="utf-8")
    problems = Problems()
    source = load_contract(root, problems).get("contrat.yaml")
    assert all(p.location.path.endswith("contrat.yaml") for p in problems)
    french = [p.message.split(" (le lecteur YAML dit : ")[0] for p in problems]  # its words, after French ones
    assert all(not any(word in m for word in ("Traceback", "could not", "found ", "expected ")) for m in french), \
        [p.message for p in problems]
    if not source.is_unreadable:
        source.location(("titre",))  # positions read again: the same text, no error

    def plain(value) -> bool:
        from datetime import date, datetime
        from decimal import Decimal

        if isinstance(value, dict):
            return all(plain(k) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or isinstance(value, (str, int, bool, Decimal, date, datetime, bytes, set))

    assert source.is_unreadable or plain(source.data)


@settings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**40, max_value=10**40))
def test_the_cell_filter_writes_any_finite_amount(amount):
    """Hypothesis once drew Decimal('1E+26'): the filter raised InvalidOperation (validation refuses such an
    amount; the filter must not crash on it)."""
    from generator.jinja_env import cellule

    assert cellule(amount).endswith("\u00a0€")
