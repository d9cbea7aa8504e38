"""docxtpl's own test suite, run through stock docxtpl and through Paraphe's compiled templates, and compared.

Each script of docxtpl's `tests/` folder builds a context (RichText, InlineImage, Subdoc… through docxtpl's Python
API) and renders a template of `tests/templates/`. It runs twice in a scratch folder (its templates linked in,
its outputs written there): once with stock docxtpl, once with `ParapheDocxTemplate`, which keeps docxtpl's
Python API (what it does to the template's package: relationships of `build_url_id`, parts of a Subdoc,
`replace_pic`/`replace_media`…) but renders through Paraphe: `CompiledTemplate` with the project's one Jinja
environment, as `render_docx` does. Each render is a case; its two documents are compared part by part
(`document_summary`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import types
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docxtpl
from docx import Document
from lxml import etree

from generator.errors import TemplateProblem
from generator.jinja_env import PROSE_RENDERER_KEY, WORDML_KEY, environment
from generator.prose import ProseRenderer
from generator.render_docx import RENDER_ERRORS, render_failure
from generator.wordml.template import CompiledTemplate, TemplatePartError

PEER = Path(__file__).parents[2] / ".." / "shared" / "peer" / "docxtpl"
if not PEER.exists():  # a git worktree of the project, one level deeper (`wt/<branch>` beside `main`)
    PEER = Path(__file__).parents[2] / ".." / ".." / "shared" / "peer" / "docxtpl"
SUITE = PEER / "tests"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NOT_CASES = {"runtests.py", "__init__.py"}
# module_execute.py runs `python -m docxtpl` in the suite's own folder: its render, as docxtpl's command does it
_MODULE_EXECUTE = """
import json
from docxtpl import DocxTemplate
tpl = DocxTemplate("templates/module_execute_tpl.docx")
with open("templates/module_execute.json") as data:
    tpl.render(json.load(data))
tpl.save("output/module_execute.docx")
"""


def scripts() -> list[str]:
    """Return the names of the suite's scripts (one or more renders each)."""
    return sorted(p.name for p in SUITE.glob("[A-Za-z]*.py") if p.name not in _NOT_CASES)


@dataclass
class Render:
    """One render of a script: the template, the keyword arguments, the error or the saved document."""

    template: str
    jinja_env: Any = None
    autoescape: bool = False
    error: BaseException | None = None
    document: bytes | None = None
    """The document the script saved after this render."""
    rendered: bytes | None = None
    """The document as rendered (before what docxtpl does when saving)."""

    @property
    def result(self) -> bytes | None:
        return self.document if self.document is not None else self.rendered


@dataclass
class Run:
    """What a script did: its renders in order, and the exception that stopped it, if any."""

    renders: list[Render] = field(default_factory=list)
    stopped_by: BaseException | None = None


class _StockDocxTemplate(docxtpl.DocxTemplate):
    """Stock docxtpl, recording each render and the document its next save writes."""

    run: Run

    def render(self, context, jinja_env=None, autoescape=False):
        record = Render(str(self.template_file), jinja_env, autoescape)
        self.run.renders.append(record)
        try:
            super().render(context, jinja_env, autoescape)
        except BaseException as exc:
            record.error = exc
            raise
        buffer = io.BytesIO()  # the document as rendered, for a script that does not save it
        self.docx.save(buffer)
        record.rendered = buffer.getvalue()

    def save(self, filename, *args, **kwargs):
        super().save(filename, *args, **kwargs)
        if self.run.renders and self.run.renders[-1].document is None:
            self.run.renders[-1].document = _read_saved(filename)


class ParapheDocxTemplate(docxtpl.DocxTemplate):
    """docxtpl's Python API over Paraphe's render path.

    What docxtpl's API does to the template's package before rendering (a hyperlink's relationship, a Subdoc's
    pictures and styles, a replaced picture) is done as docxtpl does it, on the python-docx package, which is
    then saved as the template Paraphe compiles. The render is Paraphe's (`CompiledTemplate`, the project's Jinja
    environment; `jinja_env` and `autoescape` are recorded but not used: Paraphe has one environment), and a
    failure is recorded as the `TemplateProblem` `render_docx` would raise, without stopping the script.
    An `InlineImage` prints through the document's writer (`current_rendering_part`)."""

    run: Run
    scratch: Path

    def render(self, context, jinja_env=None, autoescape=False):
        record = Render(str(self.template_file), jinja_env, autoescape)
        self.run.renders.append(record)
        template_path = self._template_for_paraphe()
        try:
            try:
                template = CompiledTemplate(template_path, environment())
                writer = template.new_document()
                self.current_rendering_part = _WriterPart(writer)
                full_context = {**context, PROSE_RENDERER_KEY: ProseRenderer(writer), WORDML_KEY: writer}
                self._rendered = record.rendered = template.render(writer, full_context)
            except (TemplatePartError, *RENDER_ERRORS) as exc:
                raise render_failure(Path(str(self.template_file)), exc) from exc
        except TemplateProblem as exc:
            record.error, self._rendered = exc, None
        self.is_rendered = True

    def _template_for_paraphe(self) -> Path:
        """Return the template as docxtpl's API left it: the file itself, or the package it changed, saved."""
        if self.docx is None and not self.pics_to_replace:
            return Path(str(self.template_file)) if not hasattr(self.template_file, "read") else \
                self._saved(self.template_file.read())
        self.init_docx(reload=False)
        self.pic_map = {}
        self.pre_processing()
        buffer = io.BytesIO()
        self.docx.save(buffer)
        return self._saved(buffer.getvalue())

    def _saved(self, data: bytes) -> Path:
        path = self.scratch / f"paraphe-template-{hashlib.sha1(data).hexdigest()[:12]}.docx"
        path.write_bytes(data)
        return path

    def save(self, filename, *args, **kwargs):
        if not self.is_rendered:
            return super().save(filename, *args, **kwargs)
        data = self._rendered
        if data is None:  # the render failed: nothing is written
            return
        if hasattr(filename, "write"):
            filename.write(data)
            filename.seek(0)
        else:
            Path(filename).write_bytes(data)
        self.post_processing(filename)  # docxtpl's replacement of media and embedded files in the saved zip
        if self.run.renders and self.run.renders[-1].document is None:
            self.run.renders[-1].document = _read_saved(filename)


