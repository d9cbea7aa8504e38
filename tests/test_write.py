"""Write stage: atomic writes, manifest keyed by hashes, nothing written when the content is invalid."""

import errno
import json
import os
import re
import stat
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


# --- The write stage by itself: hand edits kept aside, the manifest, written by hand (issue 27) ---------------

import datetime as dt  # noqa: E402
import hashlib  # noqa: E402

from generator.write import Manifest, Output, aside_path, is_hand_edited, write_outputs  # noqa: E402


def outputs(folder, **files: bytes) -> list[Output]:
    return [Output(folder / name, data, "s" * 64) for name, data in files.items()]


def test_a_file_edited_by_hand_is_kept_aside_unless_forced(tmp_path):
    folder = tmp_path / "essai"
    write_outputs(outputs(folder, **{"contrat.docx": b"v1", "annexe.docx": b"a1"}), folder)
    (folder / "contrat.docx").write_bytes(b"edited by hand")
    report = write_outputs(outputs(folder, **{"contrat.docx": b"v2", "annexe.docx": b"a2"}), folder)
    [(dest, kept)] = report.kept_aside
    assert dest == folder / "contrat.docx" and kept.read_bytes() == b"edited by hand"
    assert re.fullmatch(r"contrat\.modifie-\d{8}-\d{6}\.docx", kept.name)
    assert report.written == [folder / "contrat.docx", folder / "annexe.docx"]
    assert (folder / "contrat.docx").read_bytes() == b"v2" and (folder / "annexe.docx").read_bytes() == b"a2"

    (folder / "contrat.docx").write_bytes(b"edited again")
    forced = write_outputs(outputs(folder, **{"contrat.docx": b"v3"}), folder, force=True)
    assert forced.kept_aside == []
    assert (folder / "contrat.docx").read_bytes() == b"v3"
    assert sorted(p.name for p in folder.glob("contrat.modifie-*")) == [kept.name]  # no second copy


def test_a_write_over_a_broken_manifest_warns_once_and_keeps_the_files_there_aside(tmp_path):
    folder = tmp_path / "essai"
    write_outputs(outputs(folder, **{"contrat.docx": b"v1"}), folder)
    (folder / MANIFEST_NAME).write_bytes(b"{pas du json")
    report = write_outputs(outputs(folder, **{"contrat.docx": b"v2"}), folder)
    [warning] = report.warnings
    assert warning.is_warning and (warning.location.line, warning.location.column) == (1, 2)
    assert warning.message.startswith("registre des documents écrits n'est pas du JSON valide : il est ignoré")
    [(dest, kept)] = report.kept_aside  # unknown to the manifest, the first build's file counts as a hand edit
    assert dest == folder / "contrat.docx" and kept.read_bytes() == b"v1"
    # the manifest was written anew: the next write has nothing to say
    assert write_outputs(outputs(folder, **{"contrat.docx": b"v3"}), folder).warnings == []


def test_a_file_the_engine_did_not_write_is_kept_aside_too(tmp_path):
    folder = tmp_path / "essai"
    folder.mkdir()
    (folder / "contrat.docx").write_bytes(b"put there by someone")
    report = write_outputs(outputs(folder, **{"contrat.docx": b"v1"}), folder)
    [(_, kept)] = report.kept_aside
    assert kept.read_bytes() == b"put there by someone"


def test_an_unchanged_output_is_rewritten_without_being_kept_aside(tmp_path):
    folder = tmp_path / "essai"
    write_outputs(outputs(folder, **{"contrat.docx": b"v1"}), folder)
    report = write_outputs(outputs(folder, **{"contrat.docx": b"v2"}), folder)
    assert report.kept_aside == [] and (folder / "contrat.docx").read_bytes() == b"v2"
    assert not list(folder.glob("*.modifie-*"))


