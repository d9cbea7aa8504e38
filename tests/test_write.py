"""Write stage: atomic writes, manifest keyed by hashes, nothing written when the content is invalid."""

import json
import os
import stat

import pytest

from generator.errors import BuildFailed
from generator.pipeline import build
from generator.write import MANIFEST_NAME, TEMP_PREFIX, atomic_write, remove_stale_temporaries, sha256

from .conftest import main_document, write_contract


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    dest = tmp_path / "a" / "x.docx"
    atomic_write(dest, b"old")
    atomic_write(dest, b"new")
    assert dest.read_bytes() == b"new"
    assert not list(dest.parent.glob(TEMP_PREFIX + "*"))



@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_a_written_file_gets_the_mode_of_any_file_the_user_writes(tmp_path, umask, mode):
    """0666 less the umask, as `open()` gives, never mkstemp's 0600."""
    previous = os.umask(umask)
    try:
        atomic_write(tmp_path / "x.docx", b"data")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "x.docx").stat().st_mode) == mode


def test_stale_temporaries_of_a_killed_build_are_removed(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / (TEMP_PREFIX + "abc")).write_bytes(b"half")
    assert remove_stale_temporaries(tmp_path) == 1
    assert not list(tmp_path.rglob(TEMP_PREFIX + "*"))


def test_build_records_outputs_in_the_manifest(contract_dir, tmp_path):
    output_dir = tmp_path / "out"
    path = main_document(build([contract_dir], output_dir))
    manifest = json.loads((output_dir / "essai" / MANIFEST_NAME).read_text(encoding="utf-8"))
    entry = manifest["outputs"]["contrat.docx"]
    assert entry["sha256"] == sha256(path.read_bytes())
    assert len(entry["sources"]) == 64 and len(manifest["inputs"]) == 64


def test_an_invalid_contract_writes_nothing_and_does_not_stop_the_others(tmp_path, contract_files):
    good = write_contract(tmp_path / "content" / "bon", contract_files)
    contract_files["fiches/velo.yaml"]["annee_lancement"] = "bientôt"
    contract_files["fiches/emploi.yaml"]["montnat"] = 3
    bad = write_contract(tmp_path / "content" / "mauvais", contract_files)
    output_dir = tmp_path / "out"
    with pytest.raises(BuildFailed) as caught:
        build([good, bad], output_dir)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 2
    assert any("velo.yaml, ligne" in m and "nombre entier attendu" in m for m in messages)
    assert any("emploi.yaml, ligne" in m and "champ inconnu « montnat »" in m for m in messages)
    assert not (output_dir / "mauvais").exists()           # nothing of the invalid contract
    assert (output_dir / "bon" / "contrat.docx").is_file()  # the valid one is built all the same
