"""kubectl (a real client nobody here wrote) against the fake, over TLS."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time

import pytest

from conftest import decode_json_stream, sample_items, write_kubeconfig

EXPECTED = {
    "services": ("Service", {(o["metadata"]["namespace"], o["metadata"]["name"])
                             for o in sample_items("services.json")}),
    "endpointslices": ("EndpointSlice", {(o["metadata"]["namespace"], o["metadata"]["name"])
                                         for o in sample_items("endpointslices.json")}),
    "nodes": ("Node", {(None, o["metadata"]["name"]) for o in sample_items("nodes.json")}),
}


def names(items):
    return {(o["metadata"].get("namespace"), o["metadata"]["name"]) for o in items}


@pytest.mark.parametrize("auth", ["token", "client-cert"])
@pytest.mark.parametrize("resource", ["services", "endpointslices", "nodes"])
def test_get_json_lists_every_object(shared_server, kubectl, tmp_path, auth, resource):
    kc = write_kubeconfig(tmp_path / "kc", shared_server, auth)
    args = ["get", resource, "-o", "json"] + (["-A"] if resource != "nodes" else [])
    result = kubectl(kc, *args)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    kind, expected = EXPECTED[resource]
    assert out["kind"] == "List"
    assert names(out["items"]) == expected
    for item in out["items"]:
        assert item["kind"] == kind
        assert item["metadata"]["resourceVersion"].isdigit()
        assert item["metadata"]["uid"]


def test_token_file_auth(shared_server, kubectl, tmp_path):
    kc = write_kubeconfig(tmp_path / "kc", shared_server, "token-file")
    result = kubectl(kc, "get", "nodes", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["node/node-a", "node/node-b", "node/node-c"]


def test_get_several_resources_human_output(shared_server, kubectl, tmp_path):
    kc = write_kubeconfig(tmp_path / "kc", shared_server)
    result = kubectl(kc, "get", "services,endpointslices,nodes", "-A")
    assert result.returncode == 0, result.stderr
    for expected in ("service/gateway", "endpointslice.discovery.k8s.io/web-abc12", "node/node-c"):
        assert expected in result.stdout


def test_short_names_from_discovery(shared_server, kubectl, tmp_path):
    kc = write_kubeconfig(tmp_path / "kc", shared_server)
    result = kubectl(kc, "get", "svc", "-n", "shop", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["service/checkout", "service/gateway", "service/gateway-v6"]


def test_aggregated_discovery_is_used(make_server, kubectl, tmp_path):
    server = make_server()
    kc = write_kubeconfig(tmp_path / "kc", server)
    result = kubectl(kc, "get", "svc,endpointslices", "-A", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 13
    log = server.log_path.read_text()
    # kubectl took /api and /apis as aggregated documents: no per-group-version fetches.
    assert re.search(r"GET /api[?]", log) and re.search(r"GET /apis[?]", log), log
    assert not re.search(r"GET /api/v1[ ?]|GET /apis/discovery\.k8s\.io/v1[ ?]", log), log


def test_plain_discovery_fallback(make_server, kubectl, tmp_path):
    server = make_server()
    server.faults(aggregated_discovery=False)
    kc = write_kubeconfig(tmp_path / "kc", server)
    result = kubectl(kc, "get", "endpointslices", "-A", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == len(EXPECTED["endpointslices"][1])
    log = server.log_path.read_text()
    # The legacy per-group document was read, as it is only when aggregated discovery is off.
    assert re.search(r"GET /apis/discovery\.k8s\.io/v1[ ?]", log), log


def test_selectors(shared_server, kubectl, tmp_path):
    kc = write_kubeconfig(tmp_path / "kc", shared_server)
    result = kubectl(kc, "get", "svc", "-A", "-l", "tier in (edge,backend),app!=db", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == ["service/gateway", "service/gateway-v6",
                                             "service/legacy-db"]
    result = kubectl(kc, "get", "svc", "-A", "--field-selector",
                     "metadata.namespace=shop,metadata.name!=gateway", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == ["service/checkout", "service/gateway-v6"]


def test_chunked_list(make_server, kubectl, tmp_path):
    server = make_server()
    kc = write_kubeconfig(tmp_path / "kc", server)
    result = kubectl(kc, "get", "svc", "-A", "--chunk-size=2", "-o", "name")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == len(EXPECTED["services"][1])
    # 7 services in pages of 2: kubectl followed the continue token through four pages.
    assert server.requests_seen()["list"]["services"] == 4


def test_label_through_patch(make_server, kubectl, tmp_path):
    server = make_server()
    kc = write_kubeconfig(tmp_path / "kc", server)
    result = kubectl(kc, "label", "svc", "-n", "shop", "checkout", "ring=canary")
    assert result.returncode == 0, result.stderr
    state = server.get_json("/_fake/state")
    checkout = [o for o in state["items"] if o["metadata"]["name"] == "checkout"][0]
    assert checkout["metadata"]["labels"]["ring"] == "canary"
    assert checkout["metadata"]["labels"]["app"] == "checkout"  # merged, not replaced


def test_wrong_ca_is_a_certificate_error(shared_server, kubectl, tmp_path):
    kc = write_kubeconfig(tmp_path / "kc", shared_server, ca="other-ca.crt")
    result = kubectl(kc, "get", "services", "-A", "-o", "json")
    assert result.returncode != 0
    assert "certificate" in result.stderr.lower(), result.stderr
    assert result.stdout == ""


def test_unknown_token_is_unauthorized(shared_server, kubectl, tmp_path):
    kc = write_kubeconfig(tmp_path / "kc", shared_server, token="not-a-token")
    result = kubectl(kc, "get", "nodes", "-o", "json")
    assert result.returncode != 0
    assert "unauthorized" in result.stderr.lower() or "logged in" in result.stderr.lower(), \
        result.stderr


class KubectlWatch:
    """A `kubectl get --watch` in the background whose output is collected as it comes."""

    def __init__(self, kubectl, kc, *args):
        cmd = [kubectl.binary, "--kubeconfig", str(kc), "--cache-dir", str(kubectl.cache),
               "get", *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.chunks = []
        threading.Thread(target=lambda: self.chunks.extend(iter(self.proc.stdout.readline, "")),
                         daemon=True).start()

    def printed(self):
        return decode_json_stream("".join(self.chunks))

    def wait_for(self, predicate, timeout=15):
        """Bounded wait until predicate(printed objects) holds; returns the objects."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            objs = self.printed()
            if predicate(objs):
                return objs
            time.sleep(0.1)
        raise AssertionError(f"kubectl did not print what was expected: "
                             f"{''.join(self.chunks)[-800:]}")

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=5)


