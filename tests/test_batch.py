"""Batch regeneration: incremental, parallel, distributed, with the same bytes whichever way it runs."""

import multiprocessing
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from generator.pipeline import build_report

from .conftest import ROOT, write_contract


@pytest.fixture
def corpus(tmp_path, contract_files):
    """Three small CRTE in `tmp_path/content`."""
    roots = [write_contract(tmp_path / "content" / f"c{i}", contract_files) for i in range(3)]
    return tmp_path, roots


def outcome(report):
    return sorted(report.built), sorted(report.unchanged), sorted(report.failed)


def test_unchanged_contracts_are_skipped_and_a_changed_one_rebuilt_alone(corpus):
    tmp_path, roots = corpus
    output = tmp_path / "out"
    assert outcome(build_report(roots, output)) == (["c0", "c1", "c2"], [], [])
    assert outcome(build_report(roots, output)) == ([], ["c0", "c1", "c2"], [])
    time.sleep(0.01)
    fiche = roots[1] / "fiches" / "velo.yaml"
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("DEVELOPPER LE VELO", "DEVELOPPER LA MARCHE"),
                     encoding="utf-8")
    report = build_report(roots, output)
    assert outcome(report) == (["c1"], ["c0", "c2"], [])
    assert {p.parent.name for p in report.written} == {"c1"}
    assert outcome(build_report(roots, output, rebuild=True)) == (["c0", "c1", "c2"], [], [])


def test_a_build_of_unchanged_contracts_loads_no_rendering_stage(corpus):
    """The no-op rebuild stays short: it stats files and reads manifests, nothing of the render stack."""
    tmp_path, roots = corpus
    output = tmp_path / "out"
    build_report(roots, output)
    code = ("import sys; from pathlib import Path; from generator.cli import main; "
            "from generator.pipeline import build_report; "
            f"report = build_report([Path(p) for p in {[str(r) for r in roots]!r}], Path({str(output)!r})); "
            "assert len(report.unchanged) == 3, report; "
            "print(sorted(m for m in ('docxtpl', 'docx', 'jinja2', 'pydantic', 'openpyxl', 'markdown', 'babel') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_changed_template_rebuilds_only_the_contracts_of_its_kind(corpus, tmp_path_factory):
    tmp_path, roots = corpus
    templates = tmp_path_factory.mktemp("tpl") / "templates"
    shutil.copytree(ROOT / "templates", templates)
    communique = write_contract(tmp_path / "content" / "presse", {
        "contrat.yaml": {"type": "communique", "date": "2020-02-11", "titre": "Titre", "corps": "corps.md",
                         "a_propos": {"titre": "À propos", "texte": "a-propos.md"},
                         "contact_presse": {"organisme": "MEL", "nom": "A B", "fonction": "Presse",
                                            "telephone": "03", "email": "a@b.fr"}},
        "corps.md": "Corps.\n", "a-propos.md": "À propos.\n"})
    everything = [*roots, communique]
    output = tmp_path / "out"
    build_report(everything, output, templates)
    time.sleep(0.01)
    (templates / "communique" / "communique.docx").touch()
    assert outcome(build_report(everything, output, templates)) == (["presse"], ["c0", "c1", "c2"], [])
    time.sleep(0.01)
    (templates / "crte" / "annexes.docx").touch()
    assert outcome(build_report(everything, output, templates)) == (["c0", "c1", "c2"], ["presse"], [])


def test_a_failing_contract_does_not_stop_the_others(corpus):
    tmp_path, roots = corpus
    (roots[0] / "fiches" / "velo.yaml").write_text("intitule: [cassé\n", encoding="utf-8")
    report = build_report(roots, tmp_path / "out")
    assert outcome(report) == (["c1", "c2"], [], ["c0"])
    assert not (tmp_path / "out" / "c0").exists()


def same_bytes(first, second):
    files = sorted(p.relative_to(first) for p in first.rglob("*.docx"))
    assert files and files == sorted(p.relative_to(second) for p in second.rglob("*.docx"))
    return all((first / f).read_bytes() == (second / f).read_bytes() for f in files)


def test_a_process_pool_gives_the_same_bytes_as_a_single_process(corpus):
    tmp_path, roots = corpus
    build_report(roots, tmp_path / "serial")
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        report = build_report(roots, tmp_path / "pool", executor=pool)
    assert outcome(report) == (["c0", "c1", "c2"], [], [])
    assert same_bytes(tmp_path / "serial", tmp_path / "pool")


def test_a_dask_local_cluster_of_two_workers_gives_the_same_bytes(corpus):
    distributed = pytest.importorskip("distributed")
    tmp_path, roots = corpus
    build_report(roots, tmp_path / "serial")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        report = build_report(roots, tmp_path / "dask", executor=client.get_executor())
        assert len(client.scheduler_info()["workers"]) == 2
    assert outcome(report) == (["c0", "c1", "c2"], [], [])
    assert same_bytes(tmp_path / "serial", tmp_path / "dask")


def test_the_command_line_runs_the_batch_on_a_dask_scheduler(corpus):
    distributed = pytest.importorskip("distributed")
    tmp_path, roots = corpus
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--contenu", str(tmp_path / "content"),
                                 "--sortie", str(tmp_path / "out"), "--cluster", cluster.scheduler_address],
                                capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "3 contrat(s) construit(s), 0 inchangé(s), 0 en échec" in result.stderr


