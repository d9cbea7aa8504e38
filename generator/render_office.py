"""Render stage (PDF/A, ODT): the rendered .docx files laid out and converted by the real LibreOffice, headless.

One LibreOffice process converts a whole batch (its start-up costs more than a document); a conversion that
hangs is killed after a timeout and tried once more; a machine without LibreOffice gets a French message
saying how to install it. Each conversion gets its own user profile, so that parallel builds do not block
each other.

`paginate` lays the documents out first: it reads from the PDF on which page each heading of a sommaire falls
(the named destinations LibreOffice exports for its bookmarks) and writes the numbers into the .docx, converting
again until the numbers it wrote are those of the layout; the PDF, the ODT and the .docx then print the same,
right, page numbers. The PDF/A's XMP metadata is made to agree with its document information, and the ODT
loses the empty folders LibreOffice leaves undeclared in its manifest.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildFailed, Location, Problem

PDF_A_FILTER = ('pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},'
                '"UseTaggedPDF":{"type":"boolean","value":"true"},'
                '"ExportBookmarks":{"type":"boolean","value":"true"},'
                '"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}')
"""PDF/A-2b, tagged (headings, tables, links for screen readers), with an outline of the headings (the reader's
bookmarks pane) and the document's bookmarks as named destinations (read back by `heading_pages`, and by
`render_signature` for where each signatory's room to sign lies)."""
MAX_LAYOUT_PASSES = 4
"""Conversions after which a sommaire whose page numbers still move the headings is reported, not printed."""
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
                finish = FINISHES[target]
                return {name: finish((work / "out" / f"{stem}.{target}").read_bytes()) for stem, name in names.items()}
        missing = [name for stem, name in names.items() if not (work / "out" / f"{stem}.{target}").is_file()]
        raise ConversionFailed([Problem(Location(name), f"LibreOffice n'a pas pu le convertir en {target} "
                                                        f"(après {attempts} essais)") for name in missing])


_DESTINATION = re.compile(r"Toc(\d{8})$")


def heading_pages(pdf: bytes) -> tuple[dict[int, int], int]:
    """Return the page (from 1) of each sommaire heading of a PDF (rank → page), read from the named
    destinations of its bookmarks (`wordml.writer.SOMMAIRE_BOOKMARK`), and its page count."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        page_numbers = {page.objgen: number for number, page in enumerate(document.pages, start=1)}
        pages = {}
        destinations = document.Root.get("/Dests")
        for name, target in (destinations.items() if destinations is not None else ()):
            match = _DESTINATION.search(str(name))
            if match and isinstance(target, pikepdf.Array) and len(target) and target[0].objgen in page_numbers:
                pages[int(match.group(1))] = page_numbers[target[0].objgen]
        return pages, len(document.pages)


@dataclass
class Paginated:
    """A document laid out by LibreOffice: its .docx with its page numbers written, and its PDF/A."""

    docx: bytes
    pdf: bytes
    passes: int = 1
    """The layouts it took: 1 without sommaire, 2 when the numbers of the first layout hold."""


def paginate(documents: dict[str, bytes], *, timeout: float = 600) -> dict[str, Paginated]:
    """Return each .docx of `documents` (name → bytes) with the page numbers of its sommaire and its page count
    written (`wordml.pagination`), and its PDF/A, laid out with those very numbers.

    A sommaire is laid out first with a number in each entry (the layout of the real ones, but for their
    width), then with the pages read from that layout, again until the pages read are those written."""
    from .wordml.pagination import paginate as write_pages, sommaire_ranks, zip_time

    ranks = {name: sommaire_ranks(data) for name, data in documents.items()}
    when = {name: zip_time(data) for name, data in documents.items()}
    written = {name: {rank: 0 for rank in ranks[name]} for name in documents if ranks[name]}
    current = {name: write_pages(data, {rank: 10 for rank in ranks[name]}, 1, when[name]) if ranks[name] else data
               for name, data in documents.items()}
    result: dict[str, Paginated] = {}
    pending = list(documents)
    for passes in range(1, MAX_LAYOUT_PASSES + 1):
        pdfs = convert({name: current[name] for name in pending}, "pdf", timeout=timeout)
        still = []
        for name in pending:
            pages, count = heading_pages(pdfs[name])
            pages = {rank: page for rank, page in pages.items() if rank in ranks[name]}
            if not ranks[name] or pages == written[name]:
                result[name] = Paginated(write_pages(current[name], pages, count, when[name]), pdfs[name], passes)
            else:
                written[name] = pages
                current[name] = write_pages(current[name], pages, count, when[name])
                still.append(name)
        pending = still
        if not pending:
            return result
    raise ConversionFailed([Problem(Location(name), f"les numéros de page du sommaire changent la mise en page "
                                                    f"à chaque passe ({MAX_LAYOUT_PASSES} essais)")
                            for name in pending])


def pdf_with_agreeing_metadata(pdf: bytes) -> bytes:
    """Return the PDF with its XMP dc:title equal to its document information's title (LibreOffice writes an
    apostrophe escaped twice in the XMP: « d&apos;appel » where the title says « d'appel »; PDF/A wants them
    equal)."""
    import pikepdf

    try:
        document = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError:  # not a PDF pikepdf reads: left as LibreOffice wrote it
        return pdf
    with document:
        title = document.docinfo.get("/Title")
        if title is None:
            return pdf
        with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as metadata:
            if metadata.get("dc:title") == str(title):
                return pdf
            metadata["dc:title"] = str(title)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def odt_without_undeclared_folders(odt: bytes) -> bytes:
    """Return the ODT without the empty folders LibreOffice writes (Configurations2/…) and its manifest
    without the folder it declares empty: ODF asks every member to be declared in the manifest."""
    try:
        source = zipfile.ZipFile(io.BytesIO(odt))
    except zipfile.BadZipFile:  # not a package: left as LibreOffice wrote it
        return odt
    kept = [info for info in source.infolist() if not (info.filename.endswith("/") and info.file_size == 0)]
    names = {info.filename for info in kept}
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as target:
        for info in kept:
            data = source.read(info)
            if info.filename == "META-INF/manifest.xml":
                data = re.sub(rb'\s*<manifest:file-entry manifest:full-path="([^"/][^"]*/)"[^>]*/>',
                              lambda m: m.group(0) if any(n.startswith(m.group(1).decode()) for n in names) else b"",
                              data)
            target.writestr(info, data)
    return out.getvalue()


FINISHES = {"pdf": pdf_with_agreeing_metadata, "odt": odt_without_undeclared_folders}
"""What is done to each file LibreOffice converts, by format."""
