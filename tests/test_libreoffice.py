"""The produced documents converted by the real LibreOffice (headless), as a user opening them would."""

import re
import shutil
import subprocess

import pytest

from .test_fidelity import DOCUMENTS, real_outputs  # noqa: F401 - the fixture is shared

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def pdf_pages(path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", path.read_bytes()))


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent : apt-get install libreoffice-writer-nogui")
def test_libreoffice_converts_every_document_to_pdf(real_outputs, tmp_path):  # noqa: F811
    sources = [real_outputs / slug / name for slug, name, _ in DOCUMENTS]
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), *map(str, sources)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pages = {}
    for source in sources:
        pdf = tmp_path / "pdf" / (source.stem + ".pdf")
        assert pdf.read_bytes().startswith(b"%PDF"), source
        pages[source.stem] = pdf_pages(pdf)
    assert pages["contrat"] > 60  # the CRTE: 27 fiches, the contract and the project
    assert pages["accord-cadre"] > 10 and pages["annexe"] > 10 and pages["programme"] > 10
    assert pages["communique"] == 1  # a press release holds on one page
