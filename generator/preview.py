"""The live preview of a contract: its web page on localhost, rebuilt and reloaded when a file is saved.

`python build.py apercu <slug>` serves the contract's HTML rendering with Starlette on Uvicorn, listening on
127.0.0.1 only, with the verifier's findings shown next to the article or fiche they concern. It answers only
requests whose `Host` is `127.0.0.1:<port>` or `localhost:<port>` from this machine (anything else gets 403: a
web page cannot reach it through DNS rebinding). A file watcher (watchfiles) follows the contract's folder and
the templates; the page listens to `/evenements` (server-sent events) and reloads itself when something
changed. A stream the browser closes is freed at once; the page is computed once per version of the files.
"""

from __future__ import annotations

import asyncio
import errno
import html
import ipaddress
import json
import socket
import threading
from pathlib import Path

from . import TEMPLATES_DIR
from .errors import BuildFailed, ParapheError
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

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data) -> str:
    """Return `data` as JSON that can stand inside an HTML `<script>` element: no `</script>`, `<!--`, `<script`
    nor line separator of the content can end the script or change how the browser reads it."""
    text = json.dumps(data, ensure_ascii=False)
    return "".join(_SCRIPT_ESCAPES.get(c, c) for c in text) if any(c in text for c in _SCRIPT_ESCAPES) else text


def is_local(address: str) -> bool:
    """Tell whether a client address is this machine's loopback."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class PortInUse(ParapheError):
    """The preview's port is taken (another preview, another server)."""


class Preview:
    """The state of a preview: the contract folder, a version bumped on each change, the page of a version."""

    def __init__(self, root: Path, templates_dir: Path = TEMPLATES_DIR):
        self.root = root
        self.templates_dir = templates_dir
        self.version = 0
        self.streams = 0
        """Event streams open now (a closed one is freed at once)."""
        self._changed: asyncio.Event | None = None
        self._page_lock = threading.Lock()
        self._page: tuple[int, str] | None = None

    def bump(self) -> None:
        """Note that a file changed: the page is computed again, and every open stream tells its browser."""
        self.version += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    async def watch(self) -> None:
        """Bump the version whenever a content or template file changes (a task of the server's loop)."""
        from watchfiles import awatch

        async for _ in awatch(self.root, self.templates_dir, debounce=200, step=50):
            self.bump()

    async def events(self):
        """Yield one server-sent event when the files change after the stream opened."""
        if self._changed is None:
            self._changed = asyncio.Event()
        changed = self._changed
        self.streams += 1
        try:
            yield ": ouvert\n\n"
            await changed.wait()
            yield "data: recharger\n\n"
        finally:
            self.streams -= 1

    def current_page(self) -> str:
        """Return the page of the current version of the files, computed once for all the requests."""
        with self._page_lock:
            version = self.version
            if self._page is None or self._page[0] != version:
                self._page = (version, self.page())
            return self._page[1]

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
        return page.replace("</body>", _RELOAD_SCRIPT % script_json(findings) + "</body>", 1)

    def _error_page(self, prepared: Prepared) -> str:
        items = "".join(f"<li>{html.escape(str(p))}</li>" for p in prepared.problems.errors)
        return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Aperçu : erreurs</title>'
                f'</head><body><main><h1>Le contenu a des erreurs</h1><ul>{items}</ul></main>'
                f'<div id="constats"></div>{_RELOAD_SCRIPT % "[]"}</body></html>')


def _rel(prepared: Prepared, path: str) -> str | None:
    """Return the contract-relative path of the file a finding names."""
    return next((s.rel_path for s in prepared.tree.files.values() if s.display_path == path), None)


class LocalOnly:
    """ASGI middleware: 403 unless the client is this machine and the `Host` is `127.0.0.1:<port>` or
    `localhost:<port>` (a page of another site, its name rebound to 127.0.0.1, sends its own name)."""

    def __init__(self, app, port: int):
        self.app = app
        self.hosts = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            hosts = [value for name, value in scope["headers"] if name == b"host"]
            client = scope.get("client") or ("", 0)
            if len(hosts) != 1 or hosts[0].lower() not in self.hosts or not is_local(client[0]):
                from starlette.responses import PlainTextResponse

                response = PlainTextResponse("Aperçu réservé à cette machine (http://127.0.0.1 ou "
                                             "http://localhost)", status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def make_app(preview: Preview, port: int):
    """Return the preview's ASGI application: the page, its event stream, and the file watcher."""
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.responses import HTMLResponse, StreamingResponse
    from starlette.routing import Route

    async def page(request):
        body = await run_in_threadpool(preview.current_page)
        return HTMLResponse(body, headers={"Cache-Control": "no-store"})

    async def events(request):
        return StreamingResponse(preview.events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    @asynccontextmanager
    async def lifespan(app):
        preview._changed = asyncio.Event()
        watcher = asyncio.create_task(preview.watch())
        try:
            yield
        finally:
            watcher.cancel()

    return Starlette(routes=[Route("/", page), Route("/index.html", page), Route("/evenements", events)],
                     middleware=[Middleware(LocalOnly, port=port)], lifespan=lifespan)


def listening_socket(port: int) -> socket.socket:
    """Return a socket listening on 127.0.0.1:`port` (0: a free port); raise PortInUse (in French)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not past a live listener: only TIME_WAIT
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            taken = "déjà utilisé (un autre aperçu, un autre serveur ?)" if exc.errno == errno.EADDRINUSE \
                else "réservé"
            raise PortInUse(f"le port {port} est {taken} : choisissez-en un autre avec --port, "
                            f"par exemple --port {port + 1 if port < 65535 else 8001}") from None
        raise
    sock.set_inheritable(True)
    return sock


def make_server(root: Path, port: int = 8000, templates_dir: Path = TEMPLATES_DIR):
    """Return the Uvicorn server of a preview, its listening socket and its state (run with
    `server.run(sockets=[sock])`, stopped by `server.should_exit = True`)."""
    import uvicorn

    sock = listening_socket(port)
    port = sock.getsockname()[1]
    preview = Preview(root, templates_dir)
    config = uvicorn.Config(make_app(preview, port), log_level="critical", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=1, backlog=2048)
    return uvicorn.Server(config), sock, preview


def serve(root: Path, port: int = 8000, templates_dir: Path = TEMPLATES_DIR, on_ready=None) -> None:
    """Serve the preview of the contract at `root` on 127.0.0.1 until interrupted; raise PortInUse."""
    server, sock, _ = make_server(root, port, templates_dir)
    if on_ready:
        on_ready(f"http://127.0.0.1:{sock.getsockname()[1]}/")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
