"""Write stage: atomic writes, manifest keyed by hashes, nothing written when the content is invalid."""

import json

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
    assert dest.stat().st_mode & 0o044  # readable by others, as any file the user writes


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
