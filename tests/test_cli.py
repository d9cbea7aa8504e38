"""The command line: `python build.py`, `python build.py verifier`, as a user types them."""

import re
import subprocess
import sys

from .conftest import ROOT, docx_paragraphs, write_contract


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_verifier_exits_1_on_the_seed_and_lists_its_mistakes():
    result = run("verifier", "crte-lens-lievin")
    assert result.returncode == 1
    assert "désaccord(s) entre ce qui est écrit et ce qui est calculé" in result.stdout
    assert "content/crte-lens-lievin/fiches/1-incubateurs-innovation.yaml, ligne 2" in result.stdout


def test_verifier_exits_0_on_a_consistent_contract(tmp_path, contract_files):
    write_contract(tmp_path / "content" / "essai", contract_files)
    result = run("--contenu", str(tmp_path / "content"), "verifier", "essai")
    assert result.returncode == 0, result.stdout
    assert "aucun problème" in result.stdout


def test_build_renders_every_contract(tmp_path, contract_files):
    write_contract(tmp_path / "content" / "essai", contract_files)
    write_contract(tmp_path / "content" / "autre", contract_files)
    result = run("--contenu", str(tmp_path / "content"), "--sortie", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "essai" / "contrat.docx").is_file()
    assert (tmp_path / "out" / "autre" / "contrat.docx").is_file()


