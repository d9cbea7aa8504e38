"""The live preview: served on localhost only, reloaded in the browser when a content file is saved."""

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from generator.preview import Preview, is_local, make_server, script_json

from .conftest import ROOT, write_contract

A11Y = ROOT / "tests" / "a11y"


def start_preview(content_dir: Path, slug: str):
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--contenu", str(content_dir), "apercu",
                                slug, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line + process.stderr.read()
    return process, match.group(0), int(match.group(1))


def test_only_loopback_clients_are_served():
    assert is_local("127.0.0.1") and is_local("::1")
    assert not is_local("192.168.1.10") and not is_local("10.0.0.2") and not is_local("8.8.8.8")


def non_loopback_address() -> str | None:
    try:
        output = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return next((a for a in output if ":" not in a and not a.startswith("127.")), None)


def test_the_server_listens_on_localhost_only(tmp_path, contract_files):
    write_contract(tmp_path / "content" / "essai", contract_files)
    process, url, port = start_preview(tmp_path / "content", "essai")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            page = response.read().decode("utf-8")
        assert '<html lang="fr">' in page and "CONTRAT D" in page
        address = non_loopback_address()
        if address is not None:  # the machine's own network address: nobody listens there
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=3).close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_findings_are_placed_next_to_their_fiche(tmp_path, contract_files):
    contract_files["fiches/formation.yaml"]["numero_publie"] = "1.9"
    root = write_contract(tmp_path / "c", contract_files)
    page = Preview(root).page()
    constats = json.loads(re.search(r"var constats = (\[.*?\]);", page, re.S).group(1))
    assert [c["ancre"] for c in constats] == ["fiche-1-2"]
    assert 'id="fiche-1-2"' in page


@pytest.mark.skipif(not (shutil.which("node") and Path("/usr/bin/chromium").exists()
                         and (A11Y / "node_modules" / "playwright-core").is_dir()),
                    reason="chromium, node or playwright-core absent (bash .ci/run installs them)")
def test_editing_a_yaml_file_changes_the_page_in_chromium(tmp_path, contract_files):
    root = write_contract(tmp_path / "content" / "essai", contract_files)
    process, url, _ = start_preview(tmp_path / "content", "essai")
    try:
        result = subprocess.run(["node", str(A11Y / "preview-check.mjs"), url, str(root / "fiches" / "velo.yaml"),
                                 "DEVELOPPER LE VELO", "DEVELOPPER LA MARCHE A PIED"],
                                capture_output=True, text=True, timeout=120, cwd=A11Y)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome == {"before": True, "after": True, "constats": 0}  # a consistent contract: no finding


# --- served by Uvicorn: local Hosts only, event streams freed, many clients at once ------------------------------


@contextlib.contextmanager
def running_preview(root: Path):
    """Run a preview of `root` in this process (a thread) on a free port; yield its port and state."""
    server, sock, preview = make_server(root, 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield sock.getsockname()[1], preview
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        assert not thread.is_alive()


def get(port: int, path: str = "/", host: str | None = "default", timeout: float = 60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest("GET", path, skip_host=True)
        if host is not None:
            connection.putheader("Host", f"127.0.0.1:{port}" if host == "default" else host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def test_only_the_local_host_names_with_the_port_are_answered(tmp_path, contract_files):
    root = write_contract(tmp_path / "c" / "essai", contract_files)
    with running_preview(root) as (port, _):
        assert get(port)[0] == 200
        assert get(port, host=f"localhost:{port}")[0] == 200
        for host in ("evil.example", f"evil.example:{port}", f"attaquant.fr:{port}", "127.0.0.1",
                     f"localhost:{port + 1}", f"127.0.0.1.evil.example:{port}"):
            status, body = get(port, host=host)
            assert status == 403 and "réservé à cette machine" in body, host
        assert get(port, host=None)[0] in (400, 403)  # HTTP/1.1 without a Host: refused by the server itself
        assert get(port, "/evenements", host="evil.example")[0] == 403


def test_a_closed_event_stream_is_freed_and_a_change_reloads_the_open_ones(tmp_path, contract_files):
    root = write_contract(tmp_path / "c" / "essai", contract_files)
    with running_preview(root) as (port, preview):
        closed = []
        for _ in range(20):  # browsers that open the page and go away
            connection = socket.create_connection(("127.0.0.1", port), timeout=10)
            connection.sendall(f"GET /evenements HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            received = b""
            while b"ouvert" not in received:  # the stream's first comment: it is open
                chunk = connection.recv(4096)
                assert chunk, received
                received += chunk
            assert b"200 OK" in received
            closed.append(connection)
        assert preview.streams == 20
        for connection in closed:
            connection.close()
        deadline = time.monotonic() + 10
        while preview.streams and time.monotonic() < deadline:
            time.sleep(0.05)
        assert preview.streams == 0
        stream = urllib.request.urlopen(f"http://127.0.0.1:{port}/evenements", timeout=30)
        assert stream.readline().startswith(b":")  # the stream is open
        time.sleep(0.5)
        fiche = root / "fiches" / "velo.yaml"
        fiche.write_text(fiche.read_text(encoding="utf-8").replace("VELO", "MARCHE"), encoding="utf-8")
        lines = [stream.readline() for _ in range(2)]
        assert b"data: recharger\n" in lines
        stream.close()
        assert "MARCHE" in get(port)[1]


def test_two_hundred_concurrent_requests_are_served_without_a_reset(tmp_path, contract_files):
    root = write_contract(tmp_path / "c" / "essai", contract_files)
    with running_preview(root) as (port, _):
        results, errors = [], []
        barrier = threading.Barrier(200, timeout=60)

        def client():
            try:
                barrier.wait()
                results.append(get(port, timeout=120)[0])
            except Exception as exc:  # noqa: BLE001 - each failure is counted
                errors.append(repr(exc))

        clients = [threading.Thread(target=client, daemon=True) for _ in range(200)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(150)
        assert errors == [] and results == [200] * 200


def test_a_second_preview_on_the_same_port_says_so_in_french(tmp_path, contract_files):
    write_contract(tmp_path / "content" / "essai", contract_files)
    process, url, port = start_preview(tmp_path / "content", "essai")
    try:
        second = subprocess.run([sys.executable, str(ROOT / "build.py"), "--contenu", str(tmp_path / "content"),
                                 "apercu", "essai", "--port", str(port)], capture_output=True, text=True,
                                timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert second.returncode == 2
    assert f"le port {port} est déjà utilisé" in second.stderr and "--port" in second.stderr
    assert "Traceback" not in second.stderr


def test_content_cannot_close_the_findings_script(tmp_path, contract_files):
    hostile = "</script><!--<script>\u2028&"
    assert json.loads(script_json([hostile])) == [hostile]
    assert not any(c in script_json([hostile]) for c in "<>&\u2028")
    contract_files["fiches/formation.yaml"]["numero_publie"] = "1.9"
    root = write_contract(tmp_path / "c" / ("essai" + hostile.replace("/", "")), contract_files)
    page = Preview(root).page()
    script = page[page.rindex("<script>") + len("<script>"):]
    assert script.index("</script>") == script.rindex("</script>")  # the only end is the script's own
    assert "<!--" not in script and "<script" not in script
    constats = json.loads(re.search(r"var constats = (\[.*?\]);", script, re.S).group(1))
    assert hostile.replace("/", "") in constats[0]["message"]
