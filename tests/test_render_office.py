"""The PDF/A, ODT and laid-out .docx of the real contracts, made by the real LibreOffice: sommaire page numbers,
page furniture, language, fonts, metadata, tagging and validity, read back from the outputs themselves."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from generator import TEMPLATES_DIR
from generator.pipeline import build
from generator.scaffold import create

from .conftest import REAL_CONTENT

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def with_libreoffice(test):
    """Mark a test that reads the outputs of the real LibreOffice (skipped where it or pdftotext is absent)."""
    skip = pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                              reason="LibreOffice ou pdftotext absent : apt-get install libreoffice-writer-nogui "
                                     "poppler-utils")
    return pytest.mark.libreoffice(skip(test))


SLUGS = ["crte-lens-lievin", "accord-cadre-region-mel", "annexe-aap-contrat-de-ville", "programme-travail-2022",
         "communique-mel-caph"]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory) -> Path:
    """The five seed contracts and the CRTE's avenant, built as DOCX, PDF/A and ODT."""
    output = tmp_path_factory.mktemp("laid-out")
    build([REAL_CONTENT / slug for slug in SLUGS], output, formats=("docx", "pdf", "odt"))
    return output


@pytest.fixture(scope="module")
def draft(tmp_path_factory) -> Path:
    """The PDF of a new CRTE as `nouveau` creates it: « [À COMPLÉTER] » everywhere, a draft."""
    content = tmp_path_factory.mktemp("draft-content")
    root = create("crte", "brouillon", content, TEMPLATES_DIR)
    output = tmp_path_factory.mktemp("draft")
    build([root], output, formats=("pdf",))
    return output / "brouillon" / "contrat.pdf"


def documents(folder: Path, suffix: str) -> list[Path]:
    found = sorted(folder.rglob(f"*{suffix}"))
    assert len(found) >= 10  # 5 contracts, the CRTE's annexes, the avenant's four documents
    return found


