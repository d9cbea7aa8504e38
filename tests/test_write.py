"""Write stage: atomic writes, manifest keyed by hashes, nothing written when the content is invalid."""

import errno
import json
import os
import tempfile
import threading
from pathlib import Path

import pytest
from filelock import FileLock

from generator.errors import BuildFailed
from generator.pipeline import build, build_report
from generator.write import (LOCK_NAME, MANIFEST_NAME, TEMP_PREFIX, ContractNameError, Output, WriteFailed,
                             atomic_write, check_contract_name, contract_name_problem, remove_stale_temporaries,
                             sha256, write_outputs)

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


# --- containment: nothing written or deleted outside output/<contrat>/ ------------------------------------------


def test_a_contract_name_is_one_folder_name():
    for name in ("crte-lens-lievin", "Contrat 2024", "été"):
        assert contract_name_problem(name) is None
    for name in ("", ".", "..", "crte/avenants/..", "../x", "a\\b", ".cache", "a\x00b", "x" * 201):
        assert contract_name_problem(name), name
    with pytest.raises(ContractNameError, match="n'est pas un nom de contrat"):
        check_contract_name("crte-lens-lievin/avenants/..")


def test_no_output_is_written_outside_the_contract_folder(tmp_path):
    folder = tmp_path / "out" / "essai"
    with pytest.raises(WriteFailed, match="hors du dossier du contrat"):
        write_outputs([Output(tmp_path / "out" / "essai" / ".." / "x.docx", b"x", "h")], folder)
    (tmp_path / "ailleurs").mkdir()
    folder.mkdir(parents=True)
    (folder / "avenant-01").symlink_to(tmp_path / "ailleurs")  # a link in the folder that leaves it
    with pytest.raises(WriteFailed, match="hors du dossier du contrat"):
        write_outputs([Output(folder / "avenant-01" / "avenant.docx", b"x", "h")], folder)
    with pytest.raises(WriteFailed, match="n'est pas un nom de contrat"):
        write_outputs([Output(tmp_path / "x.docx", b"x", "h")], tmp_path / "out" / "..")
    (tmp_path / "out" / "lien").symlink_to(tmp_path / "ailleurs")  # the contract's folder itself leaves
    with pytest.raises(WriteFailed, match="un lien qui sort du dossier de sortie"):
        write_outputs([Output(tmp_path / "out" / "lien" / "x.docx", b"x", "h")], tmp_path / "out" / "lien")
    assert not list(tmp_path.rglob("*.docx")) and not list((tmp_path / "ailleurs").iterdir())


def test_stale_temporaries_are_searched_in_the_contract_folder_only(tmp_path):
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    (outside / (TEMP_PREFIX + "a")).write_bytes(b"not ours")
    folder = tmp_path / "out" / "essai"
    folder.mkdir(parents=True)
    (folder / "lien").symlink_to(outside)
    (tmp_path / "out" / (TEMP_PREFIX + "b")).write_bytes(b"another folder's")
    (folder / (TEMP_PREFIX + "c")).write_bytes(b"half")
    assert remove_stale_temporaries(folder) == 1
    assert (outside / (TEMP_PREFIX + "a")).exists() and (tmp_path / "out" / (TEMP_PREFIX + "b")).exists()


# --- faults -------------------------------------------------------------------------------------------------------


def test_a_folder_in_place_of_an_output_is_kept_aside_not_a_crash(contract_dir, tmp_path):
    output_dir = tmp_path / "out"
    path = main_document(build([contract_dir], output_dir))
    path.unlink()
    path.mkdir()
    (path / "note.txt").write_text("à moi", encoding="utf-8")
    report = build_report([contract_dir], output_dir, rebuild=True)
    assert not report.failed
    [(dest, kept)] = report.kept_aside
    assert dest == path and (kept / "note.txt").read_text(encoding="utf-8") == "à moi"
    assert path.is_file() and path.read_bytes()[:2] == b"PK"


def test_two_interrupted_builds_in_a_row_do_not_look_like_hand_edits(tmp_path, monkeypatch):
    folder = tmp_path / "out" / "essai"
    names = ("contrat.docx", "annexes.docx")
    write_outputs([Output(folder / n, b"v0 " + n.encode(), "s0") for n in names], folder)
    real_write = atomic_write

    def killed_before_the_outputs(dest, data):  # the manifest is saved, then the build is killed
        if dest.name != MANIFEST_NAME:
            raise KeyboardInterrupt
        real_write(dest, data)

    monkeypatch.setattr("generator.write.atomic_write", killed_before_the_outputs)
    for version in ("v1", "v2"):
        with pytest.raises(KeyboardInterrupt):
            write_outputs([Output(folder / n, f"{version} {n}".encode(), version) for n in names], folder)
    monkeypatch.setattr("generator.write.atomic_write", real_write)
    assert (folder / "contrat.docx").read_bytes() == b"v0 contrat.docx"  # still the first build's files
    report = write_outputs([Output(folder / n, b"v3 " + n.encode(), "s3") for n in names], folder)
    assert report.kept_aside == []
    assert (folder / "contrat.docx").read_bytes() == b"v3 contrat.docx"


def test_a_second_build_waits_for_the_one_writing_the_same_contract(tmp_path):
    folder = tmp_path / "out" / "essai"
    folder.mkdir(parents=True)
    waited = []
    with FileLock(folder / LOCK_NAME):  # another build is writing this contract's folder
        worker = threading.Thread(target=write_outputs, args=([Output(folder / "contrat.docx", b"new", "h")],
                                                             folder), kwargs={"on_wait": waited.append})
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and waited == [folder] and not (folder / "contrat.docx").exists()
    worker.join(10)
    assert (folder / "contrat.docx").read_bytes() == b"new"
    with FileLock(folder / LOCK_NAME), pytest.raises(WriteFailed, match="une autre construction écrit"):
        write_outputs([Output(folder / "contrat.docx", b"newer", "h")], folder, lock_timeout=0.2)


@pytest.mark.parametrize("failure", [
    ("replace", errno.EROFS, "lecture seule"),
    ("fsync", errno.ENOSPC, "disque est plein"),
    ("mkstemp", errno.EACCES, "permission refusée"),
])
def test_a_failed_write_is_told_in_french_and_keeps_the_kept_aside_notice(contract_dir, tmp_path, monkeypatch,
                                                                       failure):
    function, code, words = failure
    output_dir = tmp_path / "out"
    path = main_document(build([contract_dir], output_dir))
    path.write_bytes(b"edited by hand")  # kept aside before the write fails
    real = {"replace": os.replace, "fsync": os.fsync, "mkstemp": tempfile.mkstemp}[function]

    def failing(*args, **kwargs):
        if function != "replace" or Path(args[0]).name.startswith(TEMP_PREFIX):
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    target = {"replace": "generator.write.os.replace", "fsync": "generator.write.os.fsync",
              "mkstemp": "generator.write.tempfile.mkstemp"}[function]
    monkeypatch.setattr(target, failing)
    report = build_report([contract_dir], output_dir, rebuild=True)
    monkeypatch.undo()
    [problem] = report.failed["essai"]
    assert words in str(problem) and "out/essai/" in problem.location.path
    [(dest, kept)] = report.kept_aside
    assert dest == path and kept.read_bytes() == b"edited by hand"
    assert not list(output_dir.rglob(TEMP_PREFIX + "*"))  # nothing half-written
    assert not path.exists() or path.read_bytes()[:2] == b"PK"
