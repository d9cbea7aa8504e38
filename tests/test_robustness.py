"""What bad input gets: hostile content, hostile templates, hand-edited outputs, killed builds."""

import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from generator.errors import BuildFailed
from generator.pipeline import build, build_report, read_and_compute
from generator.write import MANIFEST_NAME, TEMP_PREFIX

from .conftest import main_document, ROOT, docx_paragraphs, docx_xml, write_contract

# --- content errors ---------------------------------------------------------------------------------------------


def test_every_content_error_is_reported_at_once_with_file_line_and_column(tmp_path, contract_files):
    contract_files["fiches/emploi.yaml"]["investissement"]["depenses"][0]["montnat"] = 5
    contract_files["fiches/velo.yaml"]["investissement"]["depenses"][0]["montant"] = Decimal("10.005")
    contract_files["fiches/formation.yaml"]["financements"]["lignes"][0]["montant"] = -1
    contract_files["maquette-publiee.yaml"]["lignes"][0]["cout_total"] = "150 000 €"
    root = write_contract(tmp_path / "c", contract_files)
    with pytest.raises(BuildFailed) as caught:
        build([root], tmp_path / "out")
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 4
    assert all(", ligne " in m and ", colonne " in m for m in messages)
    assert any("emploi.yaml" in m and "champ inconnu « montnat » — vouliez-vous dire « montant » ?" in m
               for m in messages)
    assert any("velo.yaml" in m and "plus de deux décimales" in m for m in messages)
    assert any("formation.yaml" in m and "montant négatif" in m for m in messages)
    assert any("maquette-publiee.yaml" in m and "montant écrit comme du texte" in m for m in messages)
    assert not (tmp_path / "out").exists()


def test_values_yaml_cannot_hold_and_unreadable_files_are_problems_of_their_contract_only(tmp_path,
                                                                                           contract_files):
    """A date that does not exist, « .inf » as an amount, a contrat.yaml that is not UTF-8: each is a problem
    with its place, its contract fails, the others of the batch are built (the fingerprints of the batch
    are taken as it goes, and do not stop it). An impossible date hides nothing else of its file."""
    good = write_contract(tmp_path / "content" / "a-bon", contract_files)
    dates = write_contract(tmp_path / "content" / "b-dates", contract_files)
    path = dates / "fiches" / "velo.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("date_mise_a_jour: ", "date_mise_a_jour: 2021-13-45\nx: ", 1)
                    + "budget_infini: .inf\n", encoding="utf-8")
    latin = write_contract(tmp_path / "content" / "c-latin", contract_files)
    (latin / "contrat.yaml").write_bytes((latin / "contrat.yaml").read_bytes() + "# Liévin\n".encode("latin-1"))
    report = build_report([good, dates, latin], tmp_path / "out", rebuild=True)
    assert report.built == ["a-bon"]
    date_problem, unknown_x, unknown_budget = report.failed["b-dates"]  # every mistake of that file
    assert "velo.yaml, ligne" in str(date_problem) and "date impossible « 2021-13-45 »" in str(date_problem)
    assert "champ inconnu « x »" in str(unknown_x) and "champ inconnu « budget_infini »" in str(unknown_budget)
    [latin_problem] = report.failed["c-latin"]  # its line, and no other file said missing
    assert "contrat.yaml, ligne" in str(latin_problem)
    assert "le fichier n'est pas enregistré en UTF-8 (octet 0xE9 illisible)" in str(latin_problem)


def _five_mistakes(tmp_path, contract_files) -> Path:
    """A contract with five mistakes in four files: a missing field (emploi), an impossible date and
    « 3,2 M€ » (formation), an échéancier that spends more than its budget (velo, itself valid), a reference
    to an article that does not exist (objet.md)."""
    del contract_files["fiches/emploi.yaml"]["localisation"]
    contract_files["fiches/formation.yaml"]["date_mise_a_jour"] = "DATE"
    contract_files["fiches/formation.yaml"]["investissement"]["depenses"][0]["montant"] = "3,2 M€"
    velo = contract_files["fiches/velo.yaml"]
    velo["investissement"]["depenses"][0]["montant"] = 10000
    velo["investissement"]["total_publie"]["depenses"] = 10000
    contract_files["articles/objet.md"] += "\nLes modalités sont fixées à l'article 9.\n"
    root = write_contract(tmp_path / "content" / "c", contract_files)
    formation = root / "fiches" / "formation.yaml"
    formation.write_text(formation.read_text(encoding="utf-8").replace("DATE", "2021-02-30"), encoding="utf-8")
    return root


