"""Load stage: YAML with exact decimals and the position of every value."""

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.errors import Location, Problems
from generator.load import NombreEcrit, _Loader, _read_text, iter_contract_roots, load_contract
from generator.wordml import XML_FORBIDDEN


def test_yaml_floats_are_decimals_and_positions_are_recorded(tmp_path):
    root = tmp_path / "c"
    root.mkdir()
    (root / "contrat.yaml").write_text("type: crte\nmontants:\n  - 0.1\n  - 1234.56\n", encoding="utf-8")
    problems = Problems()
    tree = load_contract(root, problems)
    source = tree.get("contrat.yaml")
    assert not problems
    assert source.data["montants"] == [Decimal("0.1"), Decimal("1234.56")]
    assert source.location(("montants", 1)).line == 4
    assert source.key_location(("montants",)).line == 2
    assert source.location(("montants", 5, "absent")).line == 3  # the enclosing list


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    root = tmp_path / "c"
    root.mkdir()
    (root / "contrat.yaml").write_text("type: crte\ntitre: [non fermé\nautre: 1\n", encoding="utf-8")
    problems = Problems()
    load_contract(root, problems)
    [problem] = problems.items
    assert problem.location.path.endswith("contrat.yaml")
    assert problem.location.line == 3
    assert "YAML illisible" in problem.message


def test_markdown_is_read_and_contracts_are_found(contract_dir):
    problems = Problems()
    tree = load_contract(contract_dir, problems)
    assert "projet/intro.md" in tree.files
    assert list(iter_contract_roots(contract_dir.parent)) == [contract_dir]


def test_digest_changes_with_any_file(contract_dir):
    before = load_contract(contract_dir, Problems()).digest()
    (contract_dir / "axes" / "2.md").write_text("Autre texte.\n", encoding="utf-8")
    assert load_contract(contract_dir, Problems()).digest() != before


def test_digest_is_the_same_whatever_the_line_ends_and_follows_removed_characters(contract_dir):
    before = load_contract(contract_dir, Problems()).digest()
    for path in contract_dir.rglob("*.*"):  # a checkout that turns line ends to CR LF (Git on Windows)
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert load_contract(contract_dir, Problems()).digest() == before
    page = contract_dir / "axes" / "2.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text + "\x0b", encoding="utf-8")  # removed with a warning: the text the build uses is the same
    assert load_contract(contract_dir, Problems()).digest() == before


def test_the_yaml_loader_has_no_path_resolver_its_composer_would_need():
    assert not _Loader.yaml_path_resolvers  # the loader's calls per node for them are no-ops


def test_yaml_reads_anchors_and_merges_and_refuses_what_it_cannot_hold(tmp_path):
    root = tmp_path / "c"
    root.mkdir()
    (root / "contrat.yaml").write_text("octal: 0777\nentier: 12\nzero: 0\nbase: &m {k: 1}\nfusion:\n  <<: *m\n"
                                       "  j: 2\n", encoding="utf-8")
    (root / "cle.yaml").write_text("? [a, b]\n: 1\n", encoding="utf-8")
    (root / "boucle.yaml").write_text("a: &x [1, *x]\n", encoding="utf-8")
    problems = Problems()
    tree = load_contract(root, problems)
    assert tree.get("contrat.yaml").data == {"octal": "0777", "entier": 12, "zero": 0, "base": {"k": 1},
                                             "fusion": {"k": 1, "j": 2}}
    assert type(tree.get("contrat.yaml").data["octal"]) is NombreEcrit  # never 511 (YAML 1.1's octal)
    messages = sorted((p.location.path.rsplit("/", 1)[-1], p.message) for p in problems.items)
    assert messages == [("boucle.yaml", "YAML illisible : structure récursive (alias)"),
                        ("cle.yaml", "YAML illisible : clé invalide (une liste ou un dictionnaire)")]


