"""The official Python client (kubernetes) against the fake: paging, watch, 410, tokens, writes."""

from __future__ import annotations

import http.client
import json
import subprocess
import threading
import time

import pytest
import urllib3
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from conftest import FAKE_DIR, TOKEN, sample_items

SERVICE_NAMES = sorted(o["metadata"]["name"] for o in sample_items("services.json"))


def new_service(name, namespace="shop", labels=None, cluster_ip="10.96.5.5"):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {"app": name}},
            "spec": {"type": "ClusterIP", "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP",
                                "targetPort": 8080}]}}


def collect(stream, until, limit=50):
    """Events from a watch stream until ``until(events)`` holds (the stream has its own
    timeout_seconds, so this ends either way)."""
    events = []
    for event in stream:
        events.append(event)
        if until(events) or len(events) >= limit:
            break
    return events


# ---------------------------------------------------------------------------------------------
# Lists and paging
# ---------------------------------------------------------------------------------------------

def test_paged_list_follows_continue(shared_server, api_client):
    core = client.CoreV1Api(api_client(shared_server))
    names, pages, token, rvs, remaining = [], 0, None, set(), []
    while True:
        page = core.list_service_for_all_namespaces(limit=3, _continue=token)
        assert isinstance(page, client.V1ServiceList)
        pages += 1
        names += [s.metadata.name for s in page.items]
        rvs.add(page.metadata.resource_version)
        remaining.append(page.metadata.remaining_item_count)
        token = page.metadata._continue
        if not token:
            break
        assert pages < 10
    assert sorted(names) == SERVICE_NAMES
    assert pages == 3
    assert remaining == [4, 1, None]
    assert len(rvs) == 1  # every page is from the first page's snapshot