def test_one_build_names_every_mistake_of_a_contract(tmp_path, contract_files):
    """The missing field by name, the impossible date, « 3,2 M€ » (with an accepted suggestion) and the
    broken reference are errors of the same build; the échéancier that does not add up to its budget is a
    warning of that build (a figure that disagrees), found although two other fiches are invalid."""
    root = _five_mistakes(tmp_path, contract_files)
    report = build_report([root], tmp_path / "out", rebuild=True)
    errors = [str(p) for p in report.failed["c"]]
    assert len(errors) == 4, errors
    assert any("emploi.yaml, ligne 1" in m and "champ obligatoire manquant : « localisation »" in m for m in errors)
    assert any("formation.yaml, ligne" in m and "date impossible « 2021-02-30 »" in m for m in errors)
    assert any("formation.yaml, ligne" in m and "« 3,2 M€ » : écrivez 3200000" in m for m in errors)
    assert any("objet.md, ligne 5" in m and "renvoi à l'article 9, qui n'existe pas" in m for m in errors)
    warnings = [str(p) for p in report.warnings]
    assert any("velo.yaml, ligne" in m and "attention : fiche 2.1 : l'échéancier prévoit 13\u202f345\u00a0€ de "
               "dépenses d'investissement, le budget d'investissement en compte 10\u202f000\u00a0€" in m
               for m in warnings), warnings
    assert not (tmp_path / "out").exists()


def test_figures_that_disagree_are_warnings_of_the_build_and_fail_it_under_strict(tmp_path, contract_files):
    from .test_cli import run

    contract_files["fiches/velo.yaml"]["investissement"]["total_publie"]["depenses"] = 99
    write_contract(tmp_path / "content" / "essai", contract_files)
    args = ("--contenu", str(tmp_path / "content"), "--sortie", str(tmp_path / "out"))
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert ("velo.yaml, ligne 16, colonne 15 : attention : fiche 2.1, budget d'investissement, total des "
            "dépenses : le document imprime 99\u00a0€, le calcul donne 13\u202f345\u00a0€") in result.stderr
    assert (tmp_path / "out" / "essai" / "contrat.docx").is_file()
    strict = run(*args, "--strict")  # checked again, though unchanged since the build before
    assert strict.returncode == 1
    assert "essai : 1 problème(s), rien n'a été écrit pour ce contrat" in strict.stderr
    assert "le document imprime 99\u00a0€, le calcul donne 13\u202f345\u00a0€" in strict.stderr


def test_a_reference_to_an_article_that_does_not_exist_fails_the_build(tmp_path, contract_files):
    contract_files["articles/plan.md"] += "\nVoir l'article 2.3.\n"
    root = write_contract(tmp_path / "c", contract_files)
    report = build_report([root], tmp_path / "out", rebuild=True)
    [problem] = report.failed["c"]
    assert "plan.md, ligne 13, colonne 8" in str(problem) and "renvoi à l'article 2.3, qui n'existe pas" in str(problem)