def test_scalars_are_typed_with_yaml_1_2_core_semantics(tmp_path):
    """Quoted, tagged and plain scalars, read after one another (the loader remembers the tags it resolved),
    are typed as YAML 1.2's core schema types them (dates besides): « yes », « on », « no » are text, and a
    number in another notation than digits and a point is kept as typed (`NombreEcrit`), never another
    number."""
    import datetime

    values = {"'a'": "a", '"1"': "1", "1": 1, "! 1": 1, "!!str 1": "1", "yes": "yes", "'yes'": "yes",
              "2021-07-09": datetime.date(2021, 7, 9), "'2021-07-09'": "2021-07-09", "~": None, "null": None,
              "''": "", "0777": "0777", "! x": "x", "'0777'": "0777", "no": "no", "on": "on", "Off": "Off",
              "!!str yes": "yes", "true": True, "False": False, "-12": -12, "1250.50": Decimal("1250.50"),
              "1:30": "1:30", "1e308": "1e308", "0o17": "0o17", "0x1F": "0x1F", "1_000": "1_000", ".inf": ".inf",
              "-.5": "-.5", "5.": "5.", "+5": "+5", "!!int 0750": "0750", "!!float 1e3": "1e3",
              "2019-2022": "2019-2022", "2021-02-30": "2021-02-30", "!!float 1250.50": Decimal("1250.50")}
    written = {"0777", "1:30", "1e308", "0o17", "0x1F", "1_000", ".inf", "-.5", "5.", "+5", "!!int 0750",
               "!!float 1e3"}
    items = list(values.items())
    text = "".join(f"v{i}: {value}\n" for i, (value, _) in enumerate(items * 2))
    root = tmp_path / "c"
    root.mkdir()
    (root / "contrat.yaml").write_text(text, encoding="utf-8")
    problems = Problems()
    data = load_contract(root, problems).get("contrat.yaml").data
    assert not problems
    for i, (value, expected) in enumerate(items * 2):
        assert data[f"v{i}"] == expected and type(data[f"v{i}"]) is type(expected) or \
            value in written and type(data[f"v{i}"]) is NombreEcrit and data[f"v{i}"] == expected, value


def test_positions_are_recorded_at_loading_and_line_ends_are_made_unix(tmp_path):
    """Loading records where every value stands as it reads the data (the build's findings ask for many),
    with anchors, merges and lists placed as in the text (Windows and old Mac line ends count as line ends);
    read again from the text, they are the same."""
    root = tmp_path / "c"
    root.mkdir()
    text = "type: crte\r\nbase: &b\r\n  x: 1\r\ncopie:\r\n  <<: *b\r\n  y: 2\rliste:\r\n  - a\r\n  - {k: v}\r\n"
    (root / "contrat.yaml").write_bytes(text.encode("utf-8"))
    problems = Problems()
    source = load_contract(root, problems).get("contrat.yaml")
    assert not problems and "\r" not in source.text
    assert "_start_indexes" in vars(source)
    assert source.data == {"type": "crte", "base": {"x": 1}, "copie": {"x": 1, "y": 2}, "liste": ["a", {"k": "v"}]}
    assert source.location(("liste", 1, "k")) == Location(source.display_path, 9, 9)
    assert source.key_location(("copie",)).line == 4
    assert source.location(("base", "x")).line == 3
    recorded = source.positions
    assert source._read_positions() == recorded and recorded[("liste", 1, "k")] == (9, 9)


