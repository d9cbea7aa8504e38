"""Render stage (PDF/A, ODT): the rendered .docx files converted by the real LibreOffice, headless.

One LibreOffice process converts a whole batch (its start-up costs more than a document); a conversion that
hangs is killed after a timeout and tried once more; a machine without LibreOffice gets a French message
saying how to install it. Each conversion gets its own user profile, so that parallel builds do not block
each other.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .errors import BuildFailed, Location, Problem

PDF_A_FILTER = ('pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},'
                '"UseTaggedPDF":{"type":"boolean","value":"true"},'
                # bookmarks become named destinations: where each signatory's room to sign lies (render_signature)
                '"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}')
FILTERS = {"pdf": PDF_A_FILTER, "odt": "odt"}
INSTALL_HINT = ("LibreOffice est introuvable : installez-le (Debian, Ubuntu : « apt-get install -y "
                "--no-install-recommends libreoffice-writer-nogui ») ou retirez pdf et odt de --formats")


class ConversionFailed(BuildFailed):
    """LibreOffice is missing, failed, or hung twice."""


def find_soffice() -> str | None:
    """Return the LibreOffice executable, or None."""
    return os.environ.get("PARAPHE_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def _run(command: list[str], timeout: float) -> bool:
    """Run LibreOffice in its own process group; kill the whole group when it outlives `timeout`."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        process.communicate(timeout=timeout)
        return process.returncode == 0
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return False


def convert(documents: dict[str, bytes], target: str, *, timeout: float = 600, attempts: int = 2) -> dict[str, bytes]:
    """Return each .docx of `documents` (name → bytes) converted to `target` (pdf: PDF/A-2b, odt)."""
    soffice = find_soffice()
    if soffice is None:
        raise ConversionFailed([Problem(Location("LibreOffice"), INSTALL_HINT)])
    if not documents:
        return {}
    with tempfile.TemporaryDirectory(prefix="paraphe-office-") as tmp:
        work = Path(tmp)
        names = {f"d{index:05}": name for index, name in enumerate(documents)}
        for stem, name in names.items():
            (work / f"{stem}.docx").write_bytes(documents[name])
        inputs = [str(work / f"{stem}.docx") for stem in names]
        command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", FILTERS[target], "--outdir", str(work / "out"), *inputs]
        for _ in range(attempts):
            if _run(command, timeout) and all((work / "out" / f"{stem}.{target}").is_file() for stem in names):
                return {name: (work / "out" / f"{stem}.{target}").read_bytes() for stem, name in names.items()}
        missing = [name for stem, name in names.items() if not (work / "out" / f"{stem}.{target}").is_file()]
        raise ConversionFailed([Problem(Location(name), f"LibreOffice n'a pas pu le convertir en {target} "
                                                        f"(après {attempts} essais)") for name in missing])