def pdf_pages(pdf: Path) -> list[str]:
    """Return the text of each page of a PDF (pdftotext), spaces normalised."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [re.sub(r"\s+", " ", page).strip() for page in text.split("\f")[:-1]]


def sommaire_entries(docx: Path) -> list[tuple[str, str]]:
    """Return the (title, page number) of each sommaire entry of a .docx, as its cached field results say."""
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(docx).read("word/document.xml"))
    entries = []
    for link in root.iter(f"{W}hyperlink"):
        if not (link.get(f"{W}anchor") or "").startswith("_Toc"):
            continue
        title, *after = ["".join(r.itertext(f"{W}t")) for r in link.iter(f"{W}r")]
        numbers = [text for text in after if text]  # the runs of the tab and the field's marks hold no text
        entries.append((title, numbers[-1] if numbers else ""))
    return entries


@with_libreoffice
@pytest.mark.parametrize("relative", ["crte-lens-lievin/contrat.docx", "crte-lens-lievin/annexes.docx",
                                      "programme-travail-2022/programme.docx",
                                      "crte-lens-lievin/avenant-01/contrat.docx"])
def test_every_sommaire_entry_gives_the_page_its_heading_is_on(laid_out, relative):
    docx = laid_out / relative
    pages = pdf_pages(docx.with_suffix(".pdf"))
    entries = sommaire_entries(docx)
    assert len(entries) >= 7
    sommaire_page = next(i for i, page in enumerate(pages, 1) if "SOMMAIRE" in page)
    for title, number in entries:
        assert number.isdigit(), f"« {title} » n'a pas de numéro de page"
        page = int(number)
        assert 1 <= page <= len(pages) and page != sommaire_page
        assert re.sub(r"\s+", " ", title).strip()[:50] in pages[page - 1], (title, page)
    # the ODT's sommaire prints the same numbers, entry by entry
    content = zipfile.ZipFile(docx.with_suffix(".odt")).read("content.xml").decode()
    index = re.search(r"<text:index-body>(.*?)</text:index-body>", content, re.S).group(1)
    lines = [re.sub(r"<[^>]+>", "", re.sub(r"<text:tab/>", "\t", p))
             for p in re.findall(r"<text:p\b.*?</text:p>", index, re.S)]
    assert [line.rsplit("\t", 1)[-1] for line in lines if "\t" in line] == [number for _, number in entries]
    # and the sommaire the PDF prints shows those numbers after its titles (the last entry, say)
    last_title, last_number = entries[-1]
    printed = " ".join(pages[sommaire_page - 1:sommaire_page + 2])
    assert re.search(re.escape(last_title[:30]) + r".*?\.{3,} ?" + last_number + r"\b", printed)


@with_libreoffice
def test_the_laid_out_docx_opens_without_asking_to_update_its_fields(laid_out):
    docx = laid_out / "crte-lens-lievin" / "contrat.docx"
    archive = zipfile.ZipFile(docx)
    assert b"updateFields" not in archive.read("word/settings.xml")
    page_count = len(pdf_pages(docx.with_suffix(".pdf")))
    footers = [archive.read(n).decode() for n in archive.namelist() if re.fullmatch(r"word/footer\d+\.xml", n)]
    numpages = [re.search(r"NUMPAGES\s*</w:instrText>.*?<w:t>(\d+)</w:t>", f, re.S) for f in footers]
    assert {int(m.group(1)) for m in numpages if m} == {page_count}


@with_libreoffice
def test_the_pdf_links_its_sommaire_to_the_headings_and_has_an_outline(laid_out):
    import pikepdf

    with pikepdf.open(laid_out / "crte-lens-lievin" / "contrat.pdf") as pdf:
        page_of = {page.objgen: number for number, page in enumerate(pdf.pages, 1)}
        links = [annotation for annotation in pdf.pages[1].get("/Annots", [])
                 if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation]
        assert len(links) >= 20
        assert all(page_of[link.Dest[0].objgen] > 2 for link in links)
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
        assert any(title.startswith("PREMIÈRE PARTIE") or title.startswith("PREMIERE PARTIE") for title in titles)


@with_libreoffice
def test_the_cover_and_back_cover_are_unnumbered_and_other_pages_say_page_x_of_y(laid_out):
    pages = pdf_pages(laid_out / "crte-lens-lievin" / "contrat.pdf")
    count = len(pages)
    assert "Page" not in pages[0] and "Page" not in pages[-1]
    assert "Lens-Liévin" in pages[1] and pages[1].count("Contrat de relance et de transition écologique") == 1
    for number in range(2, count):
        assert f"Page {number} sur {count}" in pages[number - 1]
    annexe = pdf_pages(laid_out / "annexe-aap-contrat-de-ville" / "annexe.pdf")  # no cover: numbered from 1
    assert f"Page 1 sur {len(annexe)}" in annexe[0]


@with_libreoffice
def test_a_draft_says_projet_on_every_page_and_a_finished_contract_nowhere(laid_out, draft):
    pages = pdf_pages(draft)
    assert len(pages) >= 3
    banner = "PROJET – document de travail"
    assert all(banner in page for page in pages)
    # a draft without back cover: its last page is an ordinary page, numbered
    assert all(f"Page {number} sur {len(pages)}" in pages[number - 1] for number in range(2, len(pages) + 1))
    assert not any(banner in page for page in pdf_pages(laid_out / "crte-lens-lievin" / "contrat.pdf"))


@with_libreoffice
def test_every_document_declares_french(laid_out):
    import pikepdf

    for docx in documents(laid_out, ".docx"):
        archive = zipfile.ZipFile(docx)
        styles, settings = archive.read("word/styles.xml").decode(), archive.read("word/settings.xml").decode()
        defaults = re.search(r"<w:rPrDefault>.*?</w:rPrDefault>", styles, re.S).group(0)
        assert 'w:lang w:val="fr-FR"' in defaults, docx
        assert set(re.findall(r'<w:lang w:val="([^"]+)"', styles)) == {"fr-FR"}, docx
        assert re.search(r'<w:themeFontLang w:val="fr-FR"', settings), docx
    for pdf in documents(laid_out, ".pdf"):
        with pikepdf.open(pdf) as document:
            assert str(document.Root.Lang) == "fr-FR", pdf
    for odt in documents(laid_out, ".odt"):
        styles = zipfile.ZipFile(odt).read("styles.xml").decode()
        default = re.search(r'<style:default-style style:family="paragraph">.*?</style:default-style>', styles,
                            re.S).group(0)
        assert 'fo:language="fr"' in default and 'fo:country="FR"' in default, odt
        assert 'fo:language="en"' not in styles, odt


@with_libreoffice
def test_openxml_audit_finds_no_error_in_any_docx_or_odt(laid_out):
    from openxml_audit import OdfValidator, OpenXmlValidator, ValidationSeverity

    files = documents(laid_out, ".docx") + documents(laid_out, ".odt")
    errors = {}
    for path in files:
        validator = OdfValidator() if path.suffix == ".odt" else OpenXmlValidator()
        result = validator.validate(str(path))
        found = [e for e in result.errors if e.severity == ValidationSeverity.ERROR]  # not its warnings
        if found:
            errors[path.relative_to(laid_out)] = [f"{e.part_uri}: {e.description}" for e in found[:3]]
    assert not errors


@with_libreoffice
def test_every_pdf_is_pdf_a_2b_with_its_xmp_title_equal_to_its_info_title(laid_out):
    import pikepdf

    titles = set()
    for pdf in documents(laid_out, ".pdf"):
        with pikepdf.open(pdf) as document:
            metadata = document.open_metadata()
            assert metadata.get("pdfaid:part") == "2" and metadata.get("pdfaid:conformance") == "B", pdf
            assert metadata.get("dc:title") == str(document.docinfo.Title), pdf
            titles.add(str(document.docinfo.Title))
    assert "Annexe d\u2019appel à projets" in titles or "Annexe d'appel à projets" in titles


def structure_tags(pdf: Path) -> list[str]:
    """Return the structure types of a tagged PDF's elements, in document order."""
    import pikepdf

    tags = []
    with pikepdf.open(pdf) as document:
        pending = [document.Root.StructTreeRoot]
        while pending:
            node = pending.pop()
            if isinstance(node, pikepdf.Array):
                pending.extend(reversed(list(node)))
            elif isinstance(node, pikepdf.Dictionary):
                if "/S" in node:
                    tags.append(str(node.S))
                if "/K" in node:
                    pending.append(node.K)
    return tags


