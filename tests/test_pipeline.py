"""The build of one contract: what it leaves behind, and the hash of what its outputs are made from."""

import gc
import json
import os
import subprocess
import sys

from generator import pipeline
from generator.pipeline import build_contract, read_and_compute, sources_hash

from .conftest import REAL_CONTENT, ROOT


def test_a_build_with_avenants_leaves_no_reference_cycle(tmp_path):
    # what a build leaves is freed as soon as it is dropped, without waiting for the cyclic collector (a worker
    # holds one contract's build at a time, a Dask worker's threads several): the CRTE of Lens-Liévin, its three
    # versions and the redline of each avenant (built once first: imports and caches made at first use are not
    # the build's). The text caches are emptied after each contract, so the second build parses its Markdown
    # again: python-markdown's footnotes extension makes a self-referencing closure for each text with notes
    # (`findFootnotesPlaceholder`), the library's own cycle, which is all the collector may find.
    root = REAL_CONTENT / "crte-lens-lievin"
    build_contract(root, "inputs", tmp_path / "first")
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = build_contract(root, "inputs", tmp_path / "second")
        assert not result.errors and any(o.dest_path.name == "redline.docx" for o in result.outputs)
        del result
        gc.collect()
        functions = [o for o in gc.garbage if type(o).__name__ == "function"]
        assert {type(o).__name__ for o in gc.garbage} <= {"function", "cell", "tuple"}
        assert all(f.__qualname__ == "FootnoteExtension.findFootnotesPlaceholder.<locals>.finder"
                   for f in functions)
        assert len(gc.garbage) <= 4 * len(functions)  # each closure: the function, its cells and their tuple
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


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


_MODULES_AT_EXIT = """
import atexit, json, sys
modules_file = sys.argv[1]
atexit.register(lambda: open(modules_file, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["build.py", *sys.argv[2:]]
from generator.cli import main
main(prog_name="python build.py")
"""

DEFERRED = {
    "asyncio": "only a cluster's futures raise its CancelledError",
    "concurrent.futures": "only a batch of several contracts runs an executor",
    "docxtpl": "a template loaded compiled from the cache needs docxtpl's resolve_listing only for a printed "
               "line break",
    "docxcompose": "docxtpl's import",
    "docx": "python-docx reads a template when it is compiled; the parts a document changes (core properties, "
            "numbering, settings) and a redline's bodies are edited with lxml (wordml/parts.py)",
    "generator.render_office": "LibreOffice's side: PDF and ODT only",
    "generator.render_signature": "PDF only",
    "generator.pdfa": "PDF only",
    "markdown": "python-markdown parses only the texts whose markup prose_markdown does not take (links, code, "
                "`_`…): Lens-Liévin has none",
}
"""Modules a DOCX-only build of one contract no longer imports (issue 23: one contract from cold), and why."""


def test_a_docx_only_build_of_one_contract_leaves_the_deferred_modules_unimported(tmp_path):
    """`python build.py construire <contrat>` with Word only, its compiled templates in the cache: none of the
    modules imported on demand is imported (the first build may compile the templates, the second reads them)."""
    arguments = ["--sortie", str(tmp_path / "out"), "--tout", "--formats", "docx", "construire", "crte-lens-lievin"]
    for run in ("first", "second"):
        modules_file = tmp_path / f"{run}.json"
        result = subprocess.run([sys.executable, "-c", _MODULES_AT_EXIT, str(modules_file), *arguments], cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "crte-lens-lievin" / "contrat.docx").is_file()
    loaded = set(json.loads(modules_file.read_text()))
    assert "generator.render_docx" in loaded and "pydantic" in loaded  # the build did build
    assert {name: why for name, why in DEFERRED.items() if name in loaded} == {}


_COLLECTOR_AROUND_THE_KIND = """
import gc, json, pathlib, sys
from generator import kinds, pipeline
assert "generator.kinds.crte" not in sys.modules
states = []
def recording(name, _original=kinds.get_kind):
    states.append(gc.isenabled())
    return _original(name)
kinds.get_kind = recording
pipeline.read_and_compute(pathlib.Path(sys.argv[1]), verify=False)
assert "generator.kinds.crte" in sys.modules
states.append(gc.isenabled())
gc.disable()
pipeline.read_and_compute(pathlib.Path(sys.argv[1]), verify=False)
states.append(gc.isenabled())
print(json.dumps(states))
"""


def test_the_kind_is_imported_with_the_collector_paused_and_left_as_the_caller_had_it():
    """The first contract imports its kind (pydantic's models, some hundred modules) with the cyclic collector
    paused, then enabled again; a collector the caller had paused stays paused after the next contract."""
    result = subprocess.run([sys.executable, "-c", _COLLECTOR_AROUND_THE_KIND,
                             str(REAL_CONTENT / "crte-lens-lievin")], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, True, False, False]


_METADATA_READS_AT_EXIT = """
import atexit, json, sys
from importlib import metadata
reads_file = sys.argv[1]
reads = []
for name in ("entry_points", "version", "distribution", "distributions", "metadata"):
    def recording(*args, _name=name, _original=getattr(metadata, name), **kwargs):
        reads.append([_name, repr(args), repr(kwargs)])
        return _original(*args, **kwargs)
    setattr(metadata, name, recording)
atexit.register(lambda: open(reads_file, "w").write(json.dumps(reads)))
sys.argv = ["build.py", *sys.argv[2:]]
from generator.cli import main
main(prog_name="python build.py")
"""


def test_a_build_reads_no_installed_package_metadata(tmp_path):
    """Neither pydantic (its plugins), python-markdown (its extensions by name) nor the compiled templates' key
    (the libraries' versions) reads the metadata of the installed packages: a scan of every distribution at
    each start. Both runs: the first compiles the templates, the second reads them from the cache."""
    arguments = ["--sortie", str(tmp_path / "out"), "--tout", "--formats", "docx", "construire", "crte-lens-lievin"]
    for run in ("first", "second"):
        reads_file = tmp_path / f"{run}.json"
        result = subprocess.run([sys.executable, "-c", _METADATA_READS_AT_EXIT, str(reads_file), *arguments],
                                cwd=ROOT, capture_output=True, text=True, timeout=300,
                                env={k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"})
        assert result.returncode == 0, result.stderr
        assert json.loads(reads_file.read_text()) == [], run


def test_the_text_caches_are_emptied_once_a_contract_is_built(contract_dir, tmp_path):
    """A worker of a batch keeps no typeset, measured or parsed text from one contract to the next (kept, they
    pinned the memory of each contract's freed objects: a worker grew by 60 MiB over 150 contracts)."""
    from generator import jinja_env
    from generator.wordml import flow, writer

    caches = [jinja_env._typeset, jinja_env._typeset_escaped, writer._prose_run, writer._text_width]
    for cache, arguments in zip(caches, [("Essai",), ("Essai",), ("Essai",), ("Essai", 22, False)]):
        cache(*arguments)
    assert all(cache.cache_info().currsize for cache in caches)
    result = build_contract(contract_dir, None, tmp_path / "sortie", formats=("docx",))
    assert result.outputs and not result.errors
    assert all(cache.cache_info().currsize == 0 for cache in caches)
    assert flow._CELL_HEIGHTS == {}
