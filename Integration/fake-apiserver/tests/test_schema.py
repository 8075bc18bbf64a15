"""Every object the fake serves is a valid Kubernetes object: it validates against the
Kubernetes JSON schema (kubernetes-validate, strict) of kubectl's minor version, and the
official Python client's typed models take it without losing a field."""

from __future__ import annotations

import copy
import json
from datetime import datetime
import subprocess

import pytest
import kubernetes_validate
from kubernetes_validate.utils import all_versions
from kubernetes import client

from conftest import all_sample_items, kubectl_path

LISTS = {
    "/api/v1/services": ("ServiceList", "V1ServiceList", "V1Service"),
    "/apis/discovery.k8s.io/v1/endpointslices": ("EndpointSliceList", "V1EndpointSliceList",
                                                 "V1EndpointSlice"),
    "/api/v1/nodes": ("NodeList", "V1NodeList", "V1Node"),
    "/api/v1/namespaces": ("NamespaceList", "V1NamespaceList", "V1Namespace"),
}
MODEL_OF_KIND = {"Service": "V1Service", "EndpointSlice": "V1EndpointSlice", "Node": "V1Node",
                 "Namespace": "V1Namespace"}


@pytest.fixture(scope="module")
def schema_version():
    """The schema version nearest to kubectl's own (the newest not newer than it)."""
    out = subprocess.run([kubectl_path(), "version", "--client", "-o", "json"],
                         capture_output=True, text=True, timeout=30, check=True)
    info = json.loads(out.stdout)["clientVersion"]
    wanted = (int(info["major"]), int(info["minor"].rstrip("+")))
    versions = sorted({tuple(int(p) for p in v.split(".")[:2]) for v in all_versions()})
    candidates = [v for v in versions if v <= wanted] or versions
    chosen = candidates[-1]
    return f"{chosen[0]}.{chosen[1]}"


def normalise_times(value):
    """The client turns RFC 3339 timestamps into datetimes and writes them back in
    isoformat ("+00:00" for "Z"): compare those as instants, everything else as it is."""
    if isinstance(value, dict):
        return {k: normalise_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_times(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T":
        return datetime.fromisoformat(value)
    return value


def validate(obj, version):
    return kubernetes_validate.validate(obj, version, strict=True)


def served_objects(server):
    """Every object in every list the fake serves, with kind/apiVersion put back on items
    the way clients do (the real server leaves them off list items, and so does the fake)."""
    out = []
    for path, (list_kind, _, _) in LISTS.items():
        doc = server.get_json(path)
        assert doc["kind"] == list_kind
        item_kind = list_kind[: -len("List")]
        for item in doc["items"]:
            assert "kind" not in item and "apiVersion" not in item
            out.append({"kind": item_kind, "apiVersion": doc["apiVersion"], **item})
    return out


def object_id(obj):
    meta = obj["metadata"]
    return f'{obj["kind"]}/{meta.get("namespace", "-")}/{meta["name"]}'


SAMPLES = all_sample_items()


def test_schema_version_matches_kubectl(schema_version):
    assert schema_version == "1.37"


@pytest.mark.parametrize("obj", SAMPLES, ids=[object_id(o) for o in SAMPLES])
def test_sample_validates(obj, schema_version):
    assert validate(obj, schema_version) == schema_version


def test_the_samples_cover_what_the_agent_reads():
    services = [o for o in SAMPLES if o["kind"] == "Service"]
    types = {o["spec"]["type"] for o in services}
    assert types == {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"}
    assert any(o["spec"].get("clusterIP") == "None" for o in services)  # headless
    ingress = [i for o in services for i in o["status"].get("loadBalancer", {}).get("ingress", [])]
    assert {i.get("ipMode") for i in ingress} >= {"VIP", "Proxy"}
    endpoints = [e for o in SAMPLES if o["kind"] == "EndpointSlice" for e in o["endpoints"]]
    assert all("conditions" in e and "zone" in e and "nodeName" in e for e in endpoints)
    assert any("hints" in e for e in endpoints)
    nodes = [o for o in SAMPLES if o["kind"] == "Node"]
    assert all("topology.kubernetes.io/zone" in n["metadata"]["labels"] and n["spec"]["podCIDRs"]
               and n["status"]["addresses"] for n in nodes)


def test_strict_validation_is_not_vacuous(schema_version):
    """A misspelt field and a wrongly typed one are rejected: the check can fail."""
    service = copy.deepcopy(next(o for o in SAMPLES if o["kind"] == "Service"))
    service["spec"]["clusterIp"] = "10.0.0.1"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(service, schema_version)
    node = copy.deepcopy(next(o for o in SAMPLES if o["kind"] == "Node"))
    node["spec"]["podCIDRs"] = "10.244.1.0/24"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(node, schema_version)


def test_served_objects_validate(shared_server, schema_version):
    objs = served_objects(shared_server)
    assert len(objs) == len(SAMPLES)
    for obj in objs:
        validate(obj, schema_version)
        # Served exactly as loaded, plus the server-set metadata.
        assert {"resourceVersion", "uid", "creationTimestamp"} <= set(obj["metadata"])


def test_served_lists_validate(shared_server, schema_version):
    for path, (list_kind, _, _) in LISTS.items():
        doc = shared_server.get_json(path + "?limit=1")
        assert doc["metadata"]["continue"] and doc["metadata"]["remainingItemCount"] >= 0
        validate(doc, schema_version)


def test_watch_events_validate(shared_server, schema_version):
    for path in LISTS:
        status, _, body = shared_server.request(
            "GET", path + "?watch=1&resourceVersion=0&timeoutSeconds=1")
        assert status == 200
        events = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        assert events and all(e["type"] == "ADDED" for e in events)
        for event in events:
            validate(event["object"], schema_version)


def test_error_status_is_a_v1_status(shared_server):
    # kubernetes-validate has no schema for Status (not a resource): the client's model it is.
    status, _, body = shared_server.request("GET", "/api/v1/namespaces/default/services/nope")
    assert status == 404
    doc = json.loads(body)
    api = client.ApiClient()
    model = api._ApiClient__deserialize(copy.deepcopy(doc), "V1Status")
    assert api.sanitize_for_serialization(model) == doc
    assert (model.kind, model.api_version, model.status, model.code, model.reason) == (
        "Status", "v1", "Failure", 404, "NotFound")


def test_python_models_keep_every_field(shared_server):
    """Deserialise into the client's typed models and serialise back: nothing is lost, so
    every field name and shape the fake serves is one the client knows."""
    api = client.ApiClient()
    for obj in served_objects(shared_server):
        model = api._ApiClient__deserialize(copy.deepcopy(obj), MODEL_OF_KIND[obj["kind"]])
        assert type(model).__name__ == MODEL_OF_KIND[obj["kind"]]
        back = api.sanitize_for_serialization(model)
        assert normalise_times(back) == normalise_times(obj), object_id(obj)


def test_python_list_models(shared_server):
    api = client.ApiClient()
    for path, (_, list_model, item_model) in LISTS.items():
        doc = shared_server.get_json(path)
        model = api._ApiClient__deserialize(doc, list_model)
        assert type(model).__name__ == list_model
        assert model.metadata.resource_version == doc["metadata"]["resourceVersion"]
        assert [type(i).__name__ for i in model.items] == [item_model] * len(doc["items"])
