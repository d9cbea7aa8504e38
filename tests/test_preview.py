"""The live preview: served on localhost only, reloaded in the browser when a content file is saved."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from generator.preview import Preview, is_local

from .conftest import ROOT, write_contract

A11Y = ROOT / "tests" / "a11y"


def start_preview(content_dir: Path, slug: str):
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--contenu", str(content_dir), "apercu",
                                slug, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line + process.stderr.read()
    return process, match.group(0), int(match.group(1))


def test_only_loopback_clients_are_served():
    assert is_local("127.0.0.1") and is_local("::1")
    assert not is_local("192.168.1.10") and not is_local("10.0.0.2") and not is_local("8.8.8.8")


def non_loopback_address() -> str | None:
    try:
        output = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return next((a for a in output if ":" not in a and not a.startswith("127.")), None)


def test_the_server_listens_on_localhost_only(tmp_path, contract_files):
    write_contract(tmp_path / "content" / "essai", contract_files)
    process, url, port = start_preview(tmp_path / "content", "essai")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            page = response.read().decode("utf-8")
        assert '<html lang="fr">' in page and "CONTRAT D" in page
        address = non_loopback_address()
        if address is not None:  # the machine's own network address: nobody listens there
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=3).close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_findings_are_placed_next_to_their_fiche(tmp_path, contract_files):
    contract_files["fiches/formation.yaml"]["numero_publie"] = "1.9"
    root = write_contract(tmp_path / "c", contract_files)
    page = Preview(root).page()
    constats = json.loads(re.search(r"var constats = (\[.*?\]);", page, re.S).group(1))
    assert [c["ancre"] for c in constats] == ["fiche-1-2"]
    assert 'id="fiche-1-2"' in page


@pytest.mark.skipif(not (shutil.which("node") and Path("/usr/bin/chromium").exists()
                         and (A11Y / "node_modules" / "playwright-core").is_dir()),
                    reason="chromium, node or playwright-core absent (bash .ci/run installs them)")
def test_editing_a_yaml_file_changes_the_page_in_chromium(tmp_path, contract_files):
    root = write_contract(tmp_path / "content" / "essai", contract_files)
    process, url, _ = start_preview(tmp_path / "content", "essai")
    try:
        result = subprocess.run(["node", str(A11Y / "preview-check.mjs"), url, str(root / "fiches" / "velo.yaml"),
                                 "DEVELOPPER LE VELO", "DEVELOPPER LA MARCHE A PIED"],
                                capture_output=True, text=True, timeout=120, cwd=A11Y)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome == {"before": True, "after": True, "constats": 0}  # a consistent contract: no finding
