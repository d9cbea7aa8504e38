"""PDF/A-2b properties that matter, checked on every PDF the build writes (veraPDF cannot be installed here).

What is signed, published and sent to the préfecture is the PDF/A. LibreOffice writes PDF/A-2b, but a font
missing on the machine, a metadata escaping slip or a form field without appearance would make a file that
archives and validators refuse, and nobody would see it on screen. Each check names what it found wrong, in
French, so that the build can refuse the file rather than write it.
"""

from __future__ import annotations

import io

def _fonts(pdf):
    """Yield (name, font dictionary) of every font that the pages and their forms and annotations use."""
    seen = set()

    def from_resources(resources):
        if resources is None:
            return
        for name, font in (resources.get("/Font") or {}).items():
            if font.objgen in seen and font.objgen != (0, 0):
                continue
            seen.add(font.objgen)
            yield name, font
            for descendant in font.get("/DescendantFonts") or []:
                yield name, descendant
            yield from from_resources(font.get("/Resources"))  # a Type 3 font's glyphs
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from from_resources(xobject.get("/Resources"))

    for page in pdf.pages:
        yield from from_resources(page.obj.get("/Resources"))
        for annotation in page.obj.get("/Annots") or []:
            for appearance in (annotation.get("/AP") or {}).values():
                if hasattr(appearance, "get"):
                    yield from from_resources(appearance.get("/Resources"))


def _is_embedded(font) -> bool:
    subtype = str(font.get("/Subtype", ""))
    if subtype in ("/Type3", "/Type0"):
        return True  # glyphs drawn by the font itself; a Type 0 font's descendant is checked on its own
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _is_javascript(action) -> bool:
    """Tell whether an action, or one of those it chains (/Next), runs JavaScript."""
    import pikepdf

    while isinstance(action, pikepdf.Dictionary):  # a destination (an array) is no action
        if action.get("/S") == "/JavaScript" or "/JS" in action:
            return True
        following = action.get("/Next")
        action = following[0] if isinstance(following, pikepdf.Array) and len(following) else following
    return False


def _has_javascript(pdf) -> bool:
    """Tell whether the file runs JavaScript: in its name tree, or in an action of the document, a page, an
    annotation or a field (where the PDF reference puts actions)."""
    names = pdf.Root.get("/Names")
    if names is not None and "/JavaScript" in names:
        return True
    holders = [pdf.Root]
    for page in pdf.pages:
        holders.append(page.obj)
        holders += list(page.obj.get("/Annots") or [])
    actions = [pdf.Root.get("/OpenAction")]
    for holder in holders:
        actions.append(holder.get("/A"))
        actions += list((holder.get("/AA") or {}).values())
    return any(_is_javascript(action) for action in actions)


def pdfa_problems(data: bytes) -> list[str]:
    """Return what keeps `data` from being the PDF/A-2b it claims to be (an empty list when nothing does)."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        return [f"PDF illisible : {exc}"]
    with pdf:
        return open_pdf_problems(pdf)


def open_pdf_problems(pdf) -> list[str]:
    """Return what keeps a PDF open with pikepdf, as it will be saved, from being the PDF/A-2b it claims to be
    (the build checks the PDF it finishes without reading it again)."""
    problems = []
    if pdf.is_encrypted:
        problems.append("PDF chiffré : un PDF/A ne doit pas l'être")
    metadata = pdf.open_metadata()
    part, conformance = metadata.get("pdfaid:part"), metadata.get("pdfaid:conformance")
    if (part, conformance) != ("2", "B"):
        problems.append(f"identification PDF/A absente ou inattendue (partie {part}, niveau {conformance} ; "
                        f"attendu : 2, B)")
    info_title = str(pdf.docinfo.get("/Title", "")) if pdf.docinfo is not None else ""
    xmp_title = metadata.get("dc:title") or ""
    if info_title != xmp_title:
        problems.append(f"titres différents dans les métadonnées : « {xmp_title} » (XMP) et « {info_title} » "
                        f"(dictionnaire Info)")
    intents = pdf.Root.get("/OutputIntents") or []
    if not any(intent.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in intent for intent in intents):
        problems.append("aucun profil de couleur de sortie (OutputIntent GTS_PDFA1)")
    missing = sorted({str(font.get("/BaseFont", name)) for name, font in _fonts(pdf) if not _is_embedded(font)})
    if missing:
        problems.append(f"police(s) non incorporée(s) : {', '.join(missing)}")
    if _has_javascript(pdf):
        problems.append("le PDF contient du JavaScript, interdit en PDF/A")
    form = pdf.Root.get("/AcroForm")
    if form is not None:
        if bool(form.get("/NeedAppearances", False)):
            problems.append("formulaire marqué NeedAppearances, interdit en PDF/A")
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots") or []:
                if annotation.get("/Subtype") != "/Widget":
                    continue
                name = str(annotation.get("/T", "sans nom"))
                if "/AP" not in annotation:
                    problems.append(f"champ « {name} » sans apparence, interdit en PDF/A")
                if not int(annotation.get("/F", 0)) & 4 or int(annotation.get("/F", 0)) & 0b11:
                    problems.append(f"champ « {name} » non imprimable ou caché, interdit en PDF/A")
    return problems