@pytest.mark.parametrize("text, path, kept", [
    ("type: crte\ndate: 2021-13-45\n", ("date",), "2021-13-45"),
    ("type: crte\nmontants: [1, .inf]\n", ("montants", 1), ".inf"),
    ("base: &b {jour: 2021-02-30}\ncopie:\n  <<: *b\n", ("copie", "jour"), "2021-02-30"),
])
def test_values_python_cannot_hold_are_kept_as_typed_for_the_schema_to_refuse_at_their_place(tmp_path, text, path,
                                                                                             kept):
    """An impossible date or « .inf » does not make the file unreadable (which would hide its other mistakes):
    it stays the text typed, which a date or amount field refuses with its line."""
    root = tmp_path / "c"
    root.mkdir()
    (root / "contrat.yaml").write_text(text, encoding="utf-8")
    problems = Problems()
    source = load_contract(root, problems).get("contrat.yaml")
    value = source.data
    for part in path:
        value = value[part]
    assert not problems and value == kept and not source.is_unreadable


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
@example("\ufffe")
@example("a\uffff")
@example("a\r\n\x0b")
@example("é\x00\u202f")
@example("\ufeff")  # found by hypothesis: a file holding only a byte order mark
@example("\ufeffa\r\nb")
@example("\u061c")  # found by hypothesis: a bidirectional control, which loading removes too
def test_the_bytes_tell_whenever_a_text_holds_a_character_xml_forbids(tmp_path_factory, text):
    """The check made on a file's bytes misses no character the text search would find (and the build removes,
    with a warning at its place). A leading byte order mark is not part of the text."""
    path = tmp_path_factory.mktemp("texte") / "f.md"
    path.write_bytes(text.encode("utf-8"))
    raw, read, may_hold_forbidden = _read_text(path)
    bom = text.startswith("\ufeff")
    # the bytes only when they are the text
    assert raw == (None if "\r" in text or bom else text.encode("utf-8"))
    assert read == text[bom:].replace("\r\n", "\n").replace("\r", "\n")
    # Unicode's bidirectional controls (UAX #9: ALM, LRM, RLM, the embeddings and overrides, the isolates), which
    # loading removes too (« Trojan Source »)
    bidi = {"\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}
    assert may_hold_forbidden == bool(XML_FORBIDDEN.search(text) or bidi & set(text))


def test_a_character_xml_forbids_is_removed_with_a_warning_at_its_line(tmp_path):
    root = tmp_path / "c"
    (root / "articles").mkdir(parents=True)
    (root / "articles" / "objet.md").write_text("Premier.\nDeux\x0bième\ufffe.\n", encoding="utf-8")
    problems = Problems()
    tree = load_contract(root, problems)
    assert tree.get("articles/objet.md").text == "Premier.\nDeuxième.\n"
    assert [(p.location.line, p.location.column, p.is_warning) for p in problems] == [(2, 5, True), (2, 10, True)]


# --- content that must not be read as it seems ---------------------------------------------------------------


def _load(tmp_path, files: dict[str, bytes | str]):
    root = tmp_path / "c"
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    problems = Problems()
    return load_contract(root, problems), problems


def test_a_key_given_twice_is_refused_naming_both_lines(tmp_path):
    tree, problems = _load(tmp_path, {"contrat.yaml": "titre: Premier\nterritoire: Lens\ntitre: Second\n"
                                                      "axes:\n  - code: A\n    code: B\n"})
    assert [(p.location.line, p.message, p.is_warning) for p in problems] == [
        (3, "champ « titre » écrit deux fois (déjà ligne 1) : une seule valeur serait gardée, supprimez l'une des "
            "deux", False),
        (6, "champ « code » écrit deux fois (déjà ligne 5) : une seule valeur serait gardée, supprimez l'une des "
            "deux", False)]
    assert tree.get("contrat.yaml").data["territoire"] == "Lens"  # the rest of the file is still validated


def test_a_byte_order_mark_is_not_part_of_the_text(tmp_path):
    from generator.kinds.common import split_article
    from generator.schema import Prose

    tree, problems = _load(tmp_path, {"a.md": b"\xef\xbb\xbf# Objet du contrat\n\nTexte.\n",
                                      "b.yaml": b"\xef\xbb\xbftitre: Essai\n"})
    assert not problems
    text = tree.get("a.md").text
    assert text == "# Objet du contrat\n\nTexte.\n"
    assert split_article(Prose(text), 1, "a.md").titre == "Objet du contrat"  # the title is not lost
    assert tree.get("b.yaml").data == {"titre": "Essai"}


def test_a_file_not_in_utf8_is_refused_in_french_with_the_line_of_its_first_bad_byte(tmp_path):
    tree, problems = _load(tmp_path, {"a.md": "# Objet\n\nLe contrat de Liévin.\n".encode("cp1252")})
    [problem] = problems
    assert (problem.location.line, problem.location.column) == (3, 17)
    assert problem.message == ("le fichier n'est pas enregistré en UTF-8 (octet 0xE9 illisible) : enregistrez-le "
                               "avec le codage UTF-8")
    assert tree.get("a.md").is_unreadable  # present, so that nothing says it is missing


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c"])
def test_controls_of_text_direction_are_removed_with_a_warning_at_their_place(tmp_path, char):
    tree, problems = _load(tmp_path, {"a.md": f"# Objet\n\nMontant : 1{char}000 €.\n",
                                      "b.yaml": f'titre: "x\\u{ord(char):04x}y"\n'})
    assert tree.get("a.md").text == "# Objet\n\nMontant : 1000 €.\n"
    assert tree.get("b.yaml").data == {"titre": "xy"}
    [in_markdown, in_yaml] = problems
    assert (in_markdown.location.line, in_markdown.location.column, in_markdown.is_warning) == (3, 12, True)
    assert f"caractère invisible de sens d'écriture U+{ord(char):04X}" in in_markdown.message
    assert in_yaml.is_warning and in_yaml.location.line == 1 and "b.yaml" in in_yaml.location.path


def test_a_link_leading_out_of_the_contract_folder_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("mot de passe\n", encoding="utf-8")
    root = tmp_path / "c"
    (root / "articles").mkdir(parents=True)
    (root / "articles" / "corps.md").symlink_to(secret)
    (root / "articles" / "vrai.md").write_text("# Vrai\n", encoding="utf-8")
    (root / "articles" / "copie.md").symlink_to(root / "articles" / "vrai.md")  # inside: allowed
    (root / "autre").symlink_to(tmp_path)  # a folder outside: never walked
    problems = Problems()
    tree = load_contract(root, problems)
    assert sorted(tree.files) == ["articles/copie.md", "articles/vrai.md"]
    [problem] = problems
    assert problem.location.path.endswith("articles/corps.md") and not problem.is_warning
    assert problem.message.startswith("lien vers un fichier hors du dossier du contrat : refusé")
    assert all("mot de passe" not in source.text for source in tree.files.values())


def _laughs(levels: int = 9) -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        previous, current = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{current}: &{current} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, message", [
    (_laughs(), "YAML illisible : trop de valeurs (plus de 100000, alias compris)"),
    ("x: " + "[" * 600 + "]" * 600 + "\n", "YAML illisible : imbrication trop profonde (plus de 50 niveaux)"),
    ("".join("  " * i + f"k{i}:\n" for i in range(600)) + "  " * 600 + "v: 1\n",
     "YAML illisible : imbrication trop profonde (plus de 50 niveaux)"),
    ("x: " + "[" * 5000 + "]" * 5000 + "\n", "YAML illisible : imbrication trop profonde (plus de 50 niveaux)"),
])
def test_yaml_bombs_are_refused_with_the_file_named(tmp_path, text, message):
    """Aliases repeated into each other (« billion laughs »: 9^10 values) and nesting too deep are refused
    at once, naming the file, instead of filling the memory or overflowing the stack."""
    tree, problems = _load(tmp_path, {"contrat.yaml": text, "fiche.yaml": "titre: bon\n"})
    [problem] = problems
    assert problem.message == message and problem.location.path.endswith("contrat.yaml")
    assert tree.get("contrat.yaml").is_unreadable and tree.get("fiche.yaml").data == {"titre": "bon"}


