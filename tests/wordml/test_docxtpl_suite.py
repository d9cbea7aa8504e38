"""docxtpl's own test suite through Paraphe: every render gives stock docxtpl's document, but for the differences
Paraphe makes on purpose, each listed here with its reason (docs/templates-docxtpl.md).

The suite is read from `../shared/peer/docxtpl/tests/` (docxtpl 0.20.2, MIT); the tests skip when it is absent.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pikepdf
import pytest

from generator.errors import TemplateProblem
from generator.render_office import find_soffice

from .docxtpl_suite import SUITE, compare, document_summary, run_script, scripts

pytestmark = pytest.mark.skipif(
    not SUITE.is_dir(), reason=f"docxtpl's test suite is absent (looked for {SUITE}): "
                               "put shared/peer/docxtpl beside the project to run it")

# Every case gives stock docxtpl's document ("same") but these. The reason of each is in
# docs/templates-docxtpl.md; the test fails when a case differs otherwise, or stops differing.
TYPOGRAPHY = "French typography: no-break spaces before : ; ! ? and inside « », curly apostrophes"
INTENDED = {
    # Paraphe typesets every printed string in French (stock prints it as given)
    "escape.py#0": ("typography", TYPOGRAPHY),
    "escape_auto.py#0": ("typography", TYPOGRAPHY),
    "footnotes.py#0": ("typography", TYPOGRAPHY),
    "header_footer_entities.py#0": ("typography", TYPOGRAPHY),
    "nested_for.py#0": ("typography", TYPOGRAPHY),
    # Paraphe has one Jinja environment: a render brings no filters of its own; the refusal says so, in French
    "custom_jinja_filters.py#0": ("refused", "le filtre « my_filterB » n'existe pas"),
    # strict undefined names: a name the content lacks stops the build (stock prints nothing in its place)
    "get_undeclared_variables.py#0": ("refused",
                                      "le modèle utilise « has_degree », qui n'existe pas dans le contenu"),
}
# Cases stock docxtpl refuses too: Paraphe must refuse them with a French problem naming the template and the part.
BOTH_REFUSE = {"template_error.py#0": "erreur de syntaxe dans le modèle"}

_RESULTS: dict[str, list[tuple[str, str, str, bytes | None]]] = {}
_STOCK: dict[str, bytes] = {}  # stock docxtpl's documents, by case
def script_results(name: str, workdir: Path) -> list[tuple[str, str, str, bytes | None]]:
    """Return (case, outcome, detail, Paraphe's document) for each render of a script, run once per session."""
    if name not in _RESULTS:
        stock = run_script(name, workdir / "stock" / name[:-3], paraphe=False)
        ours = run_script(name, workdir / "paraphe" / name[:-3], paraphe=True)
        out = []
        for index in range(max(len(stock.renders), len(ours.renders))):
            case = f"{name}#{index}"
            if index >= len(stock.renders) or index >= len(ours.renders):
                out.append((case, "missing", f"stock stopped by {stock.stopped_by!r}, "
                                             f"Paraphe by {ours.stopped_by!r}", None))
                continue
            s, o = stock.renders[index], ours.renders[index]
            if s.result is not None:
                _STOCK[case] = s.result
            if o.error is not None:
                outcome = "both refuse" if s.error is not None else "refused"
                out.append((case, outcome, str(o.error), None))
            elif s.error is not None:
                out.append((case, "different", f"stock refuses ({s.error!r}), Paraphe renders", o.result))
            else:
                outcome, detail = compare(document_summary(s.result), document_summary(o.result))
                out.append((case, outcome, detail, o.result))
        _RESULTS[name] = out
    return _RESULTS[name]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("docxtpl-suite")


@pytest.mark.parametrize("name", scripts() if SUITE.is_dir() else [])
def test_each_render_gives_stock_docxtpls_document_but_for_intended_differences(name, workdir):
    results = script_results(name, workdir)
    assert results, f"{name} rendered nothing"
    for case, outcome, detail, _ in results:
        if case in BOTH_REFUSE:
            assert outcome == "both refuse", (case, outcome, detail)
            assert BOTH_REFUSE[case] in detail and "le corps du document" in detail and ".docx" in detail, detail
            continue
        expected, reason = INTENDED.get(case, ("same", ""))
        assert outcome == expected, f"{case}: {outcome} (expected {expected}) — {detail}"
        if outcome == "refused":
            assert reason in detail and "le corps du document" in detail, detail


def test_the_suite_counts_no_unintended_difference(workdir):
    counts = Counter()
    for name in scripts():
        for case, outcome, _, _ in script_results(name, workdir):
            counts["same" if outcome in ("same", "both refuse") else
                   "intended" if INTENDED.get(case, ("",))[0] == outcome else "other"] += 1
    print(f"docxtpl's suite through Paraphe: {counts['same']} same, {counts['intended']} intended differences, "
          f"{counts['other']} other")
    assert counts["other"] == 0 and counts["same"] >= 30


def _pictures_in_docx(data: bytes) -> int:
    """Return how many distinct pictures a document's body, headers and footers show."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    shown = set()
    for name in archive.namelist():
        if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
            rels_name = name.replace("word/", "word/_rels/") + ".rels"
            rels = archive.read(rels_name).decode() if rels_name in archive.namelist() else ""
            for rel_id in set(re.findall(r'<a:blip [^>]*r:embed="([^"]+)"', archive.read(name).decode())):
                target = re.search(rf'Id="{rel_id}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rel_id}"', rels)
                if target:
                    shown.add(archive.read("word/" + (target.group(1) or target.group(2))))
    return len(shown)


def _pictures_in_pdf(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len({image.objgen for page in pdf.pages for image in page.get_images().values()})


@pytest.mark.libreoffice
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice absent : apt-get install libreoffice-writer-nogui")
def test_libreoffice_converts_every_document_paraphe_renders_with_its_pictures(workdir):
    from generator.render_office import convert

    documents = {case: data for name in scripts() for case, _, _, data in script_results(name, workdir)
                 if data is not None}
    pdfs = convert(documents, "pdf")  # one LibreOffice process for all of them
    fewer = {case for case, data in documents.items() if _pictures_in_pdf(pdfs[case]) < _pictures_in_docx(data)}
    # a picture LibreOffice does not draw as an image (a vector one, say): as many as in stock docxtpl's PDF
    stock_pdfs = convert({case: _STOCK[case] for case in fewer}, "pdf")
    missing = {case: (_pictures_in_pdf(stock_pdfs[case]), _pictures_in_pdf(pdfs[case])) for case in fewer
               if _pictures_in_pdf(pdfs[case]) < _pictures_in_pdf(stock_pdfs[case])}
    assert not missing, f"pictures in stock docxtpl's PDF, in Paraphe's: {missing}"
    assert sum(_pictures_in_docx(data) for data in documents.values()) >= 10  # the suite has pictures


def test_a_failure_is_a_french_template_problem_naming_the_part(tmp_path):
    """A header whose tag cannot be compiled: the problem names the template and the header."""
    from docx import Document

    from generator.render_docx import render_docx

    doc = Document()
    doc.add_paragraph("{{ nom }}")
    doc.sections[0].header.paragraphs[0].text = "{{ nom | }}"
    path = tmp_path / "modele.docx"
    doc.save(path)
    with pytest.raises(TemplateProblem) as failure:
        render_docx(path, {"nom": "Lens"})
    message = str(failure.value)
    assert "modele.docx" in message and "l'en-tête word/header1.xml" in message and "erreur de syntaxe" in message


def test_a_file_that_is_not_a_word_document_is_a_french_template_problem(tmp_path):
    from generator.render_docx import render_docx

    path = tmp_path / "modele.docx"
    path.write_bytes(b"PK\x03\x04 not quite a zip")
    with pytest.raises(TemplateProblem, match=r"modele\.docx : le fichier : le modèle est inutilisable : "
                                              r"ce n'est pas un document Word lisible"):
        render_docx(path, {})


def test_a_template_without_numbering_renders_and_says_so_when_prose_numbers_a_list(tmp_path):
    """Word and LibreOffice leave word/numbering.xml out of a document without lists."""
    from docx import Document

    from generator.render_docx import render_docx

    doc = Document()
    doc.add_paragraph("{{ nom }}")
    doc.add_paragraph("{{p texte|prose }}")
    path = tmp_path / "modele.docx"
    doc.save(path)
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(tmp_path / "sans-listes.docx", "w") as out:
        for item in archive.infolist():
            if item.filename != "word/numbering.xml":
                data = archive.read(item.filename)
                if item.filename in ("[Content_Types].xml", "word/_rels/document.xml.rels"):
                    data = re.sub(rb"<(Override|Relationship)[^>]*numbering[^>]*/>", b"", data)
                out.writestr(item, data)
    template = tmp_path / "sans-listes.docx"
    data = render_docx(template, {"nom": "Lens", "texte": "Texte seul."})
    from docx import Document as Open
    assert [p.text for p in Open(io.BytesIO(data)).paragraphs] == ["Lens", "Texte seul."]
    with pytest.raises(TemplateProblem) as failure:
        render_docx(template, {"nom": "Lens", "texte": "1. un\n2. deux\n"})
    assert "sans-listes.docx : le corps du document : " in str(failure.value)
    assert "numérotation" in str(failure.value)