def test_build_stops_once_with_all_problems_in_french(tmp_path, contract_files):
    contract_files["fiches/velo.yaml"]["investissement"]["depenses"][0]["montant"] = -3
    contract_files["contrat.yaml"]["signature"]["exemplaires"] = "trois"
    write_contract(tmp_path / "content" / "essai", contract_files)
    result = run("--contenu", str(tmp_path / "content"), "--sortie", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "essai : 2 problème(s), rien n'a été écrit pour ce contrat" in result.stderr
    assert "0 contrat(s) construit(s), 0 inchangé(s), 1 en échec" in result.stderr
    assert "montant négatif" in result.stderr and "nombre entier attendu" in result.stderr
    assert not (tmp_path / "out").exists()


def test_help_is_in_french():
    result = run("--help")
    assert "produit les documents de tous les contrats du dossier de contenu qui ont changé" in " ".join(
        result.stdout.split())
    assert "Exemples" in result.stdout
    assert result.stdout.startswith("Utilisation\u00a0: python build.py [OPTIONS] [COMMANDE] [ARGUMENTS]...")
    assert "Options\u00a0:" in result.stdout and "Commandes\u00a0:" in result.stdout
    assert "Affiche cette aide et quitte." in result.stdout and "Show this message" not in result.stdout
    for command in ("construire", "verifier", "avenant", "nouveau", "apercu", "relire", "transmettre"):
        sub = run(command, "--aide").stdout
        assert sub.startswith(f"Utilisation\u00a0: python build.py {command}") and "Exemple" in sub, command


# Words click writes in English when left untranslated: its messages, headings and type names.
CLICK_ENGLISH = ("Usage", "Try ", "for help", "Error", "Show this message", "Commands", "Positional", "Missing",
                 "unexpected extra", "No such", "Did you mean", "Invalid value", "is not a valid", "not in the range",
                 "does not exist", "is a directory", "is a file", "requires an argument", "does not take a value",
                 "default:", "required", "Aborted", "env var", "one of", "INTEGER", "FLOAT", "TEXT", "PATH", "FILE",
                 "DIRECTORY", "RANGE", "BOOLEAN", "COMMAND", "ARGS", "x<=", "<=x", ">=")


def english_in(text: str) -> list[str]:
    """The words of CLICK_ENGLISH in `text`, as words (« COMMANDE » is not « COMMAND »)."""
    return [word for word in CLICK_ENGLISH if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]


def invoke(*args: str):
    """Run the command line in this process, as `python build.py` would (faster than a subprocess)."""
    from click.testing import CliRunner

    from generator.cli import main

    return CliRunner().invoke(main, list(args), prog_name="python build.py")


def test_no_help_page_has_a_word_of_click_english_and_every_metavar_is_french():
    from generator.cli import main

    pages = {"": invoke("--aide").output}
    for name in main.commands:
        pages[name] = invoke(name, "--aide").output
    assert set(pages) == {"", "construire", "avenant", "verifier", "nouveau", "apercu", "relire", "transmettre",
                          "exporter", "importer"}
    for name, page in pages.items():
        assert page.startswith(f"Utilisation\u00a0: python build.py {name}".rstrip()), name
        assert "Options\u00a0:" in page and "Affiche cette aide et quitte." in page, name
        assert english_in(page) == [], (name, page)
    words = {name: " ".join(page.split()) for name, page in pages.items()}  # lines joined
    assert "--port NOMBRE" in words["apercu"] and "[de 0 à 65535]" in words["apercu"]
    assert "--signe FICHIER" in words["transmettre"] and "--avenant N " in words["transmettre"]
    assert "--delai-tache SECONDES" in words[""] and "[au moins 0,1]" in words[""]
    assert "DOSSIER NUMÉRO" in words["avenant"] and "DOSSIER RETOUR.docx" in words["relire"]
    assert "-h, --aide, --help" in words["verifier"]  # in this order on every run


USAGE_ERRORS = {
    # arguments: what the message must say
    ("construire", "--formatz", "x"): "option inconnue «\u00a0--formatz\u00a0». Vouliez-vous dire "
                                      "«\u00a0--force\u00a0» ou «\u00a0--formats\u00a0»\u00a0?",
    ("construir",): "commande inconnue «\u00a0construir\u00a0». Vouliez-vous dire «\u00a0construire\u00a0»\u00a0?",
    ("verifier", "--bad"): "option inconnue «\u00a0--bad\u00a0».",
    ("fabriquer",): "commande inconnue «\u00a0fabriquer\u00a0».",
    ("avenant",): "argument manquant «\u00a0DOSSIER\u00a0».",
    ("avenant", "essai", "1", "2"): "argument en trop\u00a0: 2",
    ("--travailleurs", "x"): "valeur invalide pour «\u00a0--travailleurs\u00a0»\u00a0: «\u00a0x\u00a0» n'est pas "
                             "un nombre entier valide.",
    ("--delai-tache", "bientôt"): "valeur invalide pour «\u00a0--delai-tache\u00a0»\u00a0: «\u00a0bientôt\u00a0» "
                                  "n'est pas un nombre valide.",
    ("apercu", "essai", "--port", "70000"): "valeur invalide pour «\u00a0--port\u00a0»\u00a0: 70000 est hors des "
                                            "valeurs permises\u00a0: de 0 à 65535.",
    ("construire", "--formats", "docx,rtf"): "valeur invalide pour «\u00a0--formats\u00a0»\u00a0: format(s) "
                                             "inconnu(s)\u00a0: rtf",
    ("relire", "essai", "absent.docx"): "valeur invalide pour «\u00a0RETOUR.docx\u00a0»\u00a0: "
                                        "«\u00a0absent.docx\u00a0» introuvable.",
    ("construire", "--contenu"): "l'option «\u00a0--contenu\u00a0» attend une valeur.",
    ("construire", "--force=oui"): "l'option «\u00a0--force\u00a0» ne prend pas de valeur.",
}


def test_every_usage_error_is_in_french_with_no_try_line():
    for args, message in USAGE_ERRORS.items():
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert f"Erreur\u00a0: {message}" in result.stderr, (args, result.stderr)
        assert english_in(result.stderr) == [], (args, result.stderr)
        if result.stderr.startswith("Utilisation"):  # with the usage, where to find the help
            assert "\nAide\u00a0: python build.py " in result.stderr and " --aide\n" in result.stderr, args


def test_a_bad_avenant_number_is_refused_in_french_naming_the_argument():
    for args in (("avenant", "essai", "deux"), ("avenant", "deux", "essai")):
        result = run(*args)  # as typed: through build.py
        assert result.returncode == 2
        assert "Erreur\u00a0: valeur invalide pour «\u00a0NUMÉRO\u00a0»\u00a0: «\u00a0" in result.stderr
        assert "\u00a0» n'est pas un numéro d'avenant (un nombre\u00a0: 1, 2…)" in result.stderr
        assert english_in(result.stderr) == [] and "Traceback" not in result.stderr
    result = invoke("transmettre", "essai", "--avenant", "premier")
    assert "valeur invalide pour «\u00a0--avenant\u00a0»\u00a0: «\u00a0premier\u00a0» n'est pas un nombre entier" \
        in result.stderr


def test_every_option_of_the_group_is_accepted_after_each_building_command():
    from generator.cli import main

    before = {opt for param in main.params for opt in param.opts}
    assert {"--contenu", "--sortie", "--force", "--formats", "--strict", "--tout", "--travailleurs"} <= before
    for name in ("construire", "avenant", "relire"):
        after = {opt for param in main.commands[name].params for opt in param.opts}
        assert before <= after, (name, before - after)
    for name in ("verifier", "nouveau", "apercu", "transmettre"):  # each takes the folders it reads or writes
        assert "--contenu" in {opt for param in main.commands[name].params for opt in param.opts}, name
    assert "--sortie" in {opt for param in main.commands["transmettre"].params for opt in param.opts}


def test_options_after_the_sub_command_give_the_same_result_as_before_it(tmp_path, contract_files):
    write_contract(tmp_path / "content" / "essai", contract_files)
    content = str(tmp_path / "content")
    before = run("--contenu", content, "--sortie", str(tmp_path / "avant"), "--formats", "html,xlsx",
                 "construire", "essai")
    after = run("construire", "essai", "--contenu", content, "--sortie", str(tmp_path / "apres"), "--formats",
                "html,xlsx")
    assert before.returncode == 0 and after.returncode == 0, (before.stderr, after.stderr)
    built = {p.relative_to(tmp_path / "avant").as_posix() for p in (tmp_path / "avant").rglob("*") if p.is_file()}
    assert {"essai/contrat.html", "essai/maquette.xlsx"} <= built and "essai/contrat.docx" not in built, built
    assert {p.relative_to(tmp_path / "apres").as_posix() for p in (tmp_path / "apres").rglob("*") if p.is_file()} \
        == built
    page = "essai/contrat.html"
    assert (tmp_path / "avant" / page).read_bytes() == (tmp_path / "apres" / page).read_bytes()
    # Given on both sides, the one after the sub-command wins, as a repeated option does.
    both = run("--contenu", content, "--sortie", str(tmp_path / "ignoree"), "construire", "essai", "--sortie",
               str(tmp_path / "choisie"), "--formats", "html")
    assert both.returncode == 0, both.stderr
    assert (tmp_path / "choisie" / page).is_file() and not (tmp_path / "ignoree").exists()
    checked = invoke("verifier", "essai", "--contenu", content)
    assert checked.exit_code == 0 and "aucun problème" in checked.output, checked.output


def test_nouveau_help_says_what_it_does_creates_the_folder_and_builds_nothing(tmp_path):
    page = " ".join(invoke("nouveau", "--aide").output.split())
    assert "sans rien construire" in page and "se construit aussitôt" not in page
    assert "« construire » produit le document, marqué « PROJET » tant qu'il en reste" in page
    models = sorted(p.parent.name for p in (ROOT / "templates").glob("*/nouveau"))
    assert models and all(model in page for model in models), models  # the TYPEs it names are the models there
    result = run("nouveau", "crte", "essai", "--contenu", "content", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "content" / "essai" / "contrat.yaml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]  # nothing built: no output/ folder
    assert "« python build.py construire essai » produit le document" in result.stdout


def test_a_path_given_for_a_contract_name_is_refused_and_writes_nothing(tmp_path, contract_files):
    write_contract(tmp_path / "content" / "essai", contract_files)
    for name in ("essai/fiches/..", ".."):
        result = run("--contenu", "content", "--sortie", "output", "construire", name, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "n'est pas un nom de contrat" in result.stderr and "Traceback" not in result.stderr
    for command in (("avenant", "essai/..", "1"), ("verifier", "../content/essai"), ("apercu", "..")):
        result = run("--contenu", "content", *command, cwd=tmp_path)
        assert result.returncode == 2 and "n'est pas un nom de contrat" in result.stderr, command
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]  # nothing written beside the content


def test_a_second_build_running_at_once_waits_and_both_leave_valid_outputs(tmp_path, contract_files):
    for i in range(6):
        write_contract(tmp_path / "content" / f"c{i}", contract_files)
    args = [sys.executable, str(ROOT / "build.py"), "--contenu", str(tmp_path / "content"), "--sortie",
            str(tmp_path / "out"), "--tout", "--travailleurs", "1"]
    results = []
    for _ in range(2):  # two rounds: the clash showed in 2 tries out of 5 before the lock
        builds = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for _ in range(2)]
        results += [(b.wait(timeout=300), b.stderr.read()) for b in builds]
    for code, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr and "modifié à la main" not in stderr
    assert not list((tmp_path / "out").rglob("*.modifie-*")) and not list((tmp_path / "out").rglob(".paraphe-tmp-*"))
    for i in range(6):
        assert docx_paragraphs(tmp_path / "out" / f"c{i}" / "contrat.docx")