def test_paged_list_is_a_consistent_snapshot(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    first = core.list_namespaced_service("default", limit=2)
    server.apply(new_service("zzz-late", namespace="default"))  # sorts after every page
    second = core.list_namespaced_service("default", limit=2, _continue=first.metadata._continue)
    names = [s.metadata.name for s in first.items + second.items]
    assert "zzz-late" not in names
    assert len(names) == 4
    assert second.metadata.resource_version == first.metadata.resource_version


def test_continue_after_compaction_is_gone(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    first = core.list_service_for_all_namespaces(limit=2)
    server.apply(new_service("after-first-page"))
    server.control("compact")
    with pytest.raises(ApiException) as err:
        core.list_service_for_all_namespaces(limit=2, _continue=first.metadata._continue)
    assert err.value.status == 410
    assert json.loads(err.value.body)["reason"] == "Expired"


def test_expire_continue_fault(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    first = core.list_node(limit=1)
    server.faults(expire_continue=True)
    with pytest.raises(ApiException) as err:
        core.list_node(limit=1, _continue=first.metadata._continue)
    assert err.value.status == 410
    server.faults(expire_continue=False)
    assert len(core.list_node(limit=1, _continue=first.metadata._continue).items) == 1


def test_selectors_and_typed_objects(shared_server, api_client):
    api = api_client(shared_server)
    discovery = client.DiscoveryV1Api(api)
    slices = discovery.list_namespaced_endpoint_slice(
        "default", label_selector="kubernetes.io/service-name=web")
    assert [s.metadata.name for s in slices.items] == ["web-abc12"]
    web = slices.items[0]
    assert isinstance(web, client.V1EndpointSlice)
    assert web.endpoints[0].hints.for_zones[0].name == "zone-a"
    assert web.endpoints[0].node_name == "node-a"
    assert web.endpoints[2].conditions.terminating is True
    core = client.CoreV1Api(api)
    node = core.read_node("node-a")
    assert node.spec.pod_cidrs == ["10.244.1.0/24", "fd00:10:244:1::/64"]
    assert node.metadata.labels["topology.kubernetes.io/zone"] == "zone-a"
    gateway = core.read_namespaced_service("gateway", "shop")
    assert gateway.status.load_balancer.ingress[0].ip_mode == "VIP"
    unschedulable = core.list_node(field_selector="spec.unschedulable=true")
    assert [n.metadata.name for n in unschedulable.items] == ["node-c"]
    no_infra = core.list_service_for_all_namespaces(label_selector="tier,tier notin (infra,edge)")
    assert sorted(s.metadata.name for s in no_infra.items) == ["checkout", "db-headless",
                                                              "legacy-db", "web"]
    unlabelled = core.list_service_for_all_namespaces(label_selector="!ipvsctl.io/managed")
    assert len(unlabelled.items) == 4


def test_bad_selector_is_bad_request(shared_server, api_client):
    core = client.CoreV1Api(api_client(shared_server))
    with pytest.raises(ApiException) as err:
        core.list_node(field_selector="status.phase=Running")
    assert err.value.status == 400
    with pytest.raises(ApiException) as err:
        core.list_node(label_selector="a in b")
    assert err.value.status == 400


def test_bad_parameters_are_bad_requests(shared_server):
    for query in ("limit=ten", "watch=1&timeoutSeconds=-1", "resourceVersion=abc",
                  "continue=not-a-token"):
        status, _, body = shared_server.request("GET", f"/api/v1/services?{query}")
        assert status == 400, query
        assert json.loads(body)["reason"] == "BadRequest"


def test_missing_object_is_not_found(shared_server, api_client):
    core = client.CoreV1Api(api_client(shared_server))
    with pytest.raises(ApiException) as err:
        core.read_namespaced_service("nope", "default")
    status = json.loads(err.value.body)
    assert (err.value.status, status["kind"], status["reason"]) == (404, "Status", "NotFound")


# ---------------------------------------------------------------------------------------------
# Watch
# ---------------------------------------------------------------------------------------------

def test_watch_sees_added_modified_deleted(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    rv = core.list_namespaced_service("shop").metadata.resource_version
    server.apply(new_service("w1"))
    server.apply(new_service("w1", labels={"app": "w1", "changed": "yes"}))
    server.apply(new_service("elsewhere", namespace="default"))  # not in this watch's namespace
    server.delete("Service", "w1", "shop")
    w = watch.Watch()
    events = collect(w.stream(core.list_namespaced_service, "shop", resource_version=rv,
                              timeout_seconds=5),
                     until=lambda ev: len(ev) >= 3)
    w.stop()
    assert [(e["type"], e["object"].metadata.name) for e in events] == [
        ("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]
    assert all(isinstance(e["object"], client.V1Service) for e in events)
    assert events[1]["object"].metadata.labels["changed"] == "yes"
    rvs = [int(e["object"].metadata.resource_version) for e in events]
    assert rvs == sorted(rvs) and rvs[0] > int(rv)


def test_watch_live_events_and_label_selector(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    rv = core.list_service_for_all_namespaces().metadata.resource_version

    def change():
        server.wait_for_watches("services", 1)
        server.apply(new_service("live", labels={"ipvsctl.io/managed": "true"}))
        server.apply(new_service("live", labels={"other": "x"}))  # leaves the selector

    t = threading.Thread(target=change)
    t.start()
    w = watch.Watch()
    events = collect(w.stream(core.list_service_for_all_namespaces, resource_version=rv,
                              label_selector="ipvsctl.io/managed=true", timeout_seconds=10),
                     until=lambda ev: len(ev) >= 2)
    w.stop()
    t.join(timeout=15)
    # Leaving the selector is a DELETED for this watcher, as with the real server: it carries
    # the object as it last matched, at the version of the change.
    assert [(e["type"], e["object"].metadata.name) for e in events] == [
        ("ADDED", "live"), ("DELETED", "live")]
    gone_obj = events[1]["object"]
    assert gone_obj.metadata.labels == {"ipvsctl.io/managed": "true"}
    assert gone_obj.metadata.resource_version == server.rv()


def test_watch_from_zero_sends_current_state(shared_server, api_client):
    core = client.CoreV1Api(api_client(shared_server))
    w = watch.Watch()
    events = collect(w.stream(core.list_node, resource_version="0", timeout_seconds=3),
                     until=lambda ev: len(ev) >= 3)
    w.stop()
    assert sorted((e["type"], e["object"].metadata.name) for e in events) == [
        ("ADDED", "node-a"), ("ADDED", "node-b"), ("ADDED", "node-c")]


def test_watch_bookmarks_periodic(make_server, api_client):
    server = make_server(extra_args=["--bookmark-interval", "0.5"])
    discovery = client.DiscoveryV1Api(api_client(server))
    rv = discovery.list_endpoint_slice_for_all_namespaces().metadata.resource_version
    w = watch.Watch()
    started = time.monotonic()
    events = collect(w.stream(discovery.list_endpoint_slice_for_all_namespaces,
                              resource_version=rv, allow_watch_bookmarks=True,
                              timeout_seconds=5),
                     until=lambda ev: any(e["type"] == "BOOKMARK" for e in ev))
    w.stop()
    assert time.monotonic() - started < 4
    assert events[-1]["type"] == "BOOKMARK"
    # The client keeps a bookmark as a plain dict (it may be incomplete) and resumes from it.
    bookmark = events[-1]["raw_object"]
    assert set(bookmark) == {"kind", "apiVersion", "metadata"}
    assert bookmark["kind"] == "EndpointSlice"
    assert bookmark["apiVersion"] == "discovery.k8s.io/v1"
    assert bookmark["metadata"]["resourceVersion"] == rv
    assert w.resource_version == rv


def test_watch_bookmark_now(make_server, api_client):
    server = make_server(extra_args=["--bookmark-interval", "0"])
    core = client.CoreV1Api(api_client(server))
    rv = core.list_service_for_all_namespaces().metadata.resource_version
    server.apply(new_service("before-bookmark"))

    def poke():
        server.wait_for_open_watches(1)
        server.control("bookmark-now")

    t = threading.Thread(target=poke)
    t.start()
    w = watch.Watch()
    events = collect(w.stream(core.list_service_for_all_namespaces, resource_version=rv,
                              allow_watch_bookmarks=True, timeout_seconds=8),
                     until=lambda ev: any(e["type"] == "BOOKMARK" for e in ev))
    w.stop()
    t.join(timeout=15)
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    assert events[1]["object"]["metadata"]["resourceVersion"] == server.rv()
    # The client remembers the bookmark's version to resume from.
    assert w.resource_version == server.rv()


def test_watch_on_compacted_version_is_410_http(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    old_rv = core.list_service_for_all_namespaces().metadata.resource_version
    server.apply(new_service("bump"))
    server.control("compact")
    w = watch.Watch()
    with pytest.raises(ApiException) as err:
        collect(w.stream(core.list_service_for_all_namespaces, resource_version=old_rv,
                         timeout_seconds=3), until=lambda ev: True)
    assert err.value.status == 410
    assert json.loads(err.value.body)["reason"] == "Expired"


def test_watch_on_compacted_version_is_error_event(make_server, api_client):
    server = make_server()
    server.faults(gone_mode="event")
    core = client.CoreV1Api(api_client(server))
    old_rv = core.list_node().metadata.resource_version
    server.apply({**sample_items("nodes.json")[0], "spec": {"unschedulable": True}})
    server.control("compact")
    # The wire: HTTP 200, then one ERROR event carrying a 410 Status.
    status, headers, body = server.request("GET", f"/api/v1/nodes?watch=1&resourceVersion={old_rv}")
    assert status == 200
    event = json.loads(body.decode().strip())
    assert event["type"] == "ERROR"
    assert (event["object"]["kind"], event["object"]["code"]) == ("Status", 410)
    # The client turns it into an ApiException (it retries only without timeout_seconds).
    w = watch.Watch()
    with pytest.raises(ApiException) as err:
        collect(w.stream(client.CoreV1Api(api_client(server)).list_node,
                         resource_version=old_rv, timeout_seconds=3), until=lambda ev: True)
    assert err.value.status == 410
    assert "Expired" in err.value.reason


def test_client_retries_once_after_in_stream_410(make_server, api_client):
    """Without timeout_seconds the client retries an in-stream 410 once, then gives up:
    the request counts show the second watch, as a test of a relist would."""
    server = make_server()
    server.faults(gone_mode="event")
    core = client.CoreV1Api(api_client(server))
    old_rv = core.list_node().metadata.resource_version
    server.apply({**sample_items("nodes.json")[1], "spec": {"unschedulable": True}})
    server.control("compact")
    with pytest.raises(ApiException) as err:
        list(watch.Watch().stream(core.list_node, resource_version=old_rv))
    assert err.value.status == 410
    assert server.requests_seen()["watch"]["nodes"] == 2


def test_restart_from_state_keeps_counter_and_expires_history(make_server, api_client, tmp_path):
    first = make_server()
    core = client.CoreV1Api(api_client(first))
    old_rv = core.list_service_for_all_namespaces().metadata.resource_version
    first.apply(new_service("before-restart"))
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(first.get_json("/_fake/state")))
    last_rv = first.rv()
    first.stop()

    second = make_server(objects=[], extra_args=["--state-in", str(state_file)])
    core = client.CoreV1Api(api_client(second))
    listed = core.list_service_for_all_namespaces()
    assert listed.metadata.resource_version == last_rv
    assert "before-restart" in [s.metadata.name for s in listed.items]
    with pytest.raises(ApiException) as err:
        collect(watch.Watch().stream(core.list_service_for_all_namespaces,
                                     resource_version=old_rv, timeout_seconds=3),
                until=lambda ev: True)
    assert err.value.status == 410
    created = second.apply(new_service("after-restart"))
    assert int(created["items"][0]["metadata"]["resourceVersion"]) == int(last_rv) + 1


def test_watch_timeout_seconds_closes_cleanly(shared_server, api_client):
    core = client.CoreV1Api(api_client(shared_server))
    rv = core.list_node().metadata.resource_version
    started = time.monotonic()
    events = list(watch.Watch().stream(core.list_node, resource_version=rv, timeout_seconds=1))
    elapsed = time.monotonic() - started
    assert events == []
    assert 0.9 <= elapsed < 4


# ---------------------------------------------------------------------------------------------
# Faults seen through the client
# ---------------------------------------------------------------------------------------------

def test_drop_watches_is_abrupt(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    rv = core.list_node().metadata.resource_version

    def drop():
        server.wait_for_open_watches(1)
        server.control("drop-watches")

    t = threading.Thread(target=drop)
    t.start()
    started = time.monotonic()
    # A clean end would just stop the generator; an abrupt one is a protocol error.
    with pytest.raises(urllib3.exceptions.ProtocolError):
        list(watch.Watch().stream(core.list_node, resource_version=rv, timeout_seconds=10))
    t.join(timeout=15)
    assert time.monotonic() - started < 8


def test_drop_after_events(make_server, api_client):
    server = make_server()
    server.faults(drop_after_events=2)
    core = client.CoreV1Api(api_client(server))
    events = []
    with pytest.raises(urllib3.exceptions.ProtocolError):
        for event in watch.Watch().stream(core.list_node, resource_version="0", timeout_seconds=5):
            events.append(event)
    assert [e["type"] for e in events] == ["ADDED", "ADDED"]


def test_garbage_line_on_watch(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    rv = core.list_node().metadata.resource_version

    def spoil():
        server.wait_for_open_watches(1)
        server.control("garbage")

    t = threading.Thread(target=spoil)
    t.start()
    w = watch.Watch()
    events = collect(w.stream(core.list_node, resource_version=rv, timeout_seconds=5),
                     until=lambda ev: True)
    w.stop()
    t.join(timeout=15)
    # The client cannot parse the line: it yields None for it instead of an event.
    assert events == [None]


def test_error_status_for_n_requests(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    server.faults(error_status={"code": 500, "count": 2})
    for _ in range(2):
        with pytest.raises(ApiException) as err:
            core.list_node()
        assert err.value.status == 500
        assert json.loads(err.value.body)["reason"] == "InternalError"
    assert len(core.list_node().items) == 3


def test_slow_answers(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    server.faults(slow=0.6)
    started = time.monotonic()
    core.read_node("node-a")
    assert time.monotonic() - started >= 0.6
    server.faults(slow=0)


def test_request_counts_show_relists(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    core.list_node()
    core.list_node()
    list(watch.Watch().stream(core.list_node, resource_version="0", timeout_seconds=1))
    counts = server.requests_seen()
    assert counts["list"]["nodes"] == 2
    assert counts["watch"]["nodes"] == 1
    server.control("requests/reset")
    assert server.requests_seen() == {}


# ---------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------

def test_token_rotation_gives_401(make_server, api_client):
    server = make_server()
    old = client.CoreV1Api(api_client(server, token=TOKEN))
    assert len(old.list_node().items) == 3
    server.control("tokens", {"tokens": ["token-two"]})
    with pytest.raises(ApiException) as err:
        old.list_node()
    assert err.value.status == 401
    status = json.loads(err.value.body)
    assert (status["kind"], status["status"], status["code"]) == ("Status", "Failure", 401)
    new = client.CoreV1Api(api_client(server, token="token-two"))
    assert len(new.list_node().items) == 3


def test_client_certificate_without_token(shared_server, api_client):
    core = client.CoreV1Api(api_client(shared_server, auth="client-cert"))
    assert len(core.list_node().items) == 3


def test_no_credentials_is_401(shared_server):
    status, _, body = shared_server.request("GET", "/api/v1/nodes", token=None)
    assert status == 401
    assert json.loads(body)["reason"] == "Unauthorized"


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------

def test_create_patch_replace_delete(make_server, api_client):
    server = make_server()
    core = client.CoreV1Api(api_client(server))
    created = core.create_namespaced_service("shop", new_service("crud"))
    assert created.metadata.uid and created.metadata.resource_version
    with pytest.raises(ApiException) as err:
        core.create_namespaced_service("shop", new_service("crud"))
    assert (err.value.status, json.loads(err.value.body)["reason"]) == (409, "AlreadyExists")
    # A dict body goes as a strategic merge patch; labels merge.
    patched = core.patch_namespaced_service("crud", "shop", {"metadata": {"labels": {"x": "1"}}})
    assert patched.metadata.labels == {"app": "crud", "x": "1"}
    # A merge patch with null removes a label.
    patched = core.patch_namespaced_service("crud", "shop", {"metadata": {"labels": {"x": None}}},
                                            _content_type="application/merge-patch+json")
    assert patched.metadata.labels == {"app": "crud"}
    # A JSON patch (a list body).
    patched = core.patch_namespaced_service(
        "crud", "shop", [{"op": "replace", "path": "/spec/ports/0/port", "value": 81}])
    assert patched.spec.ports[0].port == 81
    # Replace with a stale resourceVersion conflicts; with the current one it works.
    stale = new_service("crud")
    stale["metadata"]["resourceVersion"] = created.metadata.resource_version
    with pytest.raises(ApiException) as err:
        core.replace_namespaced_service("crud", "shop", stale)
    assert err.value.status == 409
    fresh = new_service("crud", labels={"app": "crud", "replaced": "yes"})
    fresh["metadata"]["resourceVersion"] = patched.metadata.resource_version
    replaced = core.replace_namespaced_service("crud", "shop", fresh)
    assert replaced.metadata.labels["replaced"] == "yes"
    assert replaced.metadata.uid == created.metadata.uid
    core.delete_namespaced_service("crud", "shop")
    with pytest.raises(ApiException) as err:
        core.read_namespaced_service("crud", "shop")
    assert err.value.status == 404


# ---------------------------------------------------------------------------------------------
# Wire details the clients above do not reach
# ---------------------------------------------------------------------------------------------

def test_send_initial_events_ends_with_marked_bookmark(shared_server):
    status, headers, body = shared_server.request(
        "GET", "/api/v1/nodes?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
               "&resourceVersionMatch=NotOlderThan&timeoutSeconds=1")
    assert status == 200 and headers["Transfer-Encoding"] == "chunked"
    events = [json.loads(line) for line in body.decode().splitlines()]
    assert [e["type"] for e in events[:4]] == ["ADDED"] * 3 + ["BOOKMARK"]
    marked = events[3]["object"]["metadata"]
    assert marked["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_bounded_history_expires_old_versions(make_server):
    server = make_server(extra_args=["--history", "2"])
    start = server.rv()
    for i in range(3):
        server.apply(new_service(f"h{i}"))
    status, _, body = server.request("GET", f"/api/v1/services?watch=1&resourceVersion={start}")
    assert status == 410 and json.loads(body)["code"] == 410
    recent = int(server.rv()) - 2  # the last two events are still there
    status, _, body = server.request(
        "GET", f"/api/v1/services?watch=1&resourceVersion={recent}&timeoutSeconds=1")
    assert status == 200
    assert [json.loads(line)["object"]["metadata"]["name"]
            for line in body.decode().splitlines()] == ["h1", "h2"]


def test_garbage_list_body(make_server, api_client):
    server = make_server()
    server.control("garbage", {"lists": 1})
    status, headers, body = server.request("GET", "/api/v1/nodes")
    assert status == 200 and headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        json.loads(body)
    assert len(client.CoreV1Api(api_client(server)).list_node().items) == 3  # one only


def test_exact_list_at_an_older_version(make_server):
    server = make_server()
    before = server.rv()
    server.apply(new_service("later"))
    doc = server.get_json(f"/api/v1/services?resourceVersion={before}&resourceVersionMatch=Exact")
    assert doc["metadata"]["resourceVersion"] == before
    assert "later" not in [i["metadata"]["name"] for i in doc["items"]]
    server.control("compact")
    status, _, _ = server.request(
        "GET", f"/api/v1/services?resourceVersion={before}&resourceVersionMatch=Exact")
    assert status == 410


def test_empty_token_set_still_requires_credentials(make_server):
    server = make_server(client_ca=False)
    server.control("tokens", {"tokens": []})
    status, _, _ = server.request("GET", "/api/v1/nodes", token=None)
    assert status == 401


def test_plain_http_without_auth(make_server):
    server = make_server(tls=False, tokens=())
    assert server.url.startswith("http://127.0.0.1:")
    doc = server.get_json("/api/v1/namespaces/shop/services/gateway", token=None)
    assert doc["kind"] == "Service" and doc["metadata"]["namespace"] == "shop"


def test_state_out_on_sigterm_then_state_in(make_server, tmp_path):
    state_file = tmp_path / "state-out.json"
    first = make_server(extra_args=["--state-out", str(state_file)])
    first.apply(new_service("saved"))
    old_rv = int(first.rv()) - 1
    last_rv = first.rv()
    first.stop()  # SIGTERM
    state = json.loads(state_file.read_text())
    assert state["resourceVersion"] == last_rv
    second = make_server(objects=[], extra_args=["--state-in", str(state_file)])
    assert second.rv() == last_rv
    saved = second.get_json("/api/v1/namespaces/shop/services/saved")
    assert saved["metadata"]["resourceVersion"] == last_rv
    status, _, _ = second.request("GET", f"/api/v1/services?watch=1&resourceVersion={old_rv}")
    assert status == 410


def test_make_certs_extra_ip_in_server_cert(tmp_path):
    subprocess.run(["bash", str(FAKE_DIR / "make-certs.sh"), str(tmp_path), "192.0.2.7"],
                   check=True, capture_output=True, timeout=60)
    out = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "server.crt"), "-noout",
                          "-ext", "subjectAltName"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    for want in ("DNS:localhost", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1",
                 "IP Address:192.0.2.7"):
        assert want in out
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "other-ca.crt"),
                             str(tmp_path / "server.crt")], capture_output=True, timeout=30)
    assert verify.returncode != 0  # the unrelated CA really is unrelated


def test_error_before_body_keeps_connection_usable(shared_server):
    """An early 401 on a POST must not leave its body on the kept-alive connection."""
    conn = http.client.HTTPSConnection("127.0.0.1", shared_server.port, timeout=10,
                                       context=shared_server.ssl)
    try:
        body = json.dumps(new_service("never-created"))
        conn.request("POST", "/api/v1/namespaces/shop/services", body=body,
                     headers={"Content-Type": "application/json"})
        first = conn.getresponse()
        first.read()
        assert first.status == 401
        conn.request("GET", "/api/v1/nodes", headers={"Authorization": f"Bearer {TOKEN}"})
        second = conn.getresponse()
        assert second.status == 200
        assert json.loads(second.read())["kind"] == "NodeList"
    finally:
        conn.close()


def test_chunked_request_body(make_server):
    server = make_server()
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=10, context=server.ssl)
    try:
        chunks = iter([json.dumps(new_service("chunky")).encode()])
        conn.request("POST", "/api/v1/namespaces/shop/services", body=chunks,
                     headers={"Content-Type": "application/json",
                              "Authorization": f"Bearer {TOKEN}"}, encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 201, resp.read()
        assert json.loads(resp.read())["metadata"]["name"] == "chunky"
    finally:
        conn.close()


def test_old_versions_are_forgotten_but_recent_ones_kept(make_server):
    server = make_server(extra_args=["--history", "3"])
    for i in range(10):  # 10 versions of one Service: the fake prunes what the history lost
        server.apply(new_service("churn", labels={"app": "churn", "round": str(i)}))
    last = int(server.rv())
    for back, round_ in ((0, "9"), (2, "7")):
        doc = server.get_json(f"/api/v1/namespaces/shop/services?resourceVersion={last - back}"
                              "&resourceVersionMatch=Exact&fieldSelector=metadata.name=churn")
        assert [i["metadata"]["labels"]["round"] for i in doc["items"]] == [round_]
    status, _, _ = server.request("GET", f"/api/v1/namespaces/shop/services?resourceVersion="
                                         f"{last - 5}&resourceVersionMatch=Exact")
    assert status == 410


def test_paging_across_namespaces_that_share_a_prefix(make_server, api_client):
    server = make_server()
    # "shop-eu" and "shop.x" sort before "shop" as "ns/name" strings; paging must not care.
    server.apply(new_service("a", namespace="shop-eu"), new_service("z", namespace="shop.x"),
                 new_service("m", namespace="shop0"))
    core = client.CoreV1Api(api_client(server))
    seen, token = [], None
    for _ in range(20):
        page = core.list_service_for_all_namespaces(limit=1, _continue=token)
        seen += [(s.metadata.namespace, s.metadata.name) for s in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert len(seen) == len(set(seen)) == len(SERVICE_NAMES) + 3
    assert seen == sorted(seen)
