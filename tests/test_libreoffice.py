"""The produced .docx converted by the real LibreOffice (headless), as a user opening it would."""

import re
import shutil
import subprocess

import pytest

from generator.pipeline import build

from .conftest import REAL_CONTENT

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice absent : apt-get install libreoffice-writer-nogui")
def test_libreoffice_converts_the_crte_to_a_pdf_with_pages(tmp_path):
    [docx] = build([REAL_CONTENT / "crte-lens-lievin"], tmp_path / "output")
    profile = tmp_path / "profile"
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), str(docx)],
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "pdf" / "contrat.pdf"
    assert pdf.is_file()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages > 60  # 27 fiches of one to two pages each, the contract and the project