class _WriterPart:
    """What docxtpl's InlineImage asks of the part being rendered, answered by Paraphe's document writer."""

    def __init__(self, writer):
        self.writer = writer

    def new_pic_inline(self, image_descriptor, width=None, height=None):
        if hasattr(image_descriptor, "read"):
            image_descriptor.seek(0)
            data, name = image_descriptor.read(), ""
        else:
            data, name = Path(image_descriptor).read_bytes(), Path(image_descriptor).name
        return types.SimpleNamespace(xml=self.writer.picture(data, width, height, name))


def _read_saved(filename) -> bytes:
    if hasattr(filename, "read"):
        position = filename.tell()
        filename.seek(0)
        data = filename.read()
        filename.seek(position)
        return data
    return Path(filename).read_bytes()


def run_script(name: str, workdir: Path, paraphe: bool) -> Run:
    """Run a script of the suite in `workdir` (its templates linked in), with stock docxtpl or with Paraphe."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "output").mkdir(exist_ok=True)
    if not (workdir / "templates").exists():
        (workdir / "templates").symlink_to((SUITE / "templates").resolve())
    run = Run()
    base = ParapheDocxTemplate if paraphe else _StockDocxTemplate
    template_class = type(base.__name__, (base,), {"run": run, "scratch": workdir})
    source = _MODULE_EXECUTE if name == "module_execute.py" else (SUITE / name).read_text(encoding="utf-8")
    saved_class, saved_cwd = docxtpl.DocxTemplate, os.getcwd()
    docxtpl.DocxTemplate = template_class  # what the script imports
    os.chdir(workdir)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, str(SUITE / name), "exec"), {"__name__": "__main__", "__file__": str(workdir / name)})
    except BaseException as exc:  # noqa: BLE001 — what stopped the script is part of the result
        run.stopped_by = exc
    finally:
        docxtpl.DocxTemplate = saved_class
        os.chdir(saved_cwd)
    return run


# --- comparing two documents ------------------------------------------------------------------------------

_IGNORED_ATTRIBUTES = {"id", "name"}  # wp:docPr and pic:cNvPr ids and names: renumbered by either engine
_DRAWING_NS = ("http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
               "http://schemas.openxmlformats.org/drawingml/2006/picture")
_REL_ATTRIBUTES = {f"{{{R}}}id", f"{{{R}}}embed", f"{{{R}}}link"}
_TEXT_ELEMENTS = {"t", "instrText", "delText", "delInstrText"}
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Return rId → (type, target) of a part, the target of an internal one being the hash of its bytes."""
    folder, name = part.rsplit("/", 1)
    rels_name = f"{folder}/_rels/{name}.rels"
    if rels_name not in archive.namelist():
        return {}
    out = {}
    for rel in etree.fromstring(archive.read(rels_name)):
        kind = rel.get("Type").rsplit("/", 1)[-1]
        target = rel.get("Target")
        if rel.get("TargetMode") != "External":
            path = os.path.normpath(os.path.join(folder, target)).lstrip("/") if not target.startswith("/") \
                else target[1:]
            if path not in archive.namelist():
                out[rel.get("Id")] = (kind, f"MISSING {path}")
                continue
            target = path.rsplit("/", 1)[-1] if path.endswith(".xml") else _content_hash(archive.read(path))
        out[rel.get("Id")] = (kind, target)
    return out


def _content_hash(data: bytes) -> str:
    """Return the hash of a media or embedded part: its bytes, or for an embedded Word document (itself made
    by either engine) its body's text."""
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if "word/document.xml" in package.namelist():
                text = "".join(etree.fromstring(package.read("word/document.xml")).itertext())
                return "docx:" + hashlib.sha1(_SPACES.sub("", text).encode()).hexdigest()[:12]
    return hashlib.sha1(data).hexdigest()[:12]