@with_libreoffice
def test_headings_and_table_header_cells_are_tagged_as_such(laid_out):
    communique = structure_tags(laid_out / "communique-mel-caph" / "communique.pdf")
    assert communique.count("/H1") == 1 and "/H2" in communique
    for relative in ("crte-lens-lievin/contrat", "annexe-aap-contrat-de-ville/annexe"):
        tags = structure_tags(laid_out / f"{relative}.pdf")
        assert "/H1" in tags and "/H2" in tags
        # every cell of a row repeated as a header (w:tblHeader) is a TH, the others TD
        body = zipfile.ZipFile(laid_out / f"{relative}.docx").read("word/document.xml").decode()
        header_cells = sum(row.count("<w:tc>") for row in re.findall(r"<w:tr>(?:(?!</w:tr>).)*?<w:tblHeader/>"
                                                                      r"(?:(?!</w:tr>).)*</w:tr>", body, re.S))
        assert header_cells > 0
        assert tags.count("/TH") == header_cells, relative


def docx_fonts(docx: Path) -> set[str]:
    """Return the fonts a .docx asks for: in its styles, numbering and runs."""
    archive = zipfile.ZipFile(docx)
    names = set()
    for part in ("word/styles.xml", "word/numbering.xml", "word/document.xml"):
        names |= set(re.findall(r'<w:rFonts [^>]*w:ascii="([^"]+)"', archive.read(part).decode()))
    return names


def pdf_fonts(pdf: Path) -> dict[str, bool]:
    """Return each font family a PDF prints with (« Carlito » for Carlito-BoldItalic), and whether it is
    embedded."""
    import pikepdf

    fonts = {}
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            for font in page.Resources.get("/Font", {}).values():
                descriptor = font.get("/FontDescriptor")
                if descriptor is None and "/DescendantFonts" in font:
                    descriptor = font.DescendantFonts[0].get("/FontDescriptor")
                embedded = descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2",
                                                                                    "/FontFile3"))
                family = str(font.BaseFont).lstrip("/").split("+")[-1].split("-")[0]
                fonts[family] = fonts.get(family, True) and embedded
    return fonts