def test_a_file_too_large_for_content_is_refused_unread(tmp_path):
    from generator.load import MAX_FILE_BYTES

    tree, problems = _load(tmp_path, {"a.md": b"x" * (MAX_FILE_BYTES + 1), "b.md": b"x" * 10})
    [problem] = problems
    assert problem.location.path.endswith("a.md") and problem.message.startswith("fichier trop gros")
    assert tree.get("a.md").is_unreadable and tree.get("b.md").text == "x" * 10


def test_unknown_tags_and_yaml_syntax_errors_are_told_in_french(tmp_path):
    _, problems = _load(tmp_path, {"a.yaml": "x: !chose 3\n", "b.yaml": "x: *rien\n", "c.yaml": "a: b: c\n"})
    assert [p.message for p in problems] == ["YAML illisible : étiquette YAML inconnue '!chose'",
                                             "YAML illisible : alias non défini",
                                             "YAML illisible : « : » inattendu (une valeur contenant « : » doit "
                                             "être entre guillemets)"]


def test_a_merged_mapping_reads_numbers_as_the_rest_of_the_file(tmp_path):
    tree, problems = _load(tmp_path, {"a.yaml": "base: &b {m: !!int 0750, n: 0750, o: 12, p: on}\ncopie:\n  <<: *b\n"})
    assert not problems
    copie = tree.get("a.yaml").data["copie"]
    assert copie == {"m": "0750", "n": "0750", "o": 12, "p": "on"} and type(copie["m"]) is NombreEcrit


# --- the loader against its former implementation (tests/load_reference.py) ----------------------------------