@pytest.mark.parametrize("manifest, place, reason", [
    (b"[]", "", "n'a pas la forme attendue (un objet JSON dont « outputs » donne un objet par document)"),
    (b"null", "", "n'a pas la forme attendue (un objet JSON dont « outputs » donne un objet par document)"),
    (b"\xff\xfe{", "", "n'est pas enregistré en UTF-8 (octet 0xFF illisible)"),
    (b'{"outputs": []}', "", "n'a pas la forme attendue (un objet JSON dont « outputs » donne un objet par document)"),
    (b'{"outputs": {"x": 1}}', "", "n'a pas la forme attendue (un objet JSON dont « outputs » donne un objet par document)"),
    (b'{"inputs": "a",\n "outputs": {', ", ligne 2, colonne 14", "n'est pas du JSON valide"),
])
def test_a_manifest_that_cannot_be_read_counts_as_absent_and_the_build_says_so(tmp_path, contract_dir, manifest,
                                                                               place, reason):
    """The files already there are then not known as the engine's: they are kept aside, never lost; the build
    warns, naming the manifest and why it was ignored, and the next build finds it whole again."""
    build([contract_dir], tmp_path / "out")
    path = tmp_path / "out" / "essai" / MANIFEST_NAME
    path.write_bytes(manifest)
    report = build_report([contract_dir], tmp_path / "out", rebuild=True)
    assert report.built == ["essai"] and not report.failed
    assert {dest.name for dest, _ in report.kept_aside} == {"contrat.docx", "annexes.docx"}
    [warning] = report.warnings
    assert warning.is_warning and warning.location.path.endswith(f"out/essai/{MANIFEST_NAME}")
    assert str(warning).endswith(f"{MANIFEST_NAME}{place} : attention : registre des documents écrits {reason} : il "
                                 "est ignoré, les documents déjà présents sont conservés à part comme s'ils avaient "
                                 "été modifiés à la main, et il est écrit à neuf")
    assert not build_report([contract_dir], tmp_path / "out", rebuild=True).warnings


def test_a_manifest_that_cannot_be_read_is_named_in_the_build_summary(tmp_path, contract_dir):
    """`python build.py` prints the warning in French among the build's, with the manifest's path and the line
    where its JSON breaks (a manifest cut short), and the files it kept aside; the build succeeds."""
    from .test_cli import run

    output = tmp_path / "out"
    assert run("--contenu", str(contract_dir.parent), "--sortie", str(output)).returncode == 0
    manifest = output / "essai" / MANIFEST_NAME
    cut = manifest.read_bytes()[:200]
    manifest.write_bytes(cut)
    result = run("--contenu", str(contract_dir.parent), "--sortie", str(output), "--tout")
    assert result.returncode == 0, result.stderr
    line = cut.count(b"\n") + 1  # the JSON breaks where it is cut
    assert f"essai/{MANIFEST_NAME}, ligne {line}, colonne " in result.stderr
    assert " : attention : registre des documents écrits n'est pas du JSON valide : il est ignoré, les documents " \
           "déjà présents sont conservés à part comme s'ils avaient été modifiés à la main" in result.stderr
    assert "contrat.docx avait été modifié à la main : conservé sous" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_symlink_to_a_file_outside_the_contract_is_never_printed(tmp_path, contract_files):
    secret = tmp_path / "shadow"
    secret.write_text("# Secret\n\nroot:motdepasse\n", encoding="utf-8")
    del contract_files["articles/objet.md"]
    root = write_contract(tmp_path / "content" / "c", contract_files)
    (root / "articles" / "objet.md").symlink_to(secret)
    report = build_report([root], tmp_path / "out", rebuild=True)
    messages = [str(p) for p in report.failed["c"]]
    assert any("articles/objet.md : lien vers un fichier hors du dossier du contrat : refusé" in m for m in messages)
    assert not (tmp_path / "out").exists()


def test_a_markdown_file_with_a_byte_order_mark_keeps_its_title(tmp_path, contract_files):
    root = write_contract(tmp_path / "c", contract_files)
    article = root / "articles" / "objet.md"
    article.write_bytes(b"\xef\xbb\xbf" + article.read_bytes())
    written = build([root], tmp_path / "out")
    assert any(p.startswith("Article 1") and "Objet du contrat" in p or p == "Objet du contrat"
               for p in docx_paragraphs(main_document(written)))


def test_a_markdown_file_in_cp1252_is_refused_at_its_line_and_not_said_missing(tmp_path, contract_files):
    root = write_contract(tmp_path / "c", contract_files)
    (root / "articles" / "objet.md").write_bytes("# Objet\n\nL'essai de Liévin.\n".encode("cp1252"))
    report = build_report([root], tmp_path / "out", rebuild=True)
    [problem] = report.failed["c"]
    assert "objet.md, ligne 3, colonne 14 : le fichier n'est pas enregistré en UTF-8" in str(problem)


