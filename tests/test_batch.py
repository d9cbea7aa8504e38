"""Batch regeneration: incremental, parallel, distributed, with the same bytes whichever way it runs."""

import multiprocessing
import socket
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from generator.pipeline import build_report

from .conftest import ROOT, contract_data, write_contract


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


def test_a_contract_raising_in_a_worker_process_fails_alone(corpus):
    tmp_path, roots = corpus
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), initializer=_break_contract_c1,
                             initargs=("raise",)) as pool:
        report = build_report(roots, tmp_path / "out", executor=pool)
    assert outcome(report) == (["c0", "c2"], [], ["c1"])
    assert "RuntimeError : panne simulée" in str(report.failed["c1"][0])


def test_a_contract_whose_worker_dies_fails_alone_and_the_others_are_written(corpus):
    from generator.batch import RenewingProcessPool

    tmp_path, roots = corpus
    roots += [write_contract(tmp_path / "content" / f"d{i}", contract_data()) for i in range(3)]
    pool = RenewingProcessPool(2, initializer=_break_contract_c1, initargs=("exit",))
    try:
        report = build_report(roots, tmp_path / "out", executor=pool)
    finally:
        pool.shutdown()
    assert outcome(report) == (["c0", "c2", "d0", "d1", "d2"], [], ["c1"])
    assert "le processus qui le construisait s'est arrêté brutalement" in str(report.failed["c1"][0])
    assert all((tmp_path / "out" / name / "contrat.docx").is_file() for name in ("c0", "c2", "d0", "d1", "d2"))


# --- a Dask cluster that fails: a French message, no traceback, never a hang ---------------------------------------

SCHEDULER_WITHOUT_WORKERS = """
import asyncio
from distributed import Scheduler

async def main():
    async with Scheduler(host="127.0.0.1", port=0, dashboard_address=None) as scheduler:
        print(scheduler.address, flush=True)
        while not [c for c in scheduler.clients if not c.startswith("fire-and-forget")]:
            await asyncio.sleep(0.1)
        print("client", flush=True)
        await asyncio.sleep(300)  # bounded: the test kills it long before

asyncio.run(main())
"""


def build_cli(tmp_path, *args, code=None, timeout=180):
    prefix = [sys.executable, "-c", code, "build.py"] if code else [sys.executable, str(ROOT / "build.py")]
    return subprocess.run([*prefix, "--contenu", str(tmp_path / "content"), "--sortie", str(tmp_path / "out"), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def test_a_missing_distributed_module_names_the_extra_to_install(corpus):
    tmp_path, _ = corpus
    code = ("import sys; sys.modules['distributed'] = None; sys.argv = sys.argv[1:]; "
            "from generator.cli import main; main()")
    result = build_cli(tmp_path, "--cluster", "tcp://127.0.0.1:8786", code=code)
    assert result.returncode == 2
    assert "pip install -e '.[cluster]'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_told_in_french_after_the_connection_time_out(corpus):
    tmp_path, _ = corpus
    with socket.socket() as probe:  # a port of this machine where nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = build_cli(tmp_path, "--cluster", f"tcp://127.0.0.1:{port}", "--delai-connexion", "1", timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"l'ordonnanceur Dask tcp://127.0.0.1:{port} ne répond pas en 1 s" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_cluster_without_workers_fails_its_contracts_after_the_task_time_out(corpus):
    pytest.importorskip("distributed")
    tmp_path, _ = corpus
    scheduler = subprocess.Popen([sys.executable, "-c", SCHEDULER_WITHOUT_WORKERS], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)  # every worker gone
    try:
        address = scheduler.stdout.readline().strip()
        result = build_cli(tmp_path, "--cluster", address, "--delai-tache", "2", timeout=120)
    finally:
        scheduler.kill()
        scheduler.wait(10)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("aucun travailleur n'a rendu de résultat en 2 s") == 3
    assert "0 contrat(s) construit(s), 0 inchangé(s), 3 en échec" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_a_scheduler_killed_during_the_build_fails_it_without_a_traceback(corpus):
    pytest.importorskip("distributed")
    tmp_path, _ = corpus
    scheduler = subprocess.Popen([sys.executable, "-c", SCHEDULER_WITHOUT_WORKERS], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
    try:
        address = scheduler.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:")
        build = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--contenu", str(tmp_path / "content"),
                                  "--sortie", str(tmp_path / "out"), "--cluster", address, "--delai-tache", "60"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        assert scheduler.stdout.readline().strip() == "client"  # the build is connected, its tasks waiting
        time.sleep(1)
    finally:
        scheduler.kill()
        scheduler.wait(10)
    stdout, stderr = build.communicate(timeout=50)  # well before the task time-out: the loss is seen at once
    assert build.returncode == 1, stderr
    assert stderr.count("sa tâche a été annulée (ordonnanceur de la grappe arrêté ?)") == 3
    assert "Traceback" not in stderr and "CancelledError" not in stderr and not (tmp_path / "out").exists()
