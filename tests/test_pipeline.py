"""The build of one contract: Python's cyclic collector run less often while it runs, and the memory it frees
kept for the next."""

import gc
import os
import platform
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generator import pipeline
from generator.pipeline import (BUILD_COLLECTION_THRESHOLD, build_contract, fewer_collections, read_and_compute,
                                sources_hash)

from .conftest import REAL_CONTENT, write_contract

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def default_threshold():
    """Start each test with Python's default thresholds and the collector on; leave them as they were."""
    saved, was_enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(700, 10, 10)
    gc.enable()
    yield
    gc.set_threshold(*saved)
    if not was_enabled:
        gc.disable()


def test_a_contract_is_built_with_fewer_collections_then_the_threshold_restored(tmp_path, contract_files,
                                                                                  monkeypatch, default_threshold):
    root = write_contract(tmp_path / "content" / "c1", contract_files)
    seen = []
    read = pipeline.read_and_compute
    monkeypatch.setattr(pipeline, "read_and_compute",
                        lambda r, **options: (seen.append(gc.get_threshold()), read(r, **options))[1])
    result = build_contract(root, "inputs", tmp_path / "output")
    assert not result.errors and result.outputs
    assert seen == [(BUILD_COLLECTION_THRESHOLD, 10, 10)]
    assert gc.get_threshold() == (700, 10, 10)


def test_the_collector_still_frees_cycles_during_a_long_build(default_threshold):
    collections = []

    def callback(phase, info):
        if phase == "stop":
            collections.append(info["collected"])

    gc.callbacks.append(callback)
    try:
        with fewer_collections():
            for _ in range(3 * BUILD_COLLECTION_THRESHOLD):
                cycle = []
                cycle.append(cycle)
    finally:
        gc.callbacks.remove(callback)
    assert len(collections) >= 2 and sum(collections) > BUILD_COLLECTION_THRESHOLD


def test_a_collector_switched_off_stays_off(default_threshold):
    gc.disable()
    with fewer_collections():
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.set_threshold(0)  # no collection at all, said with the threshold
    with fewer_collections():
        assert gc.get_threshold()[0] == 0


def test_an_error_in_the_block_restores_the_threshold(default_threshold):
    with pytest.raises(ZeroDivisionError):
        with fewer_collections():
            1 / 0
    assert gc.get_threshold() == (700, 10, 10)


def test_the_threshold_is_restored_when_the_last_of_concurrent_builds_ends(default_threshold):
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with fewer_collections():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with fewer_collections():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.get_threshold()[0]

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first left": BUILD_COLLECTION_THRESHOLD}
    assert gc.get_threshold() == (700, 10, 10)


def test_a_build_with_avenants_leaves_no_reference_cycle(tmp_path, default_threshold):
    # what a build leaves is freed as soon as it is dropped, even when concurrent builds put the collector off:
    # the CRTE of Lens-Liévin, its three versions and the redline of each avenant (built once first: imports and
    # caches made at first use are not the build's)
    root = REAL_CONTENT / "crte-lens-lievin"
    build_contract(root, "inputs", tmp_path / "first")
    gc.collect()
    gc.disable()
    try:
        result = build_contract(root, "inputs", tmp_path / "second")
        assert not result.errors and any(o.dest_path.name == "redline.docx" for o in result.outputs)
        del result
        assert gc.collect() == 0
    finally:
        gc.enable()


_PAGE_FAULTS_OF_LARGE_BLOCKS = """
import resource, sys
from generator.pipeline import keep_freed_memory
if sys.argv[1] == "kept":
    keep_freed_memory()

def build():  # a contract's large blocks, written through as rendered parts are, then all freed
    blocks = [b"x" * 1_000_000 for _ in range(10)]
    del blocks

build()  # a first build: the pages the next ones may reuse
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    build()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc's thresholds are glibc's")
def test_memory_a_build_frees_is_reused_instead_of_touched_afresh():
    def page_faults(mode: str) -> int:
        environment = {name: value for name, value in os.environ.items() if not name.startswith("MALLOC_")}
        result = subprocess.run([sys.executable, "-c", _PAGE_FAULTS_OF_LARGE_BLOCKS, mode], check=True,
                                capture_output=True, text=True, cwd=ROOT, env=environment)
        return int(result.stdout)

    by_default, kept = page_faults("default"), page_faults("kept")
    assert by_default > 20 * 1_000  # the heap trimmed after each build: its 2 400 pages touched afresh
    assert kept < by_default / 20


def test_the_sources_hash_follows_each_version_of_a_template_read_once(tmp_path, contract_dir):
    """Templates are read once per process and per version (modification time, size): a template rewritten
    (even to the same size), removed, replaced by a folder or below a file changes the hash of what an output is
    made from, and a version already read is not read again."""
    prepared = read_and_compute(contract_dir, verify=False)
    template = tmp_path / "modele.docx"
    pipeline._template_bytes.cache_clear()
    hashes = []
    for number, data in enumerate([b"un", b"un", b"nu"], start=1):
        template.write_bytes(data)
        os.utime(template, ns=(number * 10**9, number * 10**9))
        hashes += [sources_hash(prepared, [template]), sources_hash(prepared, [template])]
    assert pipeline._template_bytes.cache_info().misses == 3  # each version read once
    template.unlink()
    hashes.append(sources_hash(prepared, [template]))
    template.mkdir()
    hashes.append(sources_hash(prepared, [template]))
    (tmp_path / "fichier").write_bytes(b"")
    assert sources_hash(prepared, [tmp_path / "fichier" / "modele.docx"])  # absent, not an error
    assert hashes[0] == hashes[1] == hashes[2] == hashes[3]  # the same bytes under a new date
    assert len({hashes[3], hashes[4], hashes[6]}) == 3 and hashes[6] == hashes[7]