# --- one contract's failure is that contract's alone ------------------------------------------------------------


def _break_contract_c1(how: str = "raise") -> None:
    """Make the build of the contract « c1 » fail unexpectedly in this process (a worker's initializer)."""
    import os

    import generator.pipeline as pipeline

    real = pipeline.read_and_compute

    def broken(root, **kwargs):
        if root.name == "c1":
            if how == "exit":
                os._exit(3)  # the worker dies
            raise RuntimeError("panne simulée")
        return real(root, **kwargs)

    pipeline.read_and_compute = broken


def test_any_exception_fails_its_contract_alone_in_process(corpus, monkeypatch):
    from click.testing import CliRunner

    from generator.cli import main

    tmp_path, roots = corpus
    monkeypatch.setattr("generator.pipeline.read_and_compute", _break_in_this_process())
    result = CliRunner().invoke(main, ["--contenu", str(tmp_path / "content"), "--sortie", str(tmp_path / "out"),
                                       "--travailleurs", "1"])
    assert result.exit_code == 1, result.output
    output = result.output
    assert "c1 : 1 problème(s), rien n'a été écrit pour ce contrat" in output
    assert "erreur inattendue en construisant ce contrat (RuntimeError : panne simulée)" in output
    assert "2 contrat(s) construit(s), 0 inchangé(s), 1 en échec" in output
    assert (tmp_path / "out" / "c0" / "contrat.docx").is_file() and (tmp_path / "out" / "c2" / "contrat.docx").is_file()
    assert not (tmp_path / "out" / "c1").exists()


def _break_in_this_process():
    import generator.pipeline as pipeline

    real = pipeline.read_and_compute

    def broken(root, **kwargs):
        if root.name == "c1":
            raise RuntimeError("panne simulée")
        return real(root, **kwargs)

    return broken


def test_a_write_that_raises_fails_its_contract_alone(corpus, monkeypatch):
    tmp_path, roots = corpus
    import generator.pipeline as pipeline

    real = pipeline.write_outputs

    def broken(outputs, folder, **kwargs):
        if folder.name == "c0":
            raise KeyError("manifeste")
        return real(outputs, folder, **kwargs)

    monkeypatch.setattr("generator.pipeline.write_outputs", broken)
    report = build_report(roots, tmp_path / "out")
    assert outcome(report) == (["c1", "c2"], [], ["c0"])
    assert "erreur inattendue" in str(report.failed["c0"][0])


@pytest.mark.parametrize("how, words", [("raise", "RuntimeError : panne simulée"),
                                        ("exit", "s'est arrêté brutalement")])
def test_a_contract_failing_in_a_worker_process_fails_alone(corpus, how, words):
    tmp_path, roots = corpus
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), initializer=_break_contract_c1,
                             initargs=(how,)) as pool:
        report = build_report(roots, tmp_path / "out", executor=pool)
    assert "c1" in report.failed and words in str(report.failed["c1"][0])
    if how == "raise":  # a worker that dies takes the pool down with it: the others may fail with it, told so
        assert outcome(report) == (["c0", "c2"], [], ["c1"])