@with_libreoffice
def test_every_pdf_embeds_the_fonts_its_docx_asks_for_and_no_other(laid_out):
    for docx in documents(laid_out, ".docx"):
        asked = {name.replace(" ", "") for name in docx_fonts(docx)}
        printed = pdf_fonts(docx.with_suffix(".pdf"))
        assert all(printed.values()), (docx, printed)
        assert "Carlito" in printed, docx
        assert set(printed) <= asked, (docx, set(printed) - asked)


# --- what is done to LibreOffice's files, on files made here (no LibreOffice needed) -------------------------

def made_pdf(title: str, xmp_title: str | None, destinations: dict[str, int] | None = None, pages: int = 3) -> bytes:
    """Return a PDF of `pages` blank pages with an Info title, an XMP title and named destinations."""
    import pikepdf

    document = pikepdf.new()
    for _ in range(pages):
        document.add_blank_page()
    document.docinfo["/Title"] = title
    if xmp_title is not None:
        with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as metadata:
            metadata["dc:title"] = xmp_title
    if destinations:
        document.Root.Dests = pikepdf.Dictionary({
            f"/{name}": pikepdf.Array([document.pages[page - 1].obj, pikepdf.Name.XYZ, 0, 800, 0])
            for name, page in destinations.items()})
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_the_xmp_title_is_written_again_as_the_info_title():
    import pikepdf

    from generator.render_office import pdf_with_agreeing_metadata

    fixed = pdf_with_agreeing_metadata(made_pdf("Annexe d'appel à projets", "Annexe d&apos;appel à projets"))
    with pikepdf.open(io.BytesIO(fixed)) as document:
        assert document.open_metadata().get("dc:title") == "Annexe d'appel à projets"
        assert str(document.docinfo.Title) == "Annexe d'appel à projets"
    agreeing = made_pdf("Avenant", "Avenant")
    assert pdf_with_agreeing_metadata(agreeing) == agreeing  # nothing to do: the same bytes


def test_heading_pages_reads_the_sommaire_bookmarks_named_destinations():
    from generator.render_office import heading_pages

    pdf = made_pdf("x", None, {"_Toc00000001": 2, "5FToc00000002": 3, "Autre": 1}, pages=4)
    assert heading_pages(pdf) == ({1: 2, 2: 3}, 4)


