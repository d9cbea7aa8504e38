"""Every command of docs/guide-redaction.md runs, in order, in a fresh project folder (the guide cannot rot)."""

import re
import shlex
import shutil
import subprocess
import sys

from .conftest import ROOT

GUIDE = ROOT / "docs" / "guide-redaction.md"
BLOCK = re.compile(r"```(sh|yaml)\n(.*?)```", re.S)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def guide_steps():
    """Yield ("sh", command, expected status, is_server) and ("file", path, text) in the guide's order."""
    for language, body in BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
        if language == "yaml":
            first, _, rest = body.partition("\n")
            path = re.fullmatch(r"# fichier : (\S+)", first.strip())
            assert path, "every YAML example of the guide names its file"
            yield ("file", path.group(1), body)
            continue
        for line in body.splitlines():
            if not line.strip():
                continue
            command, _, comment = line.partition("#")
            status = re.search(r"sortie : (\d+)", comment)
            yield ("sh", command.strip(), int(status.group(1)) if status else 0, "serveur" in comment)


def test_the_guide_has_commands_for_every_step():
    commands = [step[1] for step in guide_steps() if step[0] == "sh"]
    for verb in ("nouveau", "verifier", "apercu", "construire", "--formats", "avenant", "--force"):
        assert any(verb in c for c in commands), verb
    assert "python build.py" in commands


def test_every_command_of_the_guide_runs(tmp_path):
    for kind, *rest in guide_steps():
        if kind == "file":
            path, text = rest
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text, encoding="utf-8")
            continue
        command, status, is_server = rest
        words = shlex.split(command)
        assert words[:2] == ["python", "build.py"], command
        if "pdf" in command and SOFFICE is None:
            continue
        argv = [sys.executable, str(ROOT / "build.py"), *words[2:]]
        if is_server:
            process = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            banner = process.stdout.readline()
            process.terminate()
            process.wait(timeout=10)
            assert "http://127.0.0.1:" in banner, command
            continue
        result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == status, f"{command}\n{result.stdout}\n{result.stderr}"
    produced = tmp_path / "output" / "mon-territoire"
    for name in ("contrat.docx", "contrat.html", "avenant-01/avenant.docx", "avenant-01/redline.docx",
                 "avenant-01/contrat.docx", "avenant-01/annexes.docx"):
        assert (produced / name).is_file(), name
