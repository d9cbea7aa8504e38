"""The live preview of a contract: its web page on localhost, rebuilt and reloaded when a file is saved.

`python build.py apercu <slug>` serves the contract's HTML rendering on 127.0.0.1 only (and answers 403 to any
other client), with the verifier's findings shown next to the article or fiche they concern. A file watcher
(watchfiles) follows the contract's folder and the templates; the page listens to `/evenements` (server-sent
events) and reloads itself when something changed.
"""

from __future__ import annotations

import html
import ipaddress
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from watchfiles import watch

from . import TEMPLATES_DIR
from .errors import BuildFailed
from .pipeline import Prepared, read_and_compute
from .provenance import provenance
from .render_html import render_html

_RELOAD_SCRIPT = """
<script>
(function () {
  var constats = %s;
  constats.forEach(function (c) {
    var note = document.createElement("div");
    note.className = "constat";
    note.setAttribute("role", "note");
    note.textContent = c.message;
    var cible = c.ancre && document.getElementById(c.ancre);
    if (cible) { cible.insertAdjacentElement("afterend", note); }
    else { document.getElementById("constats").appendChild(note); }
  });
  var source = new EventSource("/evenements");
  source.onmessage = function () { source.close(); window.location.reload(); };
})();
</script>
"""


def is_local(address: str) -> bool:
    """Tell whether a client address is this machine's loopback."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class Preview:
    """The state of a preview: the contract folder, a version number bumped on each change."""

    def __init__(self, root: Path, templates_dir: Path = TEMPLATES_DIR):
        self.root = root
        self.templates_dir = templates_dir
        self.version = 0
        self.changed = threading.Condition()
        self.stopping = threading.Event()

    def bump(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def watch(self) -> None:
        """Bump the version whenever a content or template file changes (runs in its own thread)."""
        for _ in watch(self.root, self.templates_dir, stop_event=self.stopping, debounce=200, step=50):
            self.bump()

    def page(self) -> str:
        """Return the contract's page with the findings placed next to what they concern."""
        prepared = read_and_compute(self.root)
        if prepared.problems.errors or prepared.kind is None or not prepared.kind.html_templates:
            return self._error_page(prepared)
        kind = prepared.kind
        context = kind.context(prepared.computed)
        context["consolidation"] = None
        context["a_completer"] = bool(prepared.markers)
        anchors = kind.anchors(prepared.computed) if kind.anchors else {}
        findings = [{"ancre": anchors.get(_rel(prepared, p.location.path)), "message": str(p)}
                    for p in [*prepared.findings, *prepared.markers, *prepared.problems.warnings]]
        template = self.templates_dir / next(iter(kind.html_templates.values()))
        try:
            page = render_html(template, context, provenance("aperçu")).decode("utf-8")
        except BuildFailed as exc:
            prepared.problems.extend(exc.problems)
            return self._error_page(prepared)
        summary = (f'<section id="constats" aria-label="Constats du vérificateur"><p class="constats-resume">'
                   f'{len(findings)} constat(s) du vérificateur, affiché(s) à côté de ce qu\'ils concernent.</p>'
                   f'</section>')
        page = page.replace('<main id="contenu">', summary + '<main id="contenu">', 1)
        data = json.dumps(findings, ensure_ascii=False).replace("</", "<\\/")  # content cannot close the script
        return page.replace("</body>", _RELOAD_SCRIPT % data + "</body>", 1)

    def _error_page(self, prepared: Prepared) -> str:
        items = "".join(f"<li>{html.escape(str(p))}</li>" for p in prepared.problems.errors)
        return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Aperçu : erreurs</title>'
                f'</head><body><main><h1>Le contenu a des erreurs</h1><ul>{items}</ul></main>'
                f'<div id="constats"></div>{_RELOAD_SCRIPT % "[]"}</body></html>')


def _rel(prepared: Prepared, path: str) -> str | None:
    """Return the contract-relative path of the file a finding names."""
    return next((s.rel_path for s in prepared.tree.files.values() if s.display_path == path), None)


def make_handler(preview: Preview):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

        def do_GET(self):  # noqa: N802 - the base class's name
            if not is_local(self.client_address[0]):
                self.send_error(403, "Aperçu réservé à cette machine")
                return
            if self.path == "/evenements":
                self._events()
            elif self.path in ("/", "/index.html"):
                body = preview.page().encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def _events(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            with preview.changed:
                seen = preview.version
                while preview.version == seen and not preview.stopping.is_set():
                    preview.changed.wait(timeout=1)
            try:
                self.wfile.write(b"data: recharger\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def serve(root: Path, port: int = 8000, templates_dir: Path = TEMPLATES_DIR, on_ready=None) -> None:
    """Serve the preview of the contract at `root` on 127.0.0.1 until interrupted."""
    preview = Preview(root, templates_dir)
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(preview))
    server.daemon_threads = True
    threading.Thread(target=preview.watch, daemon=True).start()
    if on_ready:
        on_ready(f"http://127.0.0.1:{server.server_port}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        preview.stopping.set()
        preview.bump()
        server.server_close()