def written_pdf(objects: dict[int, str]) -> bytes:
    """Return a PDF file of the given objects (number → dictionary), object 1 its catalog."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode()
    size = max(objects) + 1
    xref = len(out)
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[n]:010} 00000 n \n".encode() if n in offsets else b"0000000000 65535 f \n"
                    for n in range(1, size))
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


INHERITING_PAGES = written_pdf({
    1: "<< /Type /Catalog /Pages 2 0 R >>",
    2: "<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 3 /MediaBox [0 0 600 800] /Rotate 0"
       " /Resources << /Font << /F1 5 0 R >> >> >>",
    3: "<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 7 0 R] /Count 2 /Rotate 90 /CropBox [0 0 500 700] >>",
    4: "<< /Type /Page /Parent 3 0 R >>",
    5: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    6: "<< /Type /Page /Parent 2 0 R /Resources << >> >>",
    7: "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 300 300] >>"})
"""Three pages inheriting from a two-level page tree, in reading order: everything (the inner node's first), all
but its page size (the inner node's second), all but its resources (the root's last)."""


def test_the_attributes_pages_inherit_are_pushed_down_to_them_as_qpdf_pushes_them():
    import pikepdf

    from generator.render_office import opened_pdf, saved_pdf

    with opened_pdf(INHERITING_PAGES) as document:
        first, second, last = (page.obj for page in document.pages)
        assert [float(x) for x in first.MediaBox] == [0, 0, 600, 800] and int(first.Rotate) == 90
        assert [float(x) for x in first.CropBox] == [0, 0, 500, 700] and "/F1" in first.Resources.Font
        assert int(last.Rotate) == 0 and "/CropBox" not in last and "/Font" not in last.Resources
        assert [float(x) for x in second.MediaBox] == [0, 0, 300, 300] and int(second.Rotate) == 90
        assert first.Resources.is_indirect and first.Resources.objgen == second.Resources.objgen  # shared
        for node in (document.Root.Pages, first.Parent):
            assert not {"/MediaBox", "/Resources", "/Rotate", "/CropBox"} & set(node.keys())
        ours = saved_pdf(document)
    with pikepdf.open(io.BytesIO(INHERITING_PAGES)) as document:  # qpdf pushes them on opening
        theirs = saved_pdf(document)
    assert ours == theirs


@with_libreoffice
def test_the_finished_pdfs_are_saved_as_qpdf_pushing_the_inherited_attributes_saves_them(laid_out):
    """LibreOffice writes its fonts' resources and the page size on the root of the page tree and again on each
    page: saved after `opened_pdf` or after pikepdf's own push, each PDF of the seeds gives the same bytes."""
    import pikepdf

    from generator.render_office import agree_metadata, opened_pdf, saved_pdf

    for pdf in documents(laid_out, ".pdf"):
        data = pdf.read_bytes()
        with opened_pdf(data) as document:
            agree_metadata(document)
            ours = saved_pdf(document)
        with pikepdf.open(io.BytesIO(data)) as document:
            agree_metadata(document)
            out = io.BytesIO()
            document.save(out, deterministic_id=True)
        assert ours == out.getvalue(), pdf


def test_the_odt_loses_the_empty_folders_its_manifest_does_not_declare():
    from generator.render_office import odt_without_undeclared_folders

    manifest = ('<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                'vnd.oasis.opendocument.text"/>\n <manifest:file-entry manifest:full-path="Configurations2/" '
                'manifest:media-type="application/vnd.sun.xml.ui.configuration"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as odt:
        odt.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        odt.writestr(zipfile.ZipInfo("Configurations2/toolbar/"), "")
        odt.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        odt.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    cleaned = zipfile.ZipFile(io.BytesIO(odt_without_undeclared_folders(buffer.getvalue())))
    assert cleaned.namelist() == ["mimetype", "content.xml", "META-INF/manifest.xml"]
    assert cleaned.infolist()[0].compress_type == zipfile.ZIP_STORED
    kept = cleaned.read("META-INF/manifest.xml").decode()
    assert "Configurations2" not in kept and 'full-path="/"' in kept and 'full-path="content.xml"' in kept


# The warm LibreOffice processes (OfficePool): the build above converts through them wherever UNO is installed.

def system_has_uno() -> bool:
    return Path("/usr/bin/python3").is_file() and subprocess.run(
        ["/usr/bin/python3", "-c", "import uno"], capture_output=True).returncode == 0


def with_warm_processes(test):
    """Mark a test of the warm processes (skipped without LibreOffice, pdftotext or Debian's python3-uno)."""
    skip = pytest.mark.skipif(not system_has_uno(), reason="python3-uno absent : apt-get install python3-uno")
    return with_libreoffice(skip(test))


@with_warm_processes
def test_where_uno_is_installed_the_build_converts_through_warm_processes():
    from generator.render_office import OfficePool

    assert OfficePool.available()


@with_warm_processes
def test_loading_uno_leaves_python_s_import_as_it_was():
    """uno.py puts its own __import__ in place, which raises ImportError for a missing module where libraries
    (uvicorn) catch ModuleNotFoundError: Python's is put back."""
    import builtins

    from generator.render_office import load_uno

    assert load_uno() is not None
    assert builtins.__import__.__module__ == "builtins"
    with pytest.raises(ModuleNotFoundError):
        import paraphe_no_such_module  # noqa: F401


def pdf_summary(pdf: bytes) -> dict:
    """Return what a reader and a screen reader get of a PDF besides its text: pages, link annotations, fonts,
    structure elements by kind, named destinations, outline, document information (but its dates)."""
    import collections

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        kinds: collections.Counter = collections.Counter()
        pending = [document.Root.StructTreeRoot]
        while pending:
            element = pending.pop()
            if isinstance(element, pikepdf.Dictionary):
                if "/S" in element:
                    kinds[str(element.S)] += 1
                children = element.get("/K")
                pending += list(children) if isinstance(children, pikepdf.Array) else [children]
        with document.open_outline() as outline:
            titles = [item.title for item in outline.root]
        return {"pages": len(document.pages),
                "links": sum(len(page.obj.get("/Annots") or []) for page in document.pages),
                "fonts": sorted({str(font.get("/BaseFont"))[7:] for page in document.pages  # no subset tag
                                 for font in (page.Resources.get("/Font") or {}).values()}),
                "structure": dict(kinds), "destinations": sorted(map(str, document.Root.Dests.keys())),
                "outline": titles, "info": {key: str(value) for key, value in document.docinfo.items()
                                            if key not in ("/CreationDate", "/ModDate")}}


@with_warm_processes
def test_a_warm_layout_gives_the_docx_and_pdf_of_the_two_conversion_layout(laid_out, tmp_path):
    """The sommaire laid out in one load by a warm process: the same .docx bytes, and a PDF with the same text
    page by page, tags, links, fonts, destinations and outline as two `soffice --convert-to` conversions."""
    from generator.pdfa import pdfa_problems
    from generator.render_office import OfficePool, paginate

    docx = (laid_out / "crte-lens-lievin" / "contrat.docx").read_bytes()
    with OfficePool(1) as pool:
        warm = paginate({"contrat.docx": docx}, pool=pool)["contrat.docx"]
        assert pool.conversions == 1  # one load, both layouts
    command_line = paginate({"contrat.docx": docx})["contrat.docx"]
    assert warm.docx == command_line.docx and warm.passes == command_line.passes == 2
    (tmp_path / "warm.pdf").write_bytes(warm.pdf)
    (tmp_path / "command-line.pdf").write_bytes(command_line.pdf)
    pages = pdf_pages(tmp_path / "warm.pdf")
    assert len(pages) > 40 and pages == pdf_pages(tmp_path / "command-line.pdf")
    assert pdf_summary(warm.pdf) == pdf_summary(command_line.pdf)
    assert pdfa_problems(warm.pdf) == []


@with_warm_processes
def test_a_sommaire_the_warm_layout_cannot_number_in_place_is_laid_out_again_from_its_docx(laid_out, monkeypatch):
    from generator import render_office

    docx = (laid_out / "programme-travail-2022" / "programme.docx").read_bytes()
    with render_office.OfficePool(1) as pool:
        in_place = render_office.paginate({"programme.docx": docx}, pool=pool)["programme.docx"]
        monkeypatch.setattr(render_office, "_write_sommaire_pages", lambda macros, document, pages: False)
        again = render_office.paginate({"programme.docx": docx}, pool=pool)["programme.docx"]
        assert pool.conversions == 1 + 2  # one load; then a load, and a conversion of the numbered .docx
    assert again.docx == in_place.docx == docx  # the fixture's .docx was numbered by the build already
    assert again.passes == 2 and pdf_summary(again.pdf) == pdf_summary(in_place.pdf)


@with_warm_processes
def test_numbers_that_move_a_heading_in_the_warm_layout_are_laid_out_again_from_the_docx(laid_out, monkeypatch):
    """The warm layout no longer asks LibreOffice whether the numbers it typed moved a heading: the PDF says it.
    Here the layout is made to read each heading one page too far: the PDF exported with those numbers shows the
    headings elsewhere, and the document is numbered and converted again until the numbers hold."""
    from generator import render_office

    docx = (laid_out / "programme-travail-2022" / "programme.docx").read_bytes()
    bookmark_pages = render_office._bookmark_pages
    with render_office.OfficePool(1) as pool:
        in_place = render_office.paginate({"programme.docx": docx}, pool=pool)["programme.docx"]
        monkeypatch.setattr(render_office, "_bookmark_pages", lambda macros, document: {
            rank: page + 1 for rank, page in bookmark_pages(macros, document).items()})
        moved = render_office.paginate({"programme.docx": docx}, pool=pool)["programme.docx"]
        assert pool.conversions == 1 + 1 + 2  # one load; a load whose PDF is refused, then two conversions
    assert moved.docx == in_place.docx and moved.passes == 3
    assert pdf_summary(moved.pdf) == pdf_summary(in_place.pdf)


@contextlib.contextmanager
def loaded(office, docx: bytes):
    """A .docx loaded (hidden) by a warm LibreOffice process, as `_Office.lay_out` loads it."""
    from generator.render_office import load_uno

    uno = load_uno()
    from unoserver.converter import PropertyValue

    source = office.work / "loaded.docx"
    source.write_bytes(docx)
    document = office.converter.desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(str(source)), "_blank", 0, (PropertyValue(Name="Hidden", Value=True),))
    try:
        yield document
    finally:
        document.close(True)


def sommaire_text(document) -> list[tuple[str, str]]:
    """Each paragraph of a loaded document's indexes: its text, and the link its last two characters are in."""
    paragraphs = []
    indexes = document.getDocumentIndexes()
    for position in range(indexes.getCount()):
        anchor = indexes.getByIndex(position).getAnchor()
        enumeration = document.getText().createTextCursorByRange(anchor).createEnumeration()
        while enumeration.hasMoreElements():
            paragraph = enumeration.nextElement()
            if paragraph.supportsService("com.sun.star.text.Paragraph"):
                end = paragraph.getText().createTextCursorByRange(paragraph.getEnd())
                end.goLeft(2, True)
                paragraphs.append((paragraph.getString(), end.HyperLinkURL or ""))
    return paragraphs


@with_warm_processes
def test_the_basic_sommaire_functions_read_and_type_what_the_bridge_calls_did(laid_out):
    """The sommaire numbered inside LibreOffice (`SOMMAIRE_MACROS`) against the former Python calls through the
    bridge (tests/render_office_reference.py), on the CRTE's contract: the same pages read, the same text typed
    inside the same links, the same refusals (a heading without page, an entry without its placeholder)."""
    from generator import render_office
    from generator.wordml.pagination import paginate as write_pages, sommaire_ranks, zip_time

    from .render_office_reference import bookmark_pages, write_sommaire_pages

    docx = (laid_out / "crte-lens-lievin" / "contrat.docx").read_bytes()
    ranks, when = sommaire_ranks(docx), zip_time(docx)
    placeholder = write_pages(docx, {rank: render_office.PLACEHOLDER_PAGE for rank in ranks}, 1, when)
    other_placeholder = write_pages(docx, {rank: 7 for rank in ranks}, 1, when)
    with render_office.OfficePool(1) as pool:
        pool.convert({"contrat.docx": placeholder}, "pdf", finished=False)  # started
        office = pool._offices[0]
        with loaded(office, placeholder) as by_bridge:
            pages = bookmark_pages(by_bridge)
            assert len(pages) >= len(ranks) > 20 and set(pages.values()) != {0}
            assert render_office._bookmark_pages(office.macros, by_bridge) == pages
            before = sommaire_text(by_bridge)
            assert sum(url.startswith("#_Toc") for _, url in before) == len(ranks)
            without_one = {rank: page for rank, page in pages.items() if rank != ranks[len(ranks) // 2]}
            assert write_sommaire_pages(by_bridge, without_one) is False
            assert render_office._write_sommaire_pages(office.macros, by_bridge, without_one) is False
            assert sommaire_text(by_bridge) == before  # nothing typed
            assert write_sommaire_pages(by_bridge, pages) is True
            typed = sommaire_text(by_bridge)
        with loaded(office, placeholder) as by_macros:
            assert render_office._write_sommaire_pages(office.macros, by_macros, pages) is True
            assert sommaire_text(by_macros) == typed
        assert typed != before and [url for _, url in typed] == [url for _, url in before]
        assert [text.rsplit("\t", 1)[-1] for text, url in typed if url] == [str(pages[rank]) for rank in ranks]
        with loaded(office, other_placeholder) as unnumbered:
            assert write_sommaire_pages(unnumbered, pages) is False
            assert render_office._write_sommaire_pages(office.macros, unnumbered, pages) is False


def office_processes(session: int) -> list[int]:
    """Return the pids of LibreOffice's own processes (soffice.bin) in a session the pool started."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == session and name.startswith("soffice"):  # fields[3]: the session id
            found.append(int(entry.name))
    return found


def disturbed_pool(monkeypatch, on_call: int, disturb):
    """Return a one-process pool whose LibreOffice gets `disturb(pid)` just before its `on_call`-th
    conversion starts (the batch then has documents converted and documents still to convert)."""
    from generator import render_office

    pool = render_office.OfficePool(1, timeout=20)
    original, calls = render_office._Office.convert, []

    def convert(office, data, target, timeout):
        calls.append(target)
        if len(calls) == on_call:
            for pid in office_processes(pool.sessions[0]):
                disturb(pid)
        return original(office, data, target, timeout)

    monkeypatch.setattr(render_office._Office, "convert", convert)
    return pool


def small_documents(laid_out: Path) -> dict[str, bytes]:
    docx = (laid_out / "communique-mel-caph" / "communique.docx").read_bytes()
    return {f"{name}.docx": docx for name in ("un", "deux", "trois")}


@with_warm_processes
def test_a_libreoffice_killed_mid_batch_is_started_again_and_the_batch_completes(laid_out, monkeypatch):
    import os
    import signal

    from generator.pdfa import pdfa_problems

    documents = small_documents(laid_out)
    with disturbed_pool(monkeypatch, 2, lambda pid: os.kill(pid, signal.SIGKILL)) as pool:
        pdfs = pool.convert(documents, "pdf")
        assert pool.restarts == 1 and pool.conversions == 3
    assert sorted(pdfs) == sorted(documents)
    assert {name: pdfa_problems(pdf) for name, pdf in pdfs.items()} == {name: [] for name in documents}


@with_warm_processes
def test_a_hung_libreoffice_is_stopped_started_again_and_the_batch_completes(laid_out, monkeypatch):
    import os
    import signal

    from generator.pdfa import pdfa_problems

    documents = small_documents(laid_out)
    with disturbed_pool(monkeypatch, 3, lambda pid: os.kill(pid, signal.SIGSTOP)) as pool:  # frozen: hangs
        pdfs = pool.convert(documents, "pdf")
        assert pool.restarts == 1 and pool.conversions == 3
    assert {name: pdfa_problems(pdf) for name, pdf in pdfs.items()} == {name: [] for name in documents}


@with_libreoffice
def test_a_rebuild_converts_again_only_the_documents_whose_docx_or_outputs_changed(laid_out, monkeypatch):
    """Rebuilding the five contracts (their .docx rendered again, byte for byte) converts nothing but the
    document whose PDF was deleted; the other PDFs are not touched."""
    from generator import render_office
    from generator.pdfa import pdfa_problems

    converted, original = [], render_office.convert

    def counting(documents, target, **options):
        converted.extend((target, Path(name).relative_to(laid_out).as_posix()) for name in documents)
        return original(documents, target, **options)

    monkeypatch.setattr(render_office, "convert", counting)
    before = {path: path.read_bytes() for path in laid_out.rglob("*.pdf")}
    deleted = laid_out / "communique-mel-caph" / "communique.pdf"
    deleted.unlink()
    report = build_report_of_seeds(laid_out)
    assert not report.failed, report.failed
    assert {name for _, name in converted} == {"communique-mel-caph/communique.docx"}
    assert {target for target, _ in converted} == {"pdf", "odt"}
    assert {path: path.read_bytes() for path in before if path != deleted} == \
        {path: data for path, data in before.items() if path != deleted}
    assert pdfa_problems(deleted.read_bytes()) == []
    converted.clear()
    assert not build_report_of_seeds(laid_out).failed
    assert converted == []


def build_report_of_seeds(output: Path):
    from generator.pipeline import build_report

    return build_report([REAL_CONTENT / slug for slug in SLUGS], output, formats=("docx", "pdf", "odt"),
                        rebuild=True)