def test_watch_output_watch_events(make_server, kubectl, tmp_path):
    server = make_server()
    kc = write_kubeconfig(tmp_path / "kc", server)
    watcher = KubectlWatch(kubectl, kc, "endpointslices", "-n", "shop", "--watch",
                           "--output-watch-events", "-o", "json")
    try:
        server.wait_for_watches("endpointslices", 1, timeout=20)
        gateway = next(o for o in sample_items("endpointslices.json")
                       if o["metadata"]["name"] == "gateway-p0o9i")
        changed = json.loads(json.dumps(gateway))
        changed["endpoints"][0]["conditions"]["ready"] = False
        server.apply(changed)
        server.delete("EndpointSlice", "gateway-p0o9i", "shop")
        events = watcher.wait_for(lambda objs: any(o.get("type") == "DELETED" for o in objs))
    finally:
        watcher.stop()
    seen = [(e["type"], e["object"]["metadata"]["name"]) for e in events]
    assert seen[:3] == [("ADDED", "checkout-m2n3b"), ("ADDED", "gateway-p0o9i"),
                        ("ADDED", "gateway-v6-l4k3j")]
    assert seen[3:] == [("MODIFIED", "gateway-p0o9i"), ("DELETED", "gateway-p0o9i")]
    assert events[3]["object"]["endpoints"][0]["conditions"]["ready"] is False
    assert events[3]["object"]["kind"] == "EndpointSlice"


def test_watch_prints_object_added_through_control_api(make_server, kubectl, tmp_path):
    server = make_server()
    kc = write_kubeconfig(tmp_path / "kc", server)
    watcher = KubectlWatch(kubectl, kc, "services", "-A", "--watch", "-o", "json")
    try:
        server.wait_for_watches("services", 1, timeout=20)
        server.apply({"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": "added-live", "namespace": "shop"},
                      "spec": {"type": "ClusterIP", "clusterIP": "10.96.7.7",
                               "ports": [{"port": 7, "protocol": "TCP"}]}})
        printed = watcher.wait_for(lambda objs: any(
            o.get("metadata", {}).get("name") == "added-live" for o in objs))
    finally:
        watcher.stop()
    # The list part came first (every sample), then the new object.
    assert len(printed) == len(EXPECTED["services"][1]) + 1
    assert names(printed[:-1]) == EXPECTED["services"][1]
    added = printed[-1]
    assert (added["kind"], added["metadata"]["name"]) == ("Service", "added-live")
    assert added["spec"]["clusterIP"] == "10.96.7.7"
