"""The build of one contract: the collector paused while it runs."""

import gc
import threading

import pytest

from generator import pipeline
from generator.pipeline import build_contract, collector_paused

from .conftest import write_contract


@pytest.fixture
def collector_running():
    """Start each test with the collector running, and leave it as it was."""
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_a_contract_is_built_with_the_collector_paused_then_restarted(tmp_path, contract_files, monkeypatch,
                                                                    collector_running):
    root = write_contract(tmp_path / "content" / "c1", contract_files)
    seen = []
    read = pipeline.read_and_compute
    monkeypatch.setattr(pipeline, "read_and_compute", lambda r: (seen.append(gc.isenabled()), read(r))[1])
    result = build_contract(root, "inputs", tmp_path / "output")
    assert not result.errors and result.outputs
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_paused_before_the_build_stays_paused(collector_running):
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_an_error_in_the_block_restarts_the_collector(collector_running):
    with pytest.raises(ZeroDivisionError):
        with collector_paused():
            1 / 0
    assert gc.isenabled()


def test_the_collector_restarts_when_the_last_of_concurrent_builds_ends(collector_running):
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first left": False}
    assert gc.isenabled()