def _typed(value):
    """Return a value with the name of every part's type, so that 1, True, Decimal(1) and « 1 » differ."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def _read_both(text: str):
    """Return what the loader and its former implementation make of a YAML text: data, every value's and key's
    line and column, and the problems (place and message)."""
    from pathlib import Path

    from generator import load
    from tests import load_reference

    results = []
    for module in (load, load_reference):
        source = module.SourceFile(src_path=Path("/c/f.yaml"), rel_path="f.yaml", text=text)
        problems = Problems()
        module.parse_yaml(text, source, problems)
        positions = None if source.is_unreadable else source.positions
        results.append((_typed(source.data), source.is_unreadable, positions,
                        [(p.location, p.message, p.is_warning) for p in problems]))
    return results


def _content_yaml_texts(root=None) -> list[str]:
    from tests.conftest import REAL_CONTENT

    return [path.read_text(encoding="utf-8") for path in sorted((root or REAL_CONTENT).rglob("*.y*ml"))]


def _broken(text: str, seed: int) -> list[str]:
    """Return the text with a few mistakes a legal officer makes: a character dropped or added (a colon, a
    quote, a tab, a bracket, a dash) at places spread over the text."""
    import random

    chance = random.Random(seed)
    variants = []
    for inserted in ("", ":", "'", '"', "\t", "[", "{", "- ", "&a ", "*a", "!!int ", "\n  ", "<<: "):
        at = chance.randrange(len(text) + 1)
        variants.append(text[:at] + inserted + text[at + (not inserted):])
    return variants


def test_the_loader_reads_content_as_its_former_implementation_did(tmp_path):
    """Data (with its types), the line and column of every value and key, and every warning: the same as the
    former loader on every YAML file of content/ and of an own-prose corpus."""
    from bench.make_corpus import make_corpus

    make_corpus(tmp_path / "corpus", 2)
    texts = _content_yaml_texts() + _content_yaml_texts(tmp_path / "corpus")
    assert len(texts) > 60
    for text in texts:
        new, former = _read_both(text)
        assert new == former


def test_the_loader_refuses_broken_yaml_as_its_former_implementation_did():
    """On content files with mistakes (a character dropped or added), the same problems at the same line and
    column, and for what still reads the same data and positions."""
    texts = _content_yaml_texts()
    checked = 0
    for number, text in enumerate(texts):
        for variant in _broken(text, number):
            new, former = _read_both(variant)
            assert new == former, variant
            checked += new[1]
    assert checked > 20  # some of them unreadable


_FRAGMENTS = ["a", "b", "1", "-3", "0.5", "1250.50", "0750", "1e3", "2021-02-30", "2021-07-09", "~", "null", "",
              "true", "False", "on", "<<", "!!int 07", "!!float x", "!!str 1", "! 2", "'q'", '"d\\x0b"', "&x 1",
              "*x", "&m {k: 1}", "*m", "[1, a]", "{a: 1}", "|\n  bloc", ">\n  plié", "!!bool 0", ".inf", "1:30",
              "[", "}", ":", "\t", "# note", "é", "ÉTAT", "\\", "`", "? [a]\n: 1", "!!timestamp x", "!!set {a}"]


@given(st.lists(st.tuples(st.sampled_from(["k", "l", "2021", "1", "m", "k"]), st.integers(0, 2),
                          st.sampled_from(["map", "seq", "scalar"]), st.sampled_from(_FRAGMENTS)),
                max_size=12))
def test_the_loader_reads_generated_yaml_as_its_former_implementation_did(entries):
    """Mappings, lists, anchors, merges, tags, keys given twice and syntax errors, generated: the same data,
    positions and problems as the former loader."""
    lines = []
    for key, depth, shape, fragment in entries:
        indent = "  " * depth
        if shape == "map":
            lines.append(f"{indent}{key}: {fragment}")
        elif shape == "seq":
            lines.append(f"{indent}- {fragment}")
        else:
            lines.append(f"{indent}{fragment}")
    text = "\n".join(lines) + "\n"
    new, former = _read_both(text)
    assert new == former


def _contract_as_read(module, root):
    problems = Problems()
    tree = module.load_contract(root, problems)
    files = {rel: (source.text, source.raw, _typed(source.data), source.is_unreadable,
                   None if source.is_unreadable else source.positions) for rel, source in tree.files.items()}
    return list(tree.files), files, tree.digest(), [(p.location, p.message, p.is_warning) for p in problems]


def test_contracts_are_loaded_as_the_former_loader_loaded_them(tmp_path):
    """Whole contract folders (content/, an own-prose corpus, one with CR LF line ends, a byte order mark, a
    forbidden character and a file not in UTF-8): the same files in the same order, texts, bytes, data,
    positions, digest and problems."""
    from bench.make_corpus import make_corpus
    from generator import load
    from tests import load_reference
    from tests.conftest import REAL_CONTENT

    roots = list(iter_contract_roots(REAL_CONTENT)) + make_corpus(tmp_path / "corpus", 2)
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "contrat.yaml").write_bytes(b"\xef\xbb\xbftype: crte\r\ntitre: \"a\\vb\"\r\n")
    (odd / "a.md").write_bytes("# Titre\n\nDeux\x0bième\u202e.\n".encode())
    (odd / "b.md").write_bytes("Liévin\n".encode("cp1252"))
    (odd / "vide.yaml").write_bytes(b"")
    roots.append(odd)
    for root in roots:
        assert _contract_as_read(load, root) == _contract_as_read(load_reference, root), root
