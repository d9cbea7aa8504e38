"""The command line: `python build.py`, `python build.py verifier`, as a user types them."""

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
    assert "Produit les documents de tous les contrats" in result.stdout
    assert "Exemples" in result.stdout
    assert result.stdout.startswith("Utilisation\u00a0: build.py")
    assert "Options\u00a0:" in result.stdout and "Commandes\u00a0:" in result.stdout
    assert "Affiche cette aide et quitte." in result.stdout and "Show this message" not in result.stdout
    for command in ("construire", "verifier", "avenant", "nouveau", "apercu"):
        sub = run(command, "--aide").stdout
        assert sub.startswith(f"Utilisation\u00a0: build.py {command}") and "Exemple" in sub, command


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
