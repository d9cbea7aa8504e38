"""Compiled templates kept on disk: a template loaded from the cache renders the very bytes a freshly compiled
one does; a changed template or engine is compiled again; a broken cache file is only a lost saving."""

from datetime import datetime

import pytest

from generator import TEMPLATES_DIR
from generator.jinja_env import PROSE_RENDERER_KEY, WORDML_KEY, environment
from generator.prose import ProseRenderer
from generator.wordml import template_cache
from generator.wordml.template import CompiledTemplate
from generator.wordml.template_cache import compiled_template

from .test_template import CONTEXT, template_path  # noqa: F401 (a fixture)

WHEN = datetime(2026, 1, 2, 3, 4, 5)


def _render(template, context=CONTEXT) -> bytes:
    document = template.new_document()
    return template.render(document, {**context, PROSE_RENDERER_KEY: ProseRenderer(document), WORDML_KEY: document},
                           when=WHEN)


@pytest.fixture
def compilations(monkeypatch):
    """Counts the templates compiled (not loaded from the cache)."""
    count = [0]
    original = CompiledTemplate.__init__

    def counting(self, *args, **kwargs):
        count[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(CompiledTemplate, "__init__", counting)
    return count


def test_a_template_loaded_from_the_cache_renders_the_same_bytes(tmp_path, template_path, compilations):
    cache = tmp_path / "cache"
    fresh = compiled_template(template_path, environment(), cache)
    assert compilations[0] == 1 and len(list(cache.glob("*.pickle"))) == 1
    loaded = compiled_template(template_path, environment(), cache)
    assert compilations[0] == 1, "the second process should load the template, not compile it"
    assert loaded is not fresh
    context = {**CONTEXT, "articles": CONTEXT["articles"] + [{"numero": "3", "texte": "ligne\nsuivante\tfin"}]}
    assert _render(loaded, context) == _render(fresh, context) == _render(CompiledTemplate(template_path,
                                                                                            environment()), context)


def test_the_crte_templates_render_the_same_bytes_from_the_cache(tmp_path):
    for name in ("contrat", "annexes", "avenant"):
        path = TEMPLATES_DIR / "crte" / f"{name}.docx"
        fresh = compiled_template(path, environment(), tmp_path)
        loaded = compiled_template(path, environment(), tmp_path)
        assert loaded._body is not fresh._body
        for attribute in ("_document_head", "_document_tail", "_members", "_parts_with_tags", "styles"):
            assert (getattr(loaded, attribute).keys() if attribute == "_parts_with_tags"
                    else getattr(loaded, attribute)) == (getattr(fresh, attribute).keys()
                                                         if attribute == "_parts_with_tags"
                                                         else getattr(fresh, attribute))


def test_a_changed_template_or_engine_is_compiled_again(tmp_path, template_path, compilations, monkeypatch):
    cache = tmp_path / "cache"
    compiled_template(template_path, environment(), cache)
    template_path.write_bytes(template_path.read_bytes())  # same bytes, new date: still the same key
    compiled_template(template_path, environment(), cache)
    assert compilations[0] == 1
    other = tmp_path / "autre.docx"
    other.write_bytes(template_path.read_bytes() + b"\0")  # a zip read with a trailing byte: other bytes
    compiled_template(other, environment(), cache)
    assert compilations[0] == 2
    monkeypatch.setattr(template_cache, "engine_fingerprint", lambda: "un autre moteur")
    compiled_template(template_path, environment(), cache)
    assert compilations[0] == 3 and len(list(cache.glob("*.pickle"))) == 3


def test_a_broken_cache_file_is_compiled_again_and_replaced(tmp_path, template_path, compilations):
    cache = tmp_path / "cache"
    compiled_template(template_path, environment(), cache)
    [stored] = cache.glob("*.pickle")
    stored.write_bytes(b"pas un gabarit")
    again = compiled_template(template_path, environment(), cache)
    assert compilations[0] == 2
    assert _render(again) == _render(CompiledTemplate(template_path, environment()))
    assert stored.read_bytes() != b"pas un gabarit"


def test_the_cache_keeps_a_bounded_number_of_templates(tmp_path, template_path, monkeypatch):
    monkeypatch.setattr(template_cache, "KEPT", 2)
    for index in range(4):
        variant = tmp_path / f"v{index}.docx"
        variant.write_bytes(template_path.read_bytes() + bytes(index + 1))
        compiled_template(variant, environment(), tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2


def test_the_cache_is_in_the_output_folder_and_ignored_by_git():
    root = TEMPLATES_DIR.parent
    assert template_cache.CACHE_DIR.is_relative_to(root / "output")  # the engine writes nowhere else
    assert "output/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_the_library_versions_are_those_importlib_metadata_reads():
    from importlib import metadata

    names = ("jinja2", "docxtpl", "python-docx", "markupsafe", "PyYAML")
    assert template_cache.installed_versions(names) == {name: metadata.version(name) for name in names}


def test_a_library_version_is_read_from_its_first_metadata_folder(tmp_path, monkeypatch):
    """Names compared as installers normalise them (`python-docx` is `python_docx-…`); the first folder of
    `sys.path` that holds the distribution wins; one that is nowhere is left out."""
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "Python_Docx-9.1.0.dist-info").mkdir(parents=True)
    (first / "python_docx-9.1.0.data").mkdir()
    (second / "python_docx-1.0.0.dist-info").mkdir(parents=True)
    (second / "docxtpl-0.30.1.dist-info").mkdir()
    monkeypatch.setattr("sys.path", [str(tmp_path / "absent"), str(first), str(second)])
    assert template_cache.installed_versions(("python-docx", "docxtpl", "not-installed-anywhere")) == {
        "python-docx": "9.1.0", "docxtpl": "0.30.1"}
