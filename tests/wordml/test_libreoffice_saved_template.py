"""A template opened and saved by LibreOffice (as a communications officer restyling it would) still renders.

LibreOffice is driven through UNO by the system's Python (Debian's python3-uno: the project's virtualenv has no
`uno`), in a subprocess: it opens each template and saves it again as DOCX.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document

from generator import TEMPLATES_DIR
from generator.pipeline import read_and_compute
from generator.render_docx import render_docx

from ..conftest import REAL_CONTENT

SYSTEM_PYTHON = Path("/usr/bin/python3")


def _has_uno() -> bool:
    if not SYSTEM_PYTHON.is_file() or shutil.which("soffice") is None:
        return False
    return subprocess.run([str(SYSTEM_PYTHON), "-c", "import uno"], capture_output=True).returncode == 0


pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(not _has_uno(), reason="LibreOffice or python3-uno absent "
                                                        "(apt-get install libreoffice-writer-nogui python3-uno)")]

# Opens each source document in a LibreOffice started for it, and stores it as DOCX ("MS Word 2007 XML").
UNO_SAVE = r'''
import subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

profile, pipe, *pairs = sys.argv[1:]
office = subprocess.Popen(["soffice", "-env:UserInstallation=" + profile, "--headless", "--invisible", "--norestore",
                           "--accept=pipe,name=%s;urp;" % pipe], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p

try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(480):
        try:
            context = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except NoConnectException:
            time.sleep(0.25)
    else:
        sys.exit("LibreOffice did not answer")
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    for source, target in zip(pairs[::2], pairs[1::2]):
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True),))
        document.storeToURL(uno.systemPathToFileUrl(target), (prop("FilterName", "MS Word 2007 XML"),))
        document.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        office.wait(timeout=60)
    except subprocess.TimeoutExpired:
        office.kill()
'''


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory) -> dict[str, Path]:
    """The CRTE contract template and a small template with quotes in its header's and footer's tags, each
    opened and saved by LibreOffice."""
    work = tmp_path_factory.mktemp("libreoffice-saved")
    small = Document()
    small.add_paragraph('Objet : {{ objet }}')
    small.sections[0].header.paragraphs[0].text = 'Convention {{ titre|default("sans titre") }}'
    small.sections[0].footer.paragraphs[0].text = '{% if signe %}Signée « {{ "le " ~ date }} »{% endif %}'
    small.save(work / "small.docx")
    sources = {"crte": TEMPLATES_DIR / "crte" / "contrat.docx", "small": work / "small.docx"}
    script = work / "save.py"
    script.write_text(UNO_SAVE, encoding="utf-8")
    pairs = [str(p) for name, source in sources.items() for p in (source.resolve(), work / f"{name}-lo.docx")]
    subprocess.run([str(SYSTEM_PYTHON), str(script), (work / "profile").as_uri(), f"paraphe-{work.name}", *pairs],
                   check=True, timeout=300)
    return {name: work / f"{name}-lo.docx" for name in sources}


def _paragraphs(data: bytes) -> list[tuple[str, str]]:
    """Return (style name, text) of the paragraphs with text, the sommaire's entries left out."""
    return [(p.style.name, p.text) for p in Document(io.BytesIO(data)).paragraphs
            if p.text.strip() and not p.style.name.lower().startswith("toc")]


def test_the_crte_template_saved_by_libreoffice_renders_the_same_text(saved_by_libreoffice):
    prepared = read_and_compute(REAL_CONTENT / "crte-lens-lievin", verify=False)
    context = {**prepared.kind.context(prepared.computed), "consolidation": None, "a_completer": False}
    original = _paragraphs(render_docx(TEMPLATES_DIR / "crte" / "contrat.docx", context))
    resaved = _paragraphs(render_docx(saved_by_libreoffice["crte"], context))
    assert resaved == original
    assert len(original) > 500 and not any("{{" in text or "{%" in text for _, text in resaved)


def test_tags_holding_quotes_in_a_header_saved_by_libreoffice_render(saved_by_libreoffice):
    with zipfile.ZipFile(saved_by_libreoffice["small"]) as saved:  # LibreOffice writes quotes as entities
        assert b"&quot;sans titre&quot;" in saved.read("word/header1.xml")
    data = render_docx(saved_by_libreoffice["small"], {"objet": "voirie", "titre": "CRTE", "signe": True,
                                                       "date": "9 juillet 2021"})
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "Convention CRTE"
    assert section.footer.paragraphs[0].text == "Signée « le 9 juillet 2021 »"
    assert document.paragraphs[0].text == "Objet : voirie"  # the template's own text, as its author typed it