def test_two_hand_edits_kept_within_the_same_second_get_their_own_names(tmp_path):
    dest = tmp_path / "contrat.docx"
    now = dt.datetime(2026, 11, 21, 21, 30, 0)
    first = aside_path(dest, now)
    assert first == tmp_path / "contrat.modifie-20261121-213000.docx"
    first.write_bytes(b"1")
    second = aside_path(dest, now)
    assert second == tmp_path / "contrat.modifie-20261121-213000-2.docx"
    second.write_bytes(b"2")
    assert aside_path(dest, now) == tmp_path / "contrat.modifie-20261121-213000-3.docx"
    assert aside_path(tmp_path / "tableau.xlsx", now) == tmp_path / "tableau.modifie-20261121-213000.xlsx"


def test_the_manifest_records_hashes_sizes_dates_and_inputs(tmp_path):
    folder = tmp_path / "essai"
    write_outputs(outputs(folder, **{"contrat.docx": b"v1", "sous/annexe.docx": b"annexe"}), folder,
                  inputs="i" * 64)
    saved = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert saved["inputs"] == "i" * 64
    assert set(saved["outputs"]) == {"contrat.docx", "sous/annexe.docx"}
    entry = saved["outputs"]["contrat.docx"]
    assert entry == {"sha256": hashlib.sha256(b"v1").hexdigest(), "sources": "s" * 64, "size": 2,
                     "mtime_ns": (folder / "contrat.docx").stat().st_mtime_ns}
    assert saved["outputs"]["sous/annexe.docx"]["size"] == 6
    assert (folder / MANIFEST_NAME).read_text(encoding="utf-8").endswith("}\n")


def test_the_manifest_tells_an_engine_output_from_a_hand_edit(tmp_path):
    folder = tmp_path / "essai"
    write_outputs(outputs(folder, **{"contrat.docx": b"v1"}), folder, inputs="i1")
    manifest = Manifest(folder)
    dest = folder / "contrat.docx"
    assert manifest.is_engine_output(dest) and not is_hand_edited(dest, manifest)
    assert manifest.is_up_to_date("i1") and not manifest.is_up_to_date("i2")

    # same bytes, another date (a copy, a checkout): still the engine's, recognised by its hash; not as written
    stamp = dest.stat().st_mtime_ns
    os.utime(dest, ns=(stamp + 5_000_000_000, stamp + 5_000_000_000))
    assert manifest.is_engine_output(dest) and not manifest.is_up_to_date("i1")

    # another content of the same size and date: the size and date say it is as written (no read)
    dest.write_bytes(b"v9")
    os.utime(dest, ns=(stamp, stamp))
    assert manifest.is_engine_output(dest)

    dest.write_bytes(b"edited by hand")
    assert not manifest.is_engine_output(dest) and is_hand_edited(dest, manifest)
    assert not manifest.is_engine_output(folder / "autre.docx")
    dest.unlink()
    assert not is_hand_edited(dest, manifest) and not manifest.is_up_to_date("i1")


def test_the_previous_hash_stays_valid_until_every_file_is_written(tmp_path):
    folder = tmp_path / "essai"
    write_outputs(outputs(folder, **{"contrat.docx": b"v1"}), folder)
    manifest = Manifest(folder)
    manifest.record(folder / "contrat.docx", b"v2", "s" * 64)
    assert manifest.entries["contrat.docx"]["previous"] == [sha256(b"v1")]  # every interrupted build's (issue 19)
    os.utime(folder / "contrat.docx", ns=(1, 1))          # not as written: only the hashes can tell
    assert manifest.is_engine_output(folder / "contrat.docx")  # the old file, known by its previous hash
    manifest.save()
    assert json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))["outputs"]["contrat.docx"][
        "previous"] == [sha256(b"v1")]
    manifest.commit([], "i")
    assert "previous" not in manifest.entries["contrat.docx"]
    assert not manifest.is_engine_output(folder / "contrat.docx")  # v1 on disk, v2 recorded
    again = Manifest(folder)
    assert again.inputs == "i" and "previous" not in again.entries["contrat.docx"]


