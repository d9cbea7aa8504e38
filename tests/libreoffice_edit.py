"""A partner's edits of a generated CRTE, made by the real LibreOffice through UNO, saved as DOCX.

Run by the SYSTEM python (Debian's python3-uno), never the venv's:

    /usr/bin/python3 tests/libreoffice_edit.py IN.docx OUT.docx PROFILE_DIR (--suivi | --sans-suivi)

It starts its own headless soffice on a private pipe with its own user profile, then, with change recording on
(`--suivi`) or off: replaces the amount of the budget line « Travaux » of the first fiche, rewrites the sentence
« Le contrat a pour objet l’essai. », deletes the paragraph « Texte 2.1. », comments the title of the fiche
« DEVELOPPER LE VELO », and changes the total of the first fiche's expenses; then saves in Word 2007 XML.
Exit status 77 when UNO or soffice is unavailable.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid

try:
    import uno
    from com.sun.star.beans import PropertyValue
except ImportError:
    sys.exit(77)

AUTHOR_GIVEN, AUTHOR_NAME = "Claire", "Région"
NEW_AMOUNT = "175\u202f000\u00a0€"
NEW_SENTENCE = "Le contrat a pour objet la démonstration."
COMMENT = "Le calendrier de cette fiche est-il tenable ?"


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(300):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            time.sleep(0.2)
    raise RuntimeError("soffice did not answer")


def set_author(ctx):
    provider = ctx.ServiceManager.createInstanceWithContext("com.sun.star.configuration.ConfigurationProvider", ctx)
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess", (prop("nodepath", "/org.openoffice.UserProfile/Data"),))
    access.setPropertyValue("givenname", AUTHOR_GIVEN)
    access.setPropertyValue("sn", AUTHOR_NAME)
    access.commitChanges()


def find(doc, text):
    """Return a cursor over `text` in the first body paragraph holding it (searching needs no view)."""
    paragraphs = doc.Text.createEnumeration()
    while paragraphs.hasMoreElements():
        paragraph = paragraphs.nextElement()
        if paragraph.supportsService("com.sun.star.text.Paragraph") and text in paragraph.String:
            cursor = doc.Text.createTextCursorByRange(paragraph.Start)
            cursor.goRight(paragraph.String.index(text), False)
            cursor.goRight(len(text), True)
            return cursor
    raise RuntimeError(f"not found: {text!r}")


def budget_table(doc):
    """The first table holding a cell « Travaux »: the first fiche's investment budget."""
    tables = doc.TextTables
    for index in range(tables.Count):
        table = tables.getByIndex(index)
        names = table.CellNames
        texts = [table.getCellByName(n).String for n in names]
        if "Travaux" in texts:
            return table, names, texts
    raise RuntimeError("no budget table")


def replace_cell_text(table, name, text):
    cell = table.getCellByName(name)
    cursor = cell.createTextCursor()
    cursor.gotoStart(False)
    cursor.gotoEnd(True)
    cursor.setString(text)


def edit(doc, tracked):
    doc.RecordChanges = tracked
    table, names, texts = budget_table(doc)
    travaux = texts.index("Travaux")
    replace_cell_text(table, names[travaux + 1], NEW_AMOUNT)  # the budget line's amount
    total = texts.index("Total", travaux)
    replace_cell_text(table, names[total + 1], NEW_AMOUNT)  # the computed total of the expenses

    find(doc, "Le contrat a pour objet l’essai.").setString(NEW_SENTENCE)

    cursor = find(doc, "Texte 2.1.")
    cursor.gotoStartOfParagraph(False)
    cursor.gotoEndOfParagraph(True)
    cursor.goRight(1, True)  # with its paragraph mark
    cursor.setString("")

    title = find(doc, "DEVELOPPER LE VELO")
    annotation = doc.createInstance("com.sun.star.text.textfield.Annotation")
    annotation.Author = f"{AUTHOR_GIVEN} {AUTHOR_NAME}"
    annotation.Initials = "CR"
    annotation.Content = COMMENT
    stamp = uno.createUnoStruct("com.sun.star.util.DateTime")
    stamp.Year, stamp.Month, stamp.Day, stamp.Hours = 2026, 12, 1, 10
    annotation.DateTimeValue = stamp
    title.Text.insertTextContent(title, annotation, True)


def main():
    source, target, profile, mode = sys.argv[1:5]
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit(77)
    pipe = f"paraphe-{uuid.uuid4().hex}"
    process = subprocess.Popen(
        [soffice, f"-env:UserInstallation=file://{os.path.abspath(profile)}", "--headless", "--invisible",
         "--norestore", "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = connect(pipe)
        set_author(ctx)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        # A model without a view: LibreOffice 7.4 without a GUI aborts when a view draws a comment's window.
        doc = ctx.ServiceManager.createInstanceWithContext("com.sun.star.text.TextDocument", ctx)
        doc.load((prop("URL", uno.systemPathToFileUrl(os.path.abspath(source))),
                  prop("FilterName", "MS Word 2007 XML")))
        edit(doc, mode == "--suivi")
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), (prop("FilterName", "MS Word 2007 XML"),))
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge goes down with soffice
    finally:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