def _canonical(element, rels: dict[str, tuple[str, str]], problems: list[str], part: str) -> list:
    """Return an element as nested lists (tag, attributes, text, children), relationship ids replaced by what
    they point to, drawing ids left out, consecutive runs' texts as written."""
    attributes = []
    for key, value in sorted(element.attrib.items()):
        if key in _REL_ATTRIBUTES:
            if value not in rels:
                problems.append(f"{part}: relationship {value} missing")
            value = rels.get(value, ("?", "MISSING"))
        elif etree.QName(element).namespace in _DRAWING_NS and key in _IGNORED_ATTRIBUTES:
            continue
        attributes.append((key, value))
    text = element.text or ""
    if not text.strip() and etree.QName(element).localname not in _TEXT_ELEMENTS:
        text = ""  # whitespace between elements (pretty-printed XML) means nothing
    return [etree.QName(element).localname, attributes, text,
            [_canonical(child, rels, problems, part) for child in element
             if not isinstance(child, (etree._Comment, etree._ProcessingInstruction))]]


@dataclass
class Summary:
    """A rendered document, as compared: its parts canonical, its problems (dangling relationships…)."""

    parts: dict[str, Any]
    properties: dict[str, str]
    problems: list[str]


def document_summary(data: bytes) -> Summary:
    """Return what is compared of a .docx: the body, headers, footers and footnotes (canonical XML, every
    relationship resolved to what it points to, media by their bytes), the core properties; and whether it
    opens in python-docx."""
    problems: list[str] = []
    archive = zipfile.ZipFile(io.BytesIO(data))
    parts = {}
    for name in sorted(archive.namelist()):
        if re.fullmatch(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml", name):
            try:
                root = etree.fromstring(archive.read(name))
            except etree.XMLSyntaxError as exc:
                problems.append(f"{name}: not XML ({exc})")
                continue
            parts[name] = _canonical(root, _relationships(archive, name), problems, name)
    try:
        document = Document(io.BytesIO(data))
        properties = {k: getattr(document.core_properties, k) or ""
                      for k in ("author", "comments", "identifier", "language", "subject", "title")}
    except Exception as exc:  # noqa: BLE001 — a document python-docx cannot open
        problems.append(f"python-docx cannot open it ({type(exc).__name__}: {exc})")
        properties = {}
    return Summary(parts, properties, problems)


def texts(tree) -> list[str]:
    """Return the texts of a canonical tree, in order."""
    out = [tree[2]] if tree[0] == "t" else []
    for child in tree[3]:
        out += texts(child)
    return out


def loosened(tree):
    """Return a canonical tree with French typography's marks taken out of its texts (spaces of any kind,
    quotes of any kind, apostrophes): what differs then is not typography."""
    name, attributes, text, children = tree
    if name == "t":
        text = _SPACES.sub("", unicodedata.normalize("NFC", text))
        text = re.sub("[«»“”\"]", '"', text).replace("’", "'").replace("‘", "'")
    return [name, attributes, text, [loosened(child) for child in children]]


def first_difference(a, b, path="") -> str | None:
    """Return where two canonical trees first differ, or None."""
    if a[0] != b[0]:
        return f"{path}/{a[0]} ≠ {b[0]}"
    here = f"{path}/{a[0]}"
    if a[1] != b[1]:
        return f"{here} attributes {a[1]} ≠ {b[1]}"
    if a[2] != b[2]:
        return f"{here} text {a[2]!r} ≠ {b[2]!r}"
    for index, (x, y) in enumerate(zip(a[3], b[3])):
        found = first_difference(x, y, f"{here}[{index}]")
        if found:
            return found
    if len(a[3]) != len(b[3]):
        return f"{here} has {len(a[3])} children ≠ {len(b[3])}: " + \
            repr([c[0] for c in a[3]][min(len(a[3]), len(b[3])):] or [c[0] for c in b[3]][len(a[3]):])
    return None


def compare(stock: Summary, paraphe: Summary) -> tuple[str, str]:
    """Return ("same" | "typography" | "different", detail) for two documents' summaries."""
    if paraphe.problems:
        return "different", "; ".join(paraphe.problems)
    if set(stock.parts) != set(paraphe.parts):
        return "different", f"parts {sorted(stock.parts)} ≠ {sorted(paraphe.parts)}"
    typography = []
    for name in stock.parts:
        if stock.parts[name] != paraphe.parts[name]:
            loose = first_difference(loosened(stock.parts[name]), loosened(paraphe.parts[name]))
            if loose:
                return "different", f"{name}: {loose}"
            typography.append(f"{name}: {first_difference(stock.parts[name], paraphe.parts[name])}")
    if stock.properties != paraphe.properties:
        return "different", f"properties {stock.properties} ≠ {paraphe.properties}"
    return ("typography", "; ".join(typography)) if typography else ("same", "")