def test_a_first_record_has_no_previous_hash(tmp_path):
    manifest = Manifest(tmp_path)
    manifest.record(tmp_path / "x.docx", b"v1", "s")
    assert manifest.entries == {"x.docx": {"sha256": hashlib.sha256(b"v1").hexdigest(), "sources": "s", "size": 2}}


@pytest.mark.parametrize("text", ["{not json", ""])
def test_an_unreadable_manifest_is_an_empty_one(tmp_path, text):
    (tmp_path / MANIFEST_NAME).write_text(text, encoding="utf-8")
    manifest = Manifest(tmp_path)
    assert manifest.inputs is None and manifest.entries == {}
    assert not manifest.is_up_to_date("i")


def test_an_empty_manifest_is_never_up_to_date(tmp_path):
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"inputs": "i", "outputs": {}}), encoding="utf-8")
    manifest = Manifest(tmp_path)
    assert manifest.inputs == "i" and not manifest.is_up_to_date("i")


def test_stale_temporaries_are_counted_and_only_they_removed(tmp_path):
    assert remove_stale_temporaries(tmp_path / "absent") == 0
    (tmp_path / "a").mkdir()
    for name in (TEMP_PREFIX + "1", TEMP_PREFIX + "2", "a/" + TEMP_PREFIX + "3"):
        (tmp_path / name).write_bytes(b"half")
    (tmp_path / "contrat.docx").write_bytes(b"kept")
    assert remove_stale_temporaries(tmp_path) == 3
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["contrat.docx"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    dest = tmp_path / "contrat.docx"
    atomic_write(dest, b"old")

    def broken_replace(src, dst):
        raise OSError("disque plein")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write(dest, b"new")
    monkeypatch.undo()
    assert dest.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contrat.docx"]


def test_the_temporary_file_is_named_and_placed_for_a_later_clean_up(tmp_path, monkeypatch):
    replaced = []
    real_replace = os.replace

    def recording_replace(src, dst):
        replaced.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    atomic_write(tmp_path / "sous" / "contrat.docx", b"data")
    [(temporary, dest)] = replaced
    assert dest == tmp_path / "sous" / "contrat.docx"
    assert temporary.parent == dest.parent and temporary.name.startswith(TEMP_PREFIX)


def test_the_manifest_file_is_sorted_indented_json_in_utf_8(tmp_path):
    manifest = Manifest(tmp_path)
    manifest.record(tmp_path / "annexe-é.docx", b"v1", "src")
    manifest.inputs = "in"
    manifest.save()
    digest = hashlib.sha256(b"v1").hexdigest()
    assert (tmp_path / MANIFEST_NAME).read_bytes().decode("utf-8") == (
        '{\n'
        '  "inputs": "in",\n'
        '  "outputs": {\n'
        '    "annexe-é.docx": {\n'
        f'      "sha256": "{digest}",\n'
        '      "size": 2,\n'
        '      "sources": "src"\n'
        '    }\n'
        '  }\n'
        '}\n')


# --- Issue 27, second pass (after the merges of issues 18-20): survivors of the merged write.py --------------

def test_a_write_error_without_a_french_reason_names_the_system_error():
    from generator.write import write_error_message
    tail = " ; rien n'a été écrit à moitié"
    assert write_error_message(OSError(errno.EXDEV, "Invalid cross-device link")) == (
        "écriture impossible : erreur du système (Invalid cross-device link)" + tail)
    assert write_error_message(OSError()) == "écriture impossible : erreur du système (OSError)" + tail
    assert write_error_message(PermissionError()) == (
        "écriture impossible : erreur du système (PermissionError)" + tail)


def test_a_manifest_entry_that_is_not_a_record_marks_no_engine_output(tmp_path):
    folder = tmp_path / "essai"
    folder.mkdir()
    (folder / "contrat.docx").write_bytes(b"v1")
    (folder / MANIFEST_NAME).write_text(json.dumps({"outputs": {"contrat.docx": "0" * 64}}), encoding="utf-8")
    assert not Manifest(folder).is_engine_output(folder / "contrat.docx")


def test_an_output_path_naming_the_parent_folder_is_refused_with_its_place(tmp_path):
    from generator.write import check_inside
    folder = tmp_path / "essai"
    folder.mkdir()
    for path in (folder / "..", folder / "sous" / ".."):
        with pytest.raises(WriteFailed) as refused:
            check_inside(path, folder)
        [problem] = refused.value.problems
        assert str(problem) == (f"{path} : chemin de sortie hors du dossier du contrat {folder} : "
                                "rien n'a été écrit")
    check_inside(folder / "contrat.docx", folder)   # inside: nothing raised


# --- Issue 27, third pass: survivors of the full run on the merged write.py ----------------------------------

@pytest.mark.parametrize("name, problem", [
    ("", "nom de contrat vide"),
    (".", "« . » n'est pas un nom de contrat (un seul nom de dossier, sans chemin)"),
    ("..", "« .. » n'est pas un nom de contrat (un seul nom de dossier, sans chemin)"),
    ("crte/avenants", "« crte/avenants » n'est pas un nom de contrat : un seul nom de dossier, sans « / » ni « \\ »"),
    ("crte\\avenants", "« crte\\avenants » n'est pas un nom de contrat : un seul nom de dossier, sans « / » ni « \\ »"),
    ("a\x00b", "le nom de contrat contient un caractère de contrôle"),
    ("a\x1fb", "le nom de contrat contient un caractère de contrôle"),
    ("a\tb", "le nom de contrat contient un caractère de contrôle"),
    ("a\x7fb", "le nom de contrat contient un caractère de contrôle"),
    (".cache", "« .cache » n'est pas un nom de contrat : il ne peut pas commencer par un point"),
    ("x" * 201, "nom de contrat trop long (200 caractères au plus)"),
    # one folder's name: spaces (32, the first character that is not a control), accents, a dot inside, « ~ » (126)
    ("Contrat 2024", None), ("été", None), ("crte.v2", None), ("a~b", None), ("x" * 200, None),
])
def test_why_a_name_is_not_a_contract_name_is_told_in_french(name, problem):
    assert contract_name_problem(name) == problem
    if problem is None:
        assert check_contract_name(name) == name
    else:
        with pytest.raises(ContractNameError) as refused:
            check_contract_name(name)
        assert str(refused.value) == problem


_SHAPE = "n'a pas la forme attendue (un objet JSON dont « outputs » donne un objet par document)"


@pytest.mark.parametrize("content, problem, inputs", [
    (None, None, None),                                                     # no manifest yet: nothing to say
    (b'{"inputs": "i", "outputs": {}}', None, "i"),
    (b'{"inputs": "i"}', None, "i"),                                        # no output recorded yet
    (b'{"inputs": 5, "outputs": {}}', None, None),                          # inputs that are not a fingerprint
    (b"{not json", (1, 2, "n'est pas du JSON valide"), None),
    (b'{"inputs": "\xe9"}', (None, None, "n'est pas enregistré en UTF-8 (octet 0xE9 illisible)"), None),  # Latin-1
    (b'["outputs"]', (None, None, _SHAPE), None),
    (b'{"inputs": "i", "outputs": ["contrat.docx"]}', (None, None, _SHAPE), None),
    (b'{"inputs": "i", "outputs": {"contrat.docx": "0000"}}', (None, None, _SHAPE), None),
])
def test_a_manifest_that_cannot_be_used_says_why_and_counts_as_absent(tmp_path, content, problem, inputs):
    if content is not None:
        (tmp_path / MANIFEST_NAME).write_bytes(content)
    manifest = Manifest(tmp_path)
    if problem is None:
        assert manifest.problem is None
    else:
        line, column, reason = problem
        assert manifest.problem.is_warning
        assert (manifest.problem.location.line, manifest.problem.location.column) == (line, column)
        assert manifest.problem.message == (
            f"registre des documents écrits {reason} : il est ignoré, les documents déjà présents sont conservés à "
            "part comme s'ils avaient été modifiés à la main, et il est écrit à neuf")
    assert (manifest.inputs, manifest.entries) == (inputs, {})


@pytest.mark.parametrize("error, reason", [
    (OSError(errno.EIO, "Input/output error"), "erreur d'entrée-sortie du disque"),
    (OSError(errno.EACCES, "Permission denied"), "lecture non permise"),
    (OSError(errno.ETIMEDOUT, "délai de lecture dépassé"), "délai de lecture dépassé"),  # the system's own words
    (OSError(), "erreur du système"),                                                     # no words at all
])
def test_a_manifest_that_cannot_be_read_says_why_in_french(tmp_path, monkeypatch, error, reason):
    (tmp_path / MANIFEST_NAME).write_bytes(b'{"outputs": {}}')
    real_read_bytes = Path.read_bytes

    def read_bytes(path):
        if path.name == MANIFEST_NAME:
            raise error
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    manifest = Manifest(tmp_path)
    assert manifest.problem.message == (
        f"registre des documents écrits illisible ({reason}) : il est ignoré, les documents déjà présents sont "
        "conservés à part comme s'ils avaient été modifiés à la main, et il est écrit à neuf")
    assert (manifest.inputs, manifest.entries) == (None, {})


def test_a_folder_where_the_manifest_belongs_is_told_in_french(tmp_path):
    (tmp_path / MANIFEST_NAME).mkdir()
    assert Manifest(tmp_path).problem.message.startswith(
        "registre des documents écrits illisible (un dossier porte ce nom) : il est ignoré")


def test_a_manifest_that_cannot_be_used_is_told_at_its_own_path(tmp_path, monkeypatch):
    folder = tmp_path / "sortie" / "crte-lens-lievin"
    folder.mkdir(parents=True)
    (folder / MANIFEST_NAME).write_bytes(b'{"outputs": 3}')
    monkeypatch.chdir(tmp_path)  # the path is told as the user sees it, from the current folder
    assert Manifest(folder).problem.location.path == "sortie/crte-lens-lievin/.paraphe-manifest.json"


def test_a_contract_folder_that_is_a_link_leaving_the_output_folder_is_refused_at_its_place(tmp_path):
    (tmp_path / "ailleurs").mkdir()
    (tmp_path / "out").mkdir()
    folder = tmp_path / "out" / "lien"
    folder.symlink_to(tmp_path / "ailleurs")
    with pytest.raises(WriteFailed) as refused:
        write_outputs(outputs(folder, **{"contrat.docx": b"v1"}), folder)
    assert [str(p) for p in refused.value.problems] == [
        f"{folder} : le dossier du contrat est un lien qui sort du dossier de sortie : rien n'a été écrit"]
    with pytest.raises(WriteFailed) as refused:
        write_outputs([], tmp_path / "out" / ".cache")
    assert [str(p) for p in refused.value.problems] == [
        f"{tmp_path / 'out' / '.cache'} : « .cache » n'est pas un nom de contrat : il ne peut pas commencer par un "
        f"point"]


def test_a_build_that_waited_too_long_for_the_lock_says_so_at_the_folder(tmp_path):
    folder = tmp_path / "essai"
    folder.mkdir()
    other_build = FileLock(folder / LOCK_NAME)
    other_build.acquire()
    waited = []
    try:
        with pytest.raises(WriteFailed) as refused:
            write_outputs(outputs(folder, **{"contrat.docx": b"v1"}), folder, on_wait=waited.append,
                          lock_timeout=0.6)
    finally:
        other_build.release()
    assert waited == [folder]
    assert [str(p) for p in refused.value.problems] == [  # 0.6 s, rounded to the second
        f"{folder} : une autre construction écrit dans ce dossier depuis plus de 1 s : ce contrat n'a pas été écrit"]
    assert not (folder / "contrat.docx").exists()


def test_a_contract_folder_that_cannot_be_made_is_told_at_its_place(tmp_path):
    (tmp_path / "out").write_bytes(b"a file where the output folder should be")
    folder = tmp_path / "out" / "essai"
    with pytest.raises(WriteFailed) as refused:
        write_outputs(outputs(folder, **{"contrat.docx": b"v1"}), folder)
    assert [str(p) for p in refused.value.problems] == [
        f"{folder} : écriture impossible : un fichier se trouve à la place d'un dossier du chemin ; rien n'a été "
        f"écrit à moitié"]


def test_atomic_write_makes_every_missing_folder(tmp_path):
    atomic_write(tmp_path / "a" / "b" / "c" / "contrat.docx", b"data")
    assert (tmp_path / "a" / "b" / "c" / "contrat.docx").read_bytes() == b"data"


def test_a_contract_folder_whose_name_ends_with_a_space_is_written_into(tmp_path):
    folder = tmp_path / "Contrat 2024 "   # a folder's name may end with a space
    written = [folder / "contrat.docx", folder / "avenant-01" / "avenant.docx"]
    report = write_outputs([Output(path, b"v1", "s" * 64) for path in written], folder)
    assert report.written == written and [path.read_bytes() for path in written] == [b"v1", b"v1"]


def _failing(exc_errno):
    def fail(*args, **kwargs):
        raise OSError(exc_errno, os.strerror(exc_errno))
    return fail


def test_a_write_error_is_told_at_the_path_of_the_step_that_failed(tmp_path, monkeypatch):
    import generator.write as write
    folder = tmp_path / "essai"
    write_outputs(outputs(folder, **{"contrat.docx": b"v1", "annexe.docx": b"a1"}), folder)
    (folder / "annexe.docx").write_bytes(b"edited by hand")
    tail = " ; rien n'a été écrit à moitié"

    def problems_when(target, failure):
        with monkeypatch.context() as patched:
            patched.setattr(target, failure)
            with pytest.raises(WriteFailed) as refused:
                write_outputs(outputs(folder, **{"contrat.docx": b"v2", "annexe.docx": b"a2"}), folder)
        return [str(p) for p in refused.value.problems]

    # cleaning the folder before anything: the folder
    assert problems_when("generator.write.remove_stale_temporaries", _failing(errno.EIO)) == [
        f"{folder} : écriture impossible : erreur d'entrée-sortie du disque" + tail]
    # keeping the hand-edited annexe aside: the annexe
    assert problems_when("generator.write.os.replace", _failing(errno.EROFS)) == [
        f"{folder / 'annexe.docx'} : écriture impossible : le disque ou le dossier est en lecture seule" + tail]
    # saving the manifest with the new hashes: the manifest
    assert problems_when("generator.write.Manifest.save", _failing(errno.ENOSPC)) == [
        f"{folder / MANIFEST_NAME} : écriture impossible : le disque est plein" + tail]
    # writing the second output: that output (the first one is written)
    real_write = write.atomic_write

    def failing_on_the_annexe(dest_path, data):
        if dest_path.name == "annexe.docx":
            raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))
        real_write(dest_path, data)
    assert problems_when("generator.write.atomic_write", failing_on_the_annexe) == [
        f"{folder / 'annexe.docx'} : écriture impossible : le quota de disque est atteint" + tail]
    # the last step, noting what the files look like on disk: the manifest
    assert problems_when("generator.write.Manifest.commit", _failing(errno.EIO)) == [
        f"{folder / MANIFEST_NAME} : écriture impossible : erreur d'entrée-sortie du disque" + tail]


def test_the_contract_folder_itself_is_no_output_path(tmp_path, monkeypatch):
    from generator.write import check_inside
    folder = tmp_path / "essai"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for path, within in ((folder, folder), (Path("."), Path("."))):  # « . » has no name; its parent is itself
        with pytest.raises(WriteFailed) as refused:
            check_inside(path, within)
        assert [str(p) for p in refused.value.problems] == [
            f"{path} : chemin de sortie hors du dossier du contrat {within} : rien n'a été écrit"]