def test_sums_are_exact_to_the_cent(tmp_path, contract_files):
    fiche = contract_files["fiches/velo.yaml"]
    fiche["investissement"]["depenses"] = [{"libelle": "a", "montant": Decimal("0.10")},
                                           {"libelle": "b", "montant": Decimal("0.20")}]
    fiche["investissement"]["total_publie"]["depenses"] = Decimal("0.30")
    fiche["echeancier"]["depenses"]["investissement"] = {2021: Decimal("0.10"), 2023: Decimal("0.20")}
    fiche["echeancier"]["publie"]["depenses"] = {"total": Decimal("0.30"), 2021: Decimal("0.10"),
                                                  2023: Decimal("0.20")}
    fiche["echeancier"]["publie"]["totaux"]["depenses_investissement"] = Decimal("0.30")
    del contract_files["maquette-publiee.yaml"]
    contract_files["contrat.yaml"]["maquette_publiee"] = None
    root = write_contract(tmp_path / "c", contract_files)
    prepared = read_and_compute(root)
    assert not prepared.findings, [str(f) for f in prepared.findings]  # 0.1 + 0.2 == 0.3, exactly
    assert prepared.computed.fiches[2].investissement.total_depenses == Decimal("0.30")
    path = main_document(build([root], tmp_path / "out"))
    assert "0,30\u00a0€" in docx_paragraphs(path)


# --- templates -----------------------------------------------------------------------------------------------------


def hostile_templates(tmp_path, *paragraphs: str):
    """A templates folder whose CRTE template holds these paragraphs."""
    templates = tmp_path / "templates"
    (templates / "crte").mkdir(parents=True)
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(templates / "crte" / "contrat.docx")
    shutil.copy(ROOT / "templates" / "crte" / "annexes.docx", templates / "crte" / "annexes.docx")
    return templates


def test_a_variable_missing_from_the_content_fails_naming_template_and_variable(tmp_path, contract_dir):
    templates = hostile_templates(tmp_path, "{{ contrat.titre }}", "{{ contrat.numero_de_convention }}")
    with pytest.raises(BuildFailed) as caught:
        build([contract_dir], tmp_path / "out", templates)
    [problem] = caught.value.problems
    assert "templates/crte/contrat.docx" in str(problem).replace(str(tmp_path) + "/", "")
    assert "« numero_de_convention »" in problem.message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("expression", ["{{ ''.__class__.__mro__ }}", "{{ contrat.__class__.__init__.__globals__ }}",
                                        "{{ cycler.__init__.__globals__.os.system('id') }}"])
def test_templates_are_sandboxed(tmp_path, contract_dir, expression):
    templates = hostile_templates(tmp_path, expression)
    with pytest.raises(BuildFailed) as caught:
        build([contract_dir], tmp_path / "out", templates)
    [problem] = caught.value.problems
    assert "opération interdite" in problem.message or "n'existe pas" in problem.message
    assert not (tmp_path / "out").exists()


def test_markup_characters_in_content_render_literally(tmp_path, contract_files):
    hostile = 'A <b> & "B" ]]> </w:t> C'
    contract_files["contrat.yaml"]["territoire"] = hostile
    contract_files["fiches/velo.yaml"]["intitule"] = hostile
    contract_files["projet/intro.md"] = f"# Titre\n\n{hostile}\n"
    root = write_contract(tmp_path / "c", contract_files)
    path = main_document(build([root], tmp_path / "out"))
    text = docx_paragraphs(path)
    expected = "A <b> & «\u00a0B\u00a0» ]]> </w:t> C"
    assert text.count(expected) >= 2
    Document(str(path))  # the document still opens


