"""A kind is declared, not wired: adding one touches no pipeline stage module."""

import sys
import textwrap

from docx import Document

import generator.kinds
from generator.kinds import iter_kinds, kind_names
from generator.pipeline import build

from ..conftest import ROOT, docx_paragraphs, write_contract

STAGE_MODULES = ["load.py", "validate.py", "enrich.py", "verify.py", "render_docx.py", "write.py", "pipeline.py"]


def test_stage_modules_name_no_kind():
    for module in STAGE_MODULES:
        source = (ROOT / "generator" / module).read_text(encoding="utf-8").lower()
        for name in kind_names():
            assert name not in source, f"{module} mentions the kind {name}"


def test_a_new_kind_is_a_package_with_its_schema_and_template(tmp_path, monkeypatch):
    package_dir = tmp_path / "plugins"
    (package_dir / "note").mkdir(parents=True)
    templates_dir = tmp_path / "templates"
    (templates_dir / "note").mkdir(parents=True)
    template = templates_dir / "note" / "note.docx"  # a kind's templates live in templates/<kind>/
    document = Document()
    document.add_paragraph("{{ titre }}", style="Title")
    document.add_paragraph("{{p texte|prose }}")
    document.save(template)
    (package_dir / "note" / "__init__.py").write_text(textwrap.dedent(f'''
        from typing import Literal
        from generator.kinds import Kind
        from generator.kinds.common import no_declared_figures, read_dossier
        from generator.schema import FichierMarkdown, Model

        class Note(Model):
            """A one-page note."""
            type: Literal["note"]
            titre: str
            """Title."""
            texte: FichierMarkdown
            """Markdown file."""

        def read(tree, problems):
            return read_dossier(tree, problems, Note)

        KIND = Kind(name="note", label="note", read=read, compute=lambda d: d, verify=no_declared_figures,
                    context=lambda d: {{"titre": d.contrat.titre, "texte": d.prose[d.contrat.texte]}},
                    templates={{"note": "note/note.docx"}})
    '''), encoding="utf-8")
    monkeypatch.setattr(generator.kinds, "__path__", [*generator.kinds.__path__, str(package_dir)])
    monkeypatch.setattr(sys, "dont_write_bytecode", True)

    assert "note" in kind_names() and len(list(iter_kinds())) == 6
    root = write_contract(tmp_path / "content" / "ma-note", {
        "contrat.yaml": {"type": "note", "titre": "Une note"},
        "texte.md": "Un texte **important**.\n",
    })
    (root / "contrat.yaml").write_text("type: note\ntitre: Une note\ntexte: texte.md\n", encoding="utf-8")
    [path] = build([root], tmp_path / "out", templates_dir)
    assert docx_paragraphs(path)[:2] == ["Une note", "Un texte important."]
