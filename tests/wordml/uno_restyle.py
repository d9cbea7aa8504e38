"""A restyling done in LibreOffice through UNO, as communications staff would do it by hand in Writer.

    /usr/bin/python3 uno_restyle.py SOURCE.docx DEST.docx FONT COLOUR FOOTER_TEXT

Opens SOURCE in a headless LibreOffice of its own (a private profile), gives the « Heading 1 » paragraph style
the font FONT and the colour COLOUR (six hexadecimal digits), puts FOOTER_TEXT at the start of every footer,
and saves the document as DEST in Word's format. Run by the system Python, which has Debian's `python3-uno`
(a virtual environment's Python has no `uno`); exits with status 3 when `uno` cannot be imported.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException
except ImportError as exc:  # not Debian's python3-uno: the caller skips
    print(f"uno unavailable: {exc}", file=sys.stderr)
    sys.exit(3)


def properties(**values) -> tuple:
    """Return UNO property values for the keyword arguments."""
    result = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        result.append(prop)
    return tuple(result)


def connect(pipe: str, soffice: subprocess.Popen, timeout: float = 120):
    """Return the desktop of the LibreOffice listening on `pipe`, once it accepts connections."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except NoConnectException:
            if soffice.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def restyle(desktop, source: Path, dest: Path, font: str, colour: int, footer_text: str) -> None:
    """Restyle `source` as a person would in Writer, and save it as `dest` (DOCX)."""
    document = desktop.loadComponentFromURL(source.resolve().as_uri(), "_blank", 0, properties(Hidden=True))
    try:
        heading = document.StyleFamilies.getByName("ParagraphStyles").getByName("Heading 1")
        heading.CharFontName = font
        heading.CharColor = colour
        page_styles = document.StyleFamilies.getByName("PageStyles")
        footers = 0
        for name in page_styles.ElementNames:
            style = page_styles.getByName(name)
            if style.FooterIsOn:
                text = style.FooterText
                text.insertString(text.getStart(), footer_text, False)
                footers += 1
        if not footers:
            raise SystemExit(f"{source}: no footer to change")
        document.storeToURL(dest.resolve().as_uri(), properties(FilterName="MS Word 2007 XML", Overwrite=True))
    finally:
        document.close(True)


def main() -> None:
    source, dest, font, colour, footer_text = sys.argv[1:6]
    soffice = os.environ.get("SOFFICE", "soffice")
    with tempfile.TemporaryDirectory(prefix="paraphe-uno-") as profile:
        pipe = f"paraphe-restyle-{os.getpid()}"
        process = subprocess.Popen(
            [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--invisible", "--norestore",
             "--nologo", f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            desktop = connect(pipe, process)
            restyle(desktop, Path(source), Path(dest), font, int(colour, 16), footer_text)
            try:
                desktop.terminate()
            except Exception:  # the bridge closes as LibreOffice ends
                pass
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


if __name__ == "__main__":
    main()