def test_characters_xml_forbids_are_removed_with_a_warning(tmp_path, contract_files):
    contract_files["projet/intro.md"] = "# Titre\n\nAvant\x0bApres et nul\x00 ici.\n"
    root = write_contract(tmp_path / "c", contract_files)
    intitule_line = (root / "fiches" / "velo.yaml").read_text(encoding="utf-8")
    (root / "fiches" / "velo.yaml").write_text(intitule_line.replace("DEVELOPPER LE VELO", "DEVELOPPER\x0b LE VELO"),
                                               encoding="utf-8")
    report = build_report([root], tmp_path / "out")
    warnings = [str(w) for w in report.warnings]
    assert any("intro.md, ligne 3, colonne 6" in w and "tabulation verticale" in w for w in warnings)
    assert any("intro.md, ligne 3" in w and "caractère nul" in w for w in warnings)
    assert any("velo.yaml, ligne" in w and "tabulation verticale" in w for w in warnings)
    path = main_document(report.written)
    text = docx_paragraphs(path)
    assert "AvantApres et nul ici." in text and "DEVELOPPER LE VELO" in text
    assert "\x0b" not in docx_xml(path)


# --- hand edits ----------------------------------------------------------------------------------------------------


def edit_by_hand(path):
    document = Document(str(path))
    document.add_paragraph("Correction manuscrite du juriste.")
    document.save(str(path))


def run_cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True,
                          timeout=300)


def test_a_hand_edited_output_is_never_overwritten(tmp_path, contract_dir):
    content, output = contract_dir.parent, tmp_path / "out"
    assert run_cli("--contenu", str(content), "--sortie", str(output)).returncode == 0
    path = output / "essai" / "contrat.docx"
    edit_by_hand(path)
    edited = path.read_bytes()

    result = run_cli("--contenu", str(content), "--sortie", str(output))
    assert result.returncode == 0
    [kept] = list((output / "essai").glob("contrat.modifie-*.docx"))
    assert kept.read_bytes() == edited                       # the hand-edited file is kept, intact
    assert "modifié à la main : conservé sous" in result.stderr
    assert "Correction manuscrite" not in "\n".join(docx_paragraphs(path))  # the new file is the engine's

    # an unedited output is simply replaced; --force overwrites an edited one
    assert run_cli("--contenu", str(content), "--sortie", str(output)).returncode == 0
    assert len(list((output / "essai").glob("contrat.modifie-*.docx"))) == 1
    edit_by_hand(path)
    assert run_cli("--contenu", str(content), "--sortie", str(output), "--force").returncode == 0
    assert len(list((output / "essai").glob("contrat.modifie-*.docx"))) == 1
    assert "Correction manuscrite" not in "\n".join(docx_paragraphs(path))


# --- crashes ---------------------------------------------------------------------------------------------------------


def test_a_build_killed_mid_batch_leaves_old_or_new_complete_files(tmp_path, contract_files):
    content, output = tmp_path / "content", tmp_path / "out"
    count = 30
    for i in range(count):
        files = dict(contract_files)
        cover = dict(contract_files["contrat.yaml"]["couverture"], titre="ANCIEN")
        files["contrat.yaml"] = dict(contract_files["contrat.yaml"], couverture=cover)
        write_contract(content / f"c{i:02}", files)
    assert run_cli("--contenu", str(content), "--sortie", str(output)).returncode == 0
    outputs = sorted(output.glob("*/contrat.docx"))
    before = {p: p.stat().st_mtime_ns for p in outputs}
    for i in range(count):
        path = content / f"c{i:02}" / "contrat.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("ANCIEN", "NOUVEAU"), encoding="utf-8")

    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--contenu", str(content),
                                "--sortie", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.stat().st_mtime_ns != before[p] for p in outputs):  # the writing has begun
            break
        time.sleep(0.0005)
    workers = _children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_is_running(pid) for pid in workers):
        time.sleep(0.1)
    assert workers and not any(_is_running(pid) for pid in workers), "the build's workers outlived it"

    versions = []
    for path in outputs:
        text = "\n".join(docx_paragraphs(path))  # every file is a complete, readable document
        assert ("ANCIEN" in text) != ("NOUVEAU" in text)
        versions.append("NOUVEAU" in text)
    assert any(versions)


    result = run_cli("--contenu", str(content), "--sortie", str(output))
    assert result.returncode == 0, result.stderr
    assert "modifié à la main" not in result.stderr  # the interrupted build is not mistaken for hand edits
    assert not list(output.rglob(TEMP_PREFIX + "*"))
    assert not list(output.rglob("*.modifie-*"))
    assert all("NOUVEAU" in "\n".join(docx_paragraphs(p)) for p in outputs)
    assert all((output / f"c{i:02}" / MANIFEST_NAME).is_file() for i in range(count))


def _children(pid: int) -> list[int]:
    """Return the child processes of `pid` (Linux /proc)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return children


def _is_running(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()  # a zombie has ended
    except FileNotFoundError:
        return False


# --- links: http(s), mailto, tel and the document's own anchors only ---------------------------------------------


def test_links_to_other_protocols_are_refused_with_file_and_line(tmp_path, contract_files):
    contract_files["projet/intro.md"] = (
        "Le projet.\n\n"
        "Voir [le site](https://example.org), [écrire](mailto:a@b.fr), [appeler](tel:+33320000000), "
        "[plus bas](#axe-1).\n\n"
        "Un [piège](javascript:alert(1)) ici.\n"
        "Une [image](DATA:text/html;base64,PHNjcmlwdD4=) là.\n\n"
        "Un [fichier](file:///etc/passwd), un [vieux][r], un [relatif](../../secret.docx).\n\n"
        "[r]: vbscript:msgbox(1)\n")
    contract_files["fiches/velo.yaml"]["description"] = "Voir [ceci](JavaScript:fetch('//x'))."
    root = write_contract(tmp_path / "c", contract_files)
    with pytest.raises(BuildFailed) as caught:
        build([root], tmp_path / "out")
    messages = [str(p) for p in caught.value.problems]
    intro = [m for m in messages if "intro.md" in m]
    assert len(intro) == 5, messages
    assert any("intro.md, ligne 5 : lien « javascript:alert(1) » refusé" in m for m in intro)
    assert any("intro.md, ligne 6" in m and "« DATA: » interdit" in m for m in intro)
    assert any("intro.md, ligne 8" in m and "file:///etc/passwd" in m for m in intro)
    assert any("intro.md, ligne 10" in m and "vbscript:" in m for m in intro)
    assert any("intro.md, ligne 8" in m and "adresse sans protocole" in m for m in intro)
    assert any("velo.yaml, ligne" in m and "« JavaScript: » interdit" in m for m in messages)
    assert not (tmp_path / "out").exists()


def test_a_refused_link_that_reaches_a_renderer_is_printed_as_text():
    from generator.prose import HtmlProseRenderer, ProseStyles, word_blocks

    text = "Un [piège](javascript:alert(1)), un [bon](https://example.org) et un [renvoi](#axe-1)."
    urls = [inline.url for block in word_blocks(text, 0, "Body Text", ProseStyles()) for inline in block.inlines
            if inline.url]
    assert urls == ["https://example.org", "#axe-1"]
    page = HtmlProseRenderer().render(text)
    assert "javascript" not in page and "piège" in page and 'href="https://example.org"' in page


# --- templates: bounded resources --------------------------------------------------------------------------------


@pytest.mark.parametrize("expression, words", [
    ("{{ 'a' * 10**8 }}", "texte ou liste trop grand pour un modèle"),
    ("{{ range(10**6)|length }}", "range trop grand pour un modèle"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}{% endfor %}{% endfor %}"
     "{% endfor %}", "le rendu du modèle dépasse 0.5 s et a été arrêté"),
])
def test_a_template_asking_too_much_fails_naming_the_template(tmp_path, contract_dir, monkeypatch, expression,
                                                              words):
    monkeypatch.setattr("generator.jinja_env.RENDER_TIME_LIMIT", 0.5)
    templates = hostile_templates(tmp_path, "{{ contrat.titre }}", expression)
    report = build_report([contract_dir], tmp_path / "out", templates)
    [problem] = report.failed["essai"]
    assert problem.location.path.endswith("templates/crte/contrat.docx") and words in problem.message
    assert not (tmp_path / "out").exists()
