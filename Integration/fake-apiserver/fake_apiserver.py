#!/usr/bin/env python3
"""A fake Kubernetes API server for ipvsctl-swift's tests. It is a stand-in, not a kube-apiserver.

What it does
------------
It serves, over HTTP/1.1 or HTTPS, the small part of the Kubernetes API that the node agent
reads: Services, discovery.k8s.io/v1 EndpointSlices, Nodes (and Namespaces), with the
semantics clients depend on:

* list (with ``labelSelector``, ``fieldSelector``, ``limit``/``continue`` paging over a
  consistent snapshot, ``resourceVersion``/``resourceVersionMatch``), get, create (POST),
  replace (PUT), delete (DELETE) and patch (merge patch; strategic merge patch treated as a
  merge patch; JSON patch with add/remove/replace/test);
* watch (``watch=1``/``watch=true``) from a ``resourceVersion`` out of a bounded event history,
  with ``410 Gone`` (as an HTTP status or as an in-stream ERROR event, per a switch) for a
  version older than the history, ``allowWatchBookmarks``, ``sendInitialEvents``,
  ``timeoutSeconds``; one JSON event per line in chunked transfer encoding;
* discovery (``/version``, ``/api``, ``/apis``, group versions), plain and aggregated (v2);
* bearer tokens (a set that can be changed at run time: rotation) and client certificates
  verified against a CA;
* a control API under ``/_fake/`` for tests: apply and delete objects (which makes watch
  events), compact the history, inject faults, count requests, dump the state.

What it does not do
-------------------
No etcd, no admission, no defaulting (objects are served exactly as loaded: give it
objects shaped like a real server's answers), no validation beyond names and kinds, no
authorization (any authenticated caller may do anything), no protobuf, no Table output,
no server-side apply, no OpenAPI documents (404), no subresources, no finalizers or
graceful deletion, no ``resourceVersion`` "too large" waiting. ``resourceVersion`` is a
global counter written as a decimal string; clients must treat it as opaque anyway.

Run ``fake_apiserver.py --help`` for the command line, and ``fake_apiserver.py kubeconfig
--help`` to write a kubeconfig for a running fake. README.md beside this file describes the
control API.
"""

from __future__ import annotations

import argparse
import base64
import collections
import copy
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# ---------------------------------------------------------------------------------------------
# Resource catalogue: what is served, and how it is described in discovery.
# ---------------------------------------------------------------------------------------------

VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


class Resource:
    def __init__(self, plural, kind, group, version, namespaced, short_names, singular,
                 categories=()):
        self.plural, self.kind, self.group, self.version = plural, kind, group, version
        self.namespaced, self.short_names, self.singular = namespaced, short_names, singular
        self.categories = list(categories)

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version


RESOURCES = {
    r.plural: r for r in [
        Resource("services", "Service", "", "v1", True, ["svc"], "service", ["all"]),
        Resource("nodes", "Node", "", "v1", False, ["no"], "node"),
        Resource("namespaces", "Namespace", "", "v1", False, ["ns"], "namespace"),
        Resource("endpointslices", "EndpointSlice", "discovery.k8s.io", "v1", True, [],
                 "endpointslice"),
    ]
}
KIND_TO_RESOURCE = {r.kind: r for r in RESOURCES.values()}

# Field selectors the real server accepts for these resources (besides metadata.*).
EXTRA_FIELDS = {"services": {"spec.clusterIP", "spec.type"}, "nodes": {"spec.unschedulable"}}

SERVER_VERSION = {
    "major": "1", "minor": "37", "gitVersion": "v1.37.0-fake", "gitCommit": "fake",
    "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go-fake",
    "compiler": "gc", "platform": "linux/amd64",
}

AGGREGATED_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def now_rfc3339():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiError(Exception):
    """An error answered as a Kubernetes Status object."""

    REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
               405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict", 410: "Expired",
               415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests",
               500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}

    def __init__(self, code, message, reason=None, details=None, continue_token=None):
        super().__init__(message)
        self.code, self.message = code, message
        self.reason = reason or self.REASONS.get(code, "Unknown")
        self.details, self.continue_token = details, continue_token

    def status(self):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            body["details"] = self.details
        if self.continue_token:
            body["metadata"]["continue"] = self.continue_token
        return body


def gone(message):
    return ApiError(410, message, reason="Expired")


# ---------------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------------

def split_top_level(text):
    """Split on commas that are not inside parentheses ("a in (x,y),b" -> two terms)."""
    terms, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    terms.append(current)
    return [t.strip() for t in terms if t.strip()]


def parse_label_selector(text):
    """Return a predicate over a labels dict; raise ApiError 400 when the selector is bad."""
    preds = []
    for term in split_top_level(text or ""):
        preds.append(parse_label_term(term))
    return lambda labels: all(p(labels or {}) for p in preds)


def parse_label_term(term):
    def bad():
        return ApiError(400, f"unable to parse requirement: invalid label selector: {term!r}")

    for word, negate in ((" notin ", True), (" in ", False)):
        if word in term:
            key, _, rest = term.partition(word)
            key, rest = key.strip(), rest.strip()
            if not (rest.startswith("(") and rest.endswith(")")) or not key:
                raise bad()
            values = {v.strip() for v in rest[1:-1].split(",") if v.strip()}
            if negate:
                return lambda l, k=key, vs=values: l.get(k) not in vs
            return lambda l, k=key, vs=values: k in l and l[k] in vs
    for op in ("!=", "==", "="):
        if op in term:
            key, _, value = term.partition(op)
            key, value = key.strip(), value.strip()
            if not key or any(c in key + value for c in "()! "):
                raise bad()
            if op == "!=":
                return lambda l, k=key, v=value: l.get(k) != v
            return lambda l, k=key, v=value: l.get(k) == v
    if term.startswith("!"):
        key = term[1:].strip()
        if not key or " " in key:
            raise bad()
        return lambda l, k=key: k not in l
    if " " in term or "(" in term:
        raise bad()
    return lambda l, k=term: k in l


def field_value(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return "false" if path == "spec.unschedulable" else ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def parse_field_selector(text, resource):
    allowed = {"metadata.name", "metadata.namespace"} | EXTRA_FIELDS.get(resource.plural, set())
    preds = []
    for term in split_top_level(text or ""):
        for op in ("!=", "==", "="):
            if op in term:
                field, _, value = term.partition(op)
                field, value = field.strip(), value.strip()
                break
        else:
            raise ApiError(400, f"invalid field selector: {term!r}")
        if field not in allowed:
            raise ApiError(400, f'field label not supported: {field}')
        if op == "!=":
            preds.append(lambda o, f=field, v=value: field_value(o, f) != v)
        else:
            preds.append(lambda o, f=field, v=value: field_value(o, f) == v)
    return lambda obj: all(p(obj) for p in preds)


# ---------------------------------------------------------------------------------------------
# Patches
# ---------------------------------------------------------------------------------------------

def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target, ops):
    """RFC 6902 JSON patch, the add/remove/replace/test operations only."""
    doc = copy.deepcopy(target)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1]
        kind = op["op"]
        if isinstance(parent, list):
            index = len(parent) if last == "-" else int(last)
            if kind == "add":
                parent.insert(index, op["value"])
            elif kind == "remove":
                parent.pop(index)
            elif kind == "replace":
                parent[index] = op["value"]
            elif kind == "test" and parent[index] != op["value"]:
                raise ApiError(422, f"test operation failed at {op['path']}")
        else:
            if kind in ("add", "replace"):
                if kind == "replace" and last not in parent:
                    raise ApiError(422, f"replace operation does not apply: {op['path']}")
                parent[last] = op["value"]
            elif kind == "remove":
                if last not in parent:
                    raise ApiError(422, f"remove operation does not apply: {op['path']}")
                del parent[last]
            elif kind == "test" and parent.get(last) != op["value"]:
                raise ApiError(422, f"test operation failed at {op['path']}")
        if kind not in ("add", "remove", "replace", "test"):
            raise ApiError(422, f"unsupported JSON patch operation {kind!r}")
    return doc


# ---------------------------------------------------------------------------------------------
# The store: every version of every object since the history's floor, and the event history.
# ---------------------------------------------------------------------------------------------

class Event:
    __slots__ = ("rv", "type", "resource", "obj", "old")

    def __init__(self, rv, type_, resource, obj, old):
        self.rv, self.type, self.resource, self.obj, self.old = rv, type_, resource, obj, old


class Store:
    """Objects keyed by (resource plural, namespace, name), versioned by resourceVersion.

    ``floor`` is the oldest resourceVersion the store can still answer for: a watch or a
    continue token or an exact list from before it is 410 Gone. Compaction and the bounded
    history move it up.
    """

    def __init__(self, history_size=1000, start_rv=0):
        self.lock = threading.Condition()
        self.rv = start_rv
        self.floor = start_rv
        self.versions = {}  # key -> list of (rv, obj or None for deleted), oldest first
        self.history = collections.deque()
        self.history_size = history_size
        self.pruned_to = start_rv  # the floor when versions were last pruned

    # -- reading ---------------------------------------------------------------------------

    def current(self, key):
        versions = self.versions.get(key)
        return versions[-1][1] if versions else None

    def snapshot(self, resource, rv):
        """Objects of a resource as they were at ``rv``, sorted by namespace/name like etcd."""
        out = []
        for key in sorted(k for k in self.versions if k[0] == resource):
            obj = None
            for vrv, vobj in self.versions[key]:
                if vrv <= rv:
                    obj = vobj
                else:
                    break
            if obj is not None:
                out.append(obj)
        return out

    # -- writing (callers hold the lock) ---------------------------------------------------

    def put(self, obj, rv=None):
        """Store ``obj`` (a new version), stamping its metadata; returns (event type, obj)."""
        res = KIND_TO_RESOURCE[obj["kind"]]
        meta = obj.setdefault("metadata", {})
        if res.namespaced:
            meta.setdefault("namespace", "default")
        else:
            meta.pop("namespace", None)
        key = (res.plural, meta.get("namespace", ""), meta["name"])
        old = self.current(key)
        if old is not None:
            meta["uid"] = old["metadata"]["uid"]
            meta["creationTimestamp"] = old["metadata"]["creationTimestamp"]
            if "generation" in old["metadata"]:
                spec_changed = old.get("spec") != obj.get("spec")
                meta["generation"] = old["metadata"]["generation"] + (1 if spec_changed else 0)
        else:
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", now_rfc3339())
        if rv is None:
            self.rv += 1
            rv = self.rv
        meta["resourceVersion"] = str(rv)
        self.versions.setdefault(key, []).append((rv, obj))
        etype = "ADDED" if old is None else "MODIFIED"
        self._record(Event(rv, etype, res.plural, obj, old))
        return etype, obj

    def delete(self, key):
        old = self.current(key)
        if old is None:
            return None
        self.rv += 1
        gone_obj = copy.deepcopy(old)
        gone_obj["metadata"]["resourceVersion"] = str(self.rv)
        self.versions[key].append((self.rv, None))
        self._record(Event(self.rv, "DELETED", key[0], gone_obj, old))
        return gone_obj

    def _record(self, event):
        self.history.append(event)
        while len(self.history) > self.history_size:
            dropped = self.history.popleft()
            self.floor = max(self.floor, dropped.rv)
            if self.floor - self.pruned_to >= self.history_size:  # now and then, not each time
                self._prune()
        self.lock.notify_all()

    def compact(self):
        """Forget the history: a watch, continue token or exact list from before now is Gone."""
        self.floor = self.rv
        self.history.clear()
        self._prune()
        self.lock.notify_all()

    def _prune(self):
        """Drop the versions nothing can ask for any more: per key, all but the newest one
        at or below the floor, and keys deleted at or below it."""
        for key, versions in list(self.versions.items()):
            older = [v for v in versions if v[0] <= self.floor]
            kept = older[-1:] + [v for v in versions if v[0] > self.floor]
            if kept and kept[0][1] is None and kept[0][0] <= self.floor:
                kept = kept[1:]
            if kept:
                self.versions[key] = kept
            else:
                del self.versions[key]
        self.pruned_to = self.floor

    def events_after(self, rv):
        return [e for e in self.history if e.rv > rv]


# ---------------------------------------------------------------------------------------------
# Faults and counters, shared by every request thread.
# ---------------------------------------------------------------------------------------------

class Faults:
    def __init__(self, gone_mode="http"):
        self.gone_mode = gone_mode          # "http": HTTP 410; "event": 200 + ERROR event
        self.expire_continue = False        # continue tokens answered with 410
        self.drop_after_events = 0          # close each watch abruptly after N events (0: off)
        self.slow = 0.0                     # seconds to delay every API answer
        self.garbage_lists = 0              # next N list answers are not JSON
        self.error_code = 0                 # next error_count API requests get this status
        self.error_count = 0
        self.aggregated_discovery = True    # off: always answer discovery as plain JSON

    def update(self, body):
        if "gone-mode" in body:
            if body["gone-mode"] not in ("http", "event"):
                raise ApiError(400, "gone-mode must be http or event")
            self.gone_mode = body["gone-mode"]
        if "expire-continue" in body:
            self.expire_continue = bool(body["expire-continue"])
        if "drop-after-events" in body:
            self.drop_after_events = int(body["drop-after-events"] or 0)
        if "slow" in body:
            self.slow = float(body["slow"] or 0)
        if "garbage-lists" in body:
            self.garbage_lists = int(body["garbage-lists"] or 0)
        if "error-status" in body:
            spec = body["error-status"] or {}
            self.error_code = int(spec.get("code", 0))
            self.error_count = int(spec.get("count", 1)) if self.error_code else 0
        if "aggregated-discovery" in body:
            self.aggregated_discovery = bool(body["aggregated-discovery"])

    def describe(self):
        return {"gone-mode": self.gone_mode, "expire-continue": self.expire_continue,
                "drop-after-events": self.drop_after_events, "slow": self.slow,
                "garbage-lists": self.garbage_lists,
                "error-status": {"code": self.error_code, "count": self.error_count},
                "aggregated-discovery": self.aggregated_discovery}


class Watcher:
    """One open watch: the handler thread serves it; control actions poke it through here."""

    def __init__(self, handler):
        self.handler = handler
        self.drop = False
        self.bookmark = False
        self.garbage = False


class Fake:
    """Everything the request handlers share."""

    def __init__(self, args):
        self.args = args
        self.store = Store(history_size=args.history)
        self.faults = Faults(gone_mode=args.gone_mode)
        self.tokens = set(args.token or [])
        for path in args.token_file or []:
            with open(path) as f:
                self.tokens.update(line.strip() for line in f if line.strip())
        self.auth_required = bool(self.tokens) or bool(args.client_ca)
        self.watchers = set()
        self.counts = collections.defaultdict(lambda: collections.defaultdict(int))
        self.counts_lock = threading.Lock()

    def count(self, verb, resource):
        with self.counts_lock:
            self.counts[verb][resource] += 1

    def load_objects(self, path):
        with open(path) as f:
            doc = json.load(f)
        items = doc.get("items", []) if isinstance(doc, dict) else doc
        with self.store.lock:
            for obj in items:
                check_object(obj)
                self.store.put(copy.deepcopy(obj))

    def load_state(self, path):
        """A state dumped by GET /_fake/state: objects keep their resourceVersions, the counter
        goes on from where it was, and the history starts empty (older versions are Gone)."""
        with open(path) as f:
            doc = json.load(f)
        with self.store.lock:
            for obj in doc["items"]:
                check_object(obj)
                self.store.put(obj, rv=int(obj["metadata"]["resourceVersion"]))
            self.store.rv = max(self.store.rv, int(doc["resourceVersion"]))
            self.store.compact()

    def state(self):
        with self.store.lock:
            items = [v[-1][1] for k, v in sorted(self.store.versions.items()) if v[-1][1]]
            return {"resourceVersion": str(self.store.rv), "items": copy.deepcopy(items)}


def check_object(obj):
    if not isinstance(obj, dict) or obj.get("kind") not in KIND_TO_RESOURCE:
        raise ApiError(400, f"unsupported object kind: {obj.get('kind') if isinstance(obj, dict) else obj!r}")
    res = KIND_TO_RESOURCE[obj["kind"]]
    if obj.get("apiVersion") != res.api_version:
        raise ApiError(400, f"{obj['kind']} must have apiVersion {res.api_version}")
    if not obj.get("metadata", {}).get("name"):
        raise ApiError(422, "metadata.name: Required value: name is required")


# ---------------------------------------------------------------------------------------------
# Discovery documents
# ---------------------------------------------------------------------------------------------

def api_resource_list(group_version):
    resources = []
    for r in RESOURCES.values():
        if r.api_version != group_version:
            continue
        entry = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                 "kind": r.kind, "verbs": VERBS, "storageVersionHash": "fake"}
        if r.short_names:
            entry["shortNames"] = r.short_names
        if r.categories:
            entry["categories"] = r.categories
        resources.append(entry)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": resources}


def api_group(name):
    gv = {"groupVersion": f"{name}/v1", "version": "v1"}
    return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": [gv],
            "preferredVersion": gv}


def aggregated_group(group):
    resources = []
    for r in RESOURCES.values():
        if r.group != group:
            continue
        entry = {"resource": r.plural, "singularResource": r.singular,
                 "scope": "Namespaced" if r.namespaced else "Cluster",
                 "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                 "verbs": VERBS}
        if r.short_names:
            entry["shortNames"] = r.short_names
        if r.categories:
            entry["categories"] = r.categories
        resources.append(entry)
    item = {"metadata": {"creationTimestamp": None},
            "versions": [{"version": "v1", "resources": resources, "freshness": "Current"}]}
    if group:
        item["metadata"]["name"] = group
    return item


def aggregated_list(groups):
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {}, "items": [aggregated_group(g) for g in groups]}


# ---------------------------------------------------------------------------------------------
# Continue tokens: opaque to clients, they carry the list's snapshot and where to go on.
# ---------------------------------------------------------------------------------------------

def encode_continue(rv, start_key):
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(start_key)})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token):
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = json.loads(raw)
        namespace, name = doc["start"]
        return int(doc["rv"]), (str(namespace), str(name))
    except Exception:
        raise ApiError(400, "continue key is not valid: illegal base64 data or JSON")


def int_param(query, name):
    """A non-negative integer query parameter (0 when absent); 400 when it is not one."""
    text = query.get(name) or "0"
    if not text.isdigit():
        raise ApiError(400, f"{name}: invalid value {text!r}: must be a non-negative integer")
    return int(text)


def object_key(obj):
    """(namespace, name): the order lists are served in, and where a continue token resumes.
    A tuple, not "ns/name": "shop-eu/a" sorts before "shop/b" as a string."""
    meta = obj["metadata"]
    return (meta.get("namespace", ""), meta["name"])


# ---------------------------------------------------------------------------------------------
# The HTTP handler
# ---------------------------------------------------------------------------------------------

class DroppedWatch(Exception):
    """Raised to close a watch abruptly (no terminating chunk), as a crashed server would."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-apiserver"
    fake: Fake = None  # set on the class by serve()

    # -- plumbing --------------------------------------------------------------------------

    def log_message(self, fmt, *args):  # the default is too chatty, and we log in finish_request
        pass

    def log_request_line(self, status, started):
        if not self.fake.args.quiet:
            ms = (time.monotonic() - started) * 1000
            sys.stderr.write(f"{self.command} {self.path} {status} {ms:.0f}ms\n")

    def send_json(self, code, body, content_type="application/json"):
        data = json.dumps(body, separators=(",", ":")).encode() if not isinstance(body, bytes) else body
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self._status = code

    def receive_body(self):
        """Read the whole request body first, so that an early error answer never leaves
        part of it on a kept-alive connection to be misread as the next request."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def read_body(self):
        if not self._body:
            return None
        try:
            return json.loads(self._body)
        except ValueError:
            raise ApiError(400, "the request body is not JSON")

    def dispatch(self):
        """Every method comes here: ApiErrors become Status bodies, and each request is logged."""
        started = time.monotonic()
        self._status = 0
        self._body = self.receive_body()
        try:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            path = url.path.rstrip("/") or "/"
            if path.startswith("/_fake"):
                self.control(path, query)
            else:
                self.authenticate()
                if self.fake.faults.slow:
                    time.sleep(self.fake.faults.slow)
                self.api(path, query)
        except ApiError as e:
            self.send_json(e.code, e.status())
        except DroppedWatch:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception as e:  # a bug in the fake: say so loudly, but answer like a server
            traceback.print_exc()
            self.close_connection = True
            if not self._status:  # nothing sent yet
                self.send_json(500, ApiError(500, f"fake-apiserver bug: {e!r}").status())
        finally:
            self.log_request_line(self._status, started)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = dispatch

    # -- authentication ----------------------------------------------------------------------

    def authenticate(self):
        if not self.fake.auth_required:
            return
        if self.fake.args.client_ca and isinstance(self.connection, ssl.SSLSocket):
            if self.connection.getpeercert():  # only a cert verified against --client-ca shows
                return
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and auth[7:].strip() in self.fake.tokens:
            return
        raise ApiError(401, "Unauthorized")

    # -- the Kubernetes API ----------------------------------------------------------------

    def api(self, path, query):
        parts = [p for p in path.split("/") if p]
        if path == "/version":
            return self.send_json(200, SERVER_VERSION)
        if path in ("/healthz", "/readyz", "/livez"):
            return self.send_json(200, b"ok", content_type="text/plain")
        if path == "/api":
            if self.wants_aggregated():
                return self.send_json(200, aggregated_list([""]), AGGREGATED_TYPE)
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [
                                            {"clientCIDR": "0.0.0.0/0",
                                             "serverAddress": self.server_address_text()}]})
        if path == "/apis":
            if self.wants_aggregated():
                return self.send_json(200, aggregated_list(["discovery.k8s.io"]), AGGREGATED_TYPE)
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                        "groups": [api_group("discovery.k8s.io")]})
        if path == "/apis/discovery.k8s.io":
            return self.send_json(200, api_group("discovery.k8s.io"))
        if path == "/api/v1":
            return self.send_json(200, api_resource_list("v1"))
        if path == "/apis/discovery.k8s.io/v1":
            return self.send_json(200, api_resource_list("discovery.k8s.io/v1"))
        route = self.route(parts)
        if route is None:
            raise ApiError(404, "the server could not find the requested resource",
                           details={})
        res, namespace, name = route
        self.maybe_inject_error()
        self.serve_resource(res, namespace, name, query)

    def server_address_text(self):
        host, port = self.server.server_address[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def wants_aggregated(self):
        """True when the Accept header lists aggregated discovery v2 (kubectl's does, ahead
        of plain JSON); a client that does not ask gets the plain documents."""
        if not self.fake.faults.aggregated_discovery:
            return False
        for media in (self.headers.get("Accept") or "").split(","):
            params = dict(p.strip().partition("=")[::2] for p in media.split(";")[1:])
            if (params.get("g"), params.get("v"), params.get("as")) == (
                    "apidiscovery.k8s.io", "v2", "APIGroupDiscoveryList"):
                return True
        return False

    def route(self, parts):
        """Map a path to (Resource, namespace or None, name or None), or None if not ours."""
        if parts[:2] == ["api", "v1"]:
            rest, prefix = parts[2:], "v1"
        elif parts[:3] == ["apis", "discovery.k8s.io", "v1"]:
            rest, prefix = parts[3:], "discovery.k8s.io/v1"
        else:
            return None
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 2:
            return None
        res = RESOURCES.get(rest[0])
        if res is None or res.api_version != prefix:
            return None
        if namespace is not None and not res.namespaced:
            return None
        if namespace is None and res.namespaced and len(rest) == 2:
            return None  # one namespaced object is only ever addressed under its namespace
        return res, namespace, (rest[1] if len(rest) == 2 else None)

    def maybe_inject_error(self):
        faults = self.fake.faults
        with self.fake.store.lock:
            if faults.error_count <= 0:
                return
            faults.error_count -= 1
            code = faults.error_code
        raise ApiError(code, f"injected fault: HTTP {code}")

    def serve_resource(self, res, namespace, name, query):
        method = self.command
        if method in ("GET", "HEAD"):
            if query.get("watch", "").lower() in ("1", "true"):
                return self.watch(res, namespace, query, name)
            if name is None:
                return self.list(res, namespace, query)
            return self.get(res, namespace, name)
        if method == "POST" and name is None and (namespace or not res.namespaced):
            return self.create(res, namespace, self.read_body())
        if method == "PUT" and name is not None:
            return self.replace(res, namespace, name, self.read_body())
        if method == "PATCH" and name is not None:
            return self.patch(res, namespace, name)
        if method == "DELETE" and name is not None:
            return self.remove(res, namespace, name)
        raise ApiError(405, f"the server does not allow this method on the requested resource")

    def key(self, res, namespace, name):
        return (res.plural, (namespace or "default") if res.namespaced else "", name)

    def not_found(self, res, name):
        return ApiError(404, f'{res.plural}{"." + res.group if res.group else ""} "{name}" not found',
                        details={"name": name, "group": res.group, "kind": res.plural})

    # -- reads -----------------------------------------------------------------------------

    def get(self, res, namespace, name):
        self.fake.count("get", res.plural)
        with self.fake.store.lock:
            obj = self.fake.store.current(self.key(res, namespace, name))
            if obj is None:
                raise self.not_found(res, name)
            body = json.dumps(obj).encode()
        self.send_json(200, body)

    def selectors(self, res, query):
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(query.get("fieldSelector", ""), res)
        return lambda obj, ns: ((ns is None or obj["metadata"].get("namespace") == ns)
                                and labels(obj["metadata"].get("labels")) and fields(obj))

    def list(self, res, namespace, query):
        self.fake.count("list", res.plural)
        matches = self.selectors(res, query)
        limit = int_param(query, "limit")
        token = query.get("continue", "")
        store = self.fake.store
        with store.lock:
            if self.fake.faults.garbage_lists > 0:
                self.fake.faults.garbage_lists -= 1
                return self.send_json(200, b"<html>this is not JSON</html>\n")
            snapshot_rv, start = self.list_snapshot(query, token)
            items = [o for o in store.snapshot(res.plural, snapshot_rv) if matches(o, namespace)]
            if start is not None:
                items = [o for o in items if object_key(o) > start]
            page, rest = (items[:limit], items[limit:]) if limit > 0 else (items, [])
            metadata = {"resourceVersion": str(snapshot_rv)}
            if rest:
                metadata["continue"] = encode_continue(snapshot_rv, object_key(page[-1]))
                # The real server only counts what remains when no selector is used.
                if not query.get("labelSelector") and not query.get("fieldSelector"):
                    metadata["remainingItemCount"] = len(rest)
            # Like the real server, items in a list carry no kind/apiVersion of their own.
            items_out = []
            for obj in page:
                item = dict(obj)
                item.pop("kind", None)
                item.pop("apiVersion", None)
                items_out.append(item)
            body = {"kind": res.kind + "List", "apiVersion": res.api_version,
                    "metadata": metadata, "items": items_out}
            data = json.dumps(body).encode()
        self.send_json(200, data)

    def list_snapshot(self, query, token):
        """Which resourceVersion a list is served at, and the key to continue after."""
        store = self.fake.store
        if token:
            rv, start = decode_continue(token)
            if self.fake.faults.expire_continue or rv < store.floor:
                raise ApiError(
                    410, "The provided continue parameter is too old to display a consistent "
                    "list result. You can start a new list without the continue parameter.",
                    reason="Expired")
            return rv, start
        rv_text = query.get("resourceVersion", "")
        match = query.get("resourceVersionMatch", "")
        if rv_text in ("", "0"):
            return store.rv, None
        try:
            rv = int(rv_text)
        except ValueError:
            raise ApiError(400, f"invalid resourceVersion {rv_text!r}")
        if match == "Exact":
            if rv < store.floor:
                raise gone(f"too old resource version: {rv} ({store.floor})")
            if rv > store.rv:
                raise ApiError(504, f"Too large resource version: {rv}, current: {store.rv}",
                               reason="Timeout")
            return rv, None
        return store.rv, None  # NotOlderThan (or no match given): the latest is never older

    # -- watch -----------------------------------------------------------------------------

    def watch(self, res, namespace, query, name):
        self.fake.count("watch", res.plural)
        matches = self.selectors(res, query)
        if name is not None:
            by_name = matches
            matches = lambda o, ns: by_name(o, ns) and o["metadata"]["name"] == name
        bookmarks = query.get("allowWatchBookmarks", "").lower() in ("1", "true")
        initial = query.get("sendInitialEvents", "").lower() in ("1", "true")
        timeout = int_param(query, "timeoutSeconds") or self.fake.args.watch_timeout
        rv_text = query.get("resourceVersion", "")
        store = self.fake.store
        with store.lock:
            start_events, from_rv, gone_error = self.watch_start(res, namespace, matches,
                                                                 rv_text, initial)
        if gone_error and self.fake.faults.gone_mode == "http":
            raise gone_error
        self.begin_stream()
        watcher = Watcher(self)
        with store.lock:
            self.fake.watchers.add(watcher)
        try:
            if gone_error:
                self.write_event({"type": "ERROR", "object": gone_error.status()})
                return self.end_stream()
            self.stream_events(res, namespace, matches, watcher, start_events, from_rv,
                               bookmarks, time.monotonic() + timeout, initial and bookmarks)
        finally:
            with store.lock:
                self.fake.watchers.discard(watcher)

    def watch_start(self, res, namespace, matches, rv_text, initial):
        """Events to send first, the resourceVersion to follow from, and a Gone error if any."""
        store = self.fake.store
        if rv_text in ("", "0") or initial:
            # No version (or "0"), or sendInitialEvents: the current state as ADDED events.
            objs = [o for o in store.snapshot(res.plural, store.rv) if matches(o, namespace)]
            return [{"type": "ADDED", "object": o} for o in objs], store.rv, None
        try:
            rv = int(rv_text)
        except ValueError:
            raise ApiError(400, f"invalid resourceVersion {rv_text!r}")
        if rv < store.floor:
            return [], rv, gone(f"too old resource version: {rv} ({store.floor})")
        return [], rv, None

    def stream_events(self, res, namespace, matches, watcher, first, from_rv, bookmarks,
                      deadline, initial_end_bookmark):
        store = self.fake.store
        interval = self.fake.args.bookmark_interval
        next_bookmark = time.monotonic() + interval if interval > 0 else float("inf")
        sent = 0
        for event in first:
            sent = self.send_counted(event, sent)
        if initial_end_bookmark:
            self.write_event(self.bookmark(res, from_rv, initial_end=True))
        seen_rv = from_rv  # every event up to here has been looked at
        while True:
            with store.lock:
                while True:
                    now = time.monotonic()
                    wake = deadline if not bookmarks else min(deadline, next_bookmark)
                    if (store.rv > seen_rv or seen_rv < store.floor or watcher.drop
                            or watcher.bookmark or watcher.garbage or now >= wake):
                        break
                    store.lock.wait(timeout=wake - now)
                # Events this watch never saw fell out of the history: it cannot go on.
                expired = seen_rv < store.floor
                pending = [] if expired else [e for e in store.events_after(seen_rv)
                                              if e.resource == res.plural]
                seen_rv = max(seen_rv, store.rv)
                drop, watcher.drop = watcher.drop, False
                want_bookmark, watcher.bookmark = watcher.bookmark, False
                garbage, watcher.garbage = watcher.garbage, False
            if drop:
                raise DroppedWatch()
            if expired:
                self.write_event({"type": "ERROR", "object": gone(
                    f"too old resource version: {seen_rv} ({store.floor})").status()})
                return self.end_stream()
            if garbage:
                self.write_line(b"this is not a JSON watch event\n")
            for e in pending:
                out = self.translate(e, matches, namespace)
                if out is not None:
                    sent = self.send_counted(out, sent)
            if bookmarks and (want_bookmark or time.monotonic() >= next_bookmark):
                self.write_event(self.bookmark(res, seen_rv))
                next_bookmark = time.monotonic() + interval if interval > 0 else float("inf")
            if time.monotonic() >= deadline:
                return self.end_stream()

    def send_counted(self, event, sent):
        limit = self.fake.faults.drop_after_events
        if limit and sent >= limit:
            raise DroppedWatch()
        self.write_event(event)
        return sent + 1

    @staticmethod
    def translate(event, matches, namespace):
        """A stored event as this watcher sees it: an object moving into or out of its
        selector is ADDED or DELETED for it, as the real server's watch cache does; the
        DELETED then carries the object as it was (still matching), at the event's version."""
        new_in = matches(event.obj, namespace)
        old_in = event.old is not None and matches(event.old, namespace)
        if event.type == "DELETED":
            return {"type": "DELETED", "object": event.obj} if old_in else None
        if event.type == "ADDED":
            return {"type": "ADDED", "object": event.obj} if new_in else None
        if new_in and old_in:
            return {"type": "MODIFIED", "object": event.obj}
        if new_in:
            return {"type": "ADDED", "object": event.obj}
        if old_in:
            previous = copy.deepcopy(event.old)
            previous["metadata"]["resourceVersion"] = str(event.rv)
            return {"type": "DELETED", "object": previous}
        return None

    @staticmethod
    def bookmark(res, rv, initial_end=False):
        meta = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return {"type": "BOOKMARK", "object": {"kind": res.kind, "apiVersion": res.api_version,
                                               "metadata": meta}}

    def begin_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self._status = 200

    def write_event(self, event):
        self.write_line(json.dumps(event, separators=(",", ":")).encode() + b"\n")

    def write_line(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_stream(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # -- writes ----------------------------------------------------------------------------

    def check_body(self, res, namespace, body, name=None):
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object")
        body.setdefault("kind", res.kind)
        body.setdefault("apiVersion", res.api_version)
        if body["kind"] != res.kind or body["apiVersion"] != res.api_version:
            raise ApiError(400, f"the body is a {body['kind']} {body['apiVersion']}, "
                                f"not a {res.kind} {res.api_version}")
        meta = body.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        if name is not None and meta.get("name") != name:
            raise ApiError(400, "the name of the object does not match the name on the URL")
        if res.namespaced:
            ns = namespace or "default"
            if meta.get("namespace", ns) != ns:
                raise ApiError(400, "the namespace of the provided object does not match "
                                    "the namespace sent on the request")
            meta["namespace"] = ns
        check_object(body)
        return body

    def create(self, res, namespace, body):
        self.fake.count("create", res.plural)
        body = self.check_body(res, namespace, body)
        key = self.key(res, namespace, body["metadata"]["name"])
        with self.fake.store.lock:
            if self.fake.store.current(key) is not None:
                raise ApiError(409, f'{res.plural} "{key[2]}" already exists', reason="AlreadyExists")
            body["metadata"].pop("resourceVersion", None)
            body["metadata"].pop("uid", None)
            _, obj = self.fake.store.put(body)
            data = json.dumps(obj).encode()
        self.send_json(201, data)

    def replace(self, res, namespace, name, body):
        self.fake.count("update", res.plural)
        body = self.check_body(res, namespace, body, name)
        key = self.key(res, namespace, name)
        with self.fake.store.lock:
            old = self.fake.store.current(key)
            if old is None:
                raise self.not_found(res, name)
            self.check_precondition(res, name, old, body)
            _, obj = self.fake.store.put(body)
            data = json.dumps(obj).encode()
        self.send_json(200, data)

    @staticmethod
    def check_precondition(res, name, old, body):
        wanted = body.get("metadata", {}).get("resourceVersion")
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise ApiError(409, f'Operation cannot be fulfilled on {res.plural} "{name}": the '
                                "object has been modified; please apply your changes to the "
                                "latest version and try again", reason="Conflict")

    def patch(self, res, namespace, name):
        self.fake.count("patch", res.plural)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        body = self.read_body()
        key = self.key(res, namespace, name)
        with self.fake.store.lock:
            old = self.fake.store.current(key)
            if old is None:
                raise self.not_found(res, name)
            if ctype in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
                # Strategic merge is a merge patch here: maps merge the same way, but lists
                # are replaced whole instead of merged by key. Good enough for labels.
                new = merge_patch(old, body)
            elif ctype == "application/json-patch+json":
                new = json_patch(old, body or [])
            else:
                raise ApiError(415, f"the body of the request was in an unknown format - "
                                    f"accepted media types include: application/json-patch+json, "
                                    f"application/merge-patch+json, "
                                    f"application/strategic-merge-patch+json")
            new = self.check_body(res, namespace, new, name)
            self.check_precondition(res, name, old, new)
            _, obj = self.fake.store.put(new)
            data = json.dumps(obj).encode()
        self.send_json(200, data)

    def remove(self, res, namespace, name):
        self.fake.count("delete", res.plural)
        with self.fake.store.lock:
            obj = self.fake.store.delete(self.key(res, namespace, name))
            if obj is None:
                raise self.not_found(res, name)
            data = json.dumps(obj).encode()
        self.send_json(200, data)

    # -- the control API -------------------------------------------------------------------

    def control(self, path, query):
        fake, store = self.fake, self.fake.store
        action = path[len("/_fake/"):] if path.startswith("/_fake/") else ""
        method = self.command
        if method == "GET" and action == "healthz":
            with store.lock:
                health = {"ok": True, "resourceVersion": str(store.rv),
                          "openWatches": len(fake.watchers)}
            return self.send_json(200, health)
        if method == "GET" and action == "requests":
            with fake.counts_lock:
                return self.send_json(200, {verb: dict(c) for verb, c in fake.counts.items()})
        if method == "GET" and action == "state":
            return self.send_json(200, fake.state())
        if method == "GET" and action == "faults":
            return self.send_json(200, fake.faults.describe())
        if method != "POST":
            raise ApiError(404, f"no control action {method} {path}")
        body = self.read_body() or {}
        with store.lock:
            result = self.control_post(action, body)
        self.send_json(200, result)

    def control_post(self, action, body):
        fake, store = self.fake, self.fake.store
        if action == "apply":
            items = body.get("items", []) if isinstance(body, dict) and "items" in body else body
            items = items if isinstance(items, list) else [items]
            out = []
            for obj in items:
                check_object(obj)
                _, stored = store.put(copy.deepcopy(obj))
                out.append(stored)
            return {"resourceVersion": str(store.rv), "items": out}
        if action == "delete":
            refs = body if isinstance(body, list) else [body]
            deleted = []
            for ref in refs:
                res = KIND_TO_RESOURCE.get(ref.get("kind"))
                if res is None:
                    raise ApiError(400, f"unsupported kind {ref.get('kind')!r}")
                key = (res.plural, ref.get("namespace", "default") if res.namespaced else "",
                       ref["name"])
                if store.delete(key) is None:
                    raise self.not_found(res, ref["name"])
                deleted.append(ref["name"])
            return {"resourceVersion": str(store.rv), "deleted": deleted}
        if action == "compact":
            store.compact()
            return {"resourceVersion": str(store.rv)}
        if action == "faults":
            fake.faults.update(body)
            return fake.faults.describe()
        if action == "faults/reset":
            fake.faults = Faults(gone_mode=fake.args.gone_mode)
            return fake.faults.describe()
        if action == "tokens":
            fake.tokens = set(body.get("tokens", []))
            # Once a server asks for credentials it keeps asking: an empty token set means
            # no token is accepted, not that anyone may come in.
            fake.auth_required = fake.auth_required or bool(fake.tokens)
            return {"tokens": len(fake.tokens)}
        if action in ("drop-watches", "bookmark-now", "garbage"):
            attr = {"drop-watches": "drop", "bookmark-now": "bookmark", "garbage": "garbage"}[action]
            for w in fake.watchers:
                setattr(w, attr, True)
            if action == "garbage" and isinstance(body, dict):
                fake.faults.garbage_lists = int(body.get("lists", 0))
            store.lock.notify_all()
            return {"watches": len(fake.watchers)}
        if action == "requests/reset":
            with fake.counts_lock:
                fake.counts.clear()
            return {}
        raise ApiError(404, f"no control action POST /_fake/{action}")


# ---------------------------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------------------------

class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, ssl_context=None):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.ssl_context = ssl_context
        super().__init__(address, handler)

    def get_request(self):
        sock, addr = super().get_request()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # the client's delayed ACK add 40 ms to every answer.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is None:
            return sock, addr
        # Handshake in the request thread (finish_request), not here, so a slow or failing
        # client cannot stall the accept loop.
        return self.ssl_context.wrap_socket(sock, server_side=True,
                                            do_handshake_on_connect=False), addr

    def finish_request(self, request, client_address):
        if isinstance(request, ssl.SSLSocket):
            try:
                request.settimeout(10)
                request.do_handshake()
                request.settimeout(None)
            except (ssl.SSLError, OSError) as e:
                if not Handler.fake.args.quiet:
                    sys.stderr.write(f"TLS handshake failed from {client_address[0]}: {e}\n")
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            return  # a client going away is not worth a traceback
        super().handle_error(request, client_address)


def make_ssl_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    ctx.set_alpn_protocols(["http/1.1"])  # no HTTP/2 here; Go clients fall back to 1.1
    if args.client_ca:
        ctx.load_verify_locations(args.client_ca)
        # Optional, like the real server: a client without a cert may still use a token,
        # but a presented cert must verify against the CA.
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


def serve(args):
    fake = Fake(args)
    if args.state_in:
        fake.load_state(args.state_in)
    for path in args.objects or []:
        fake.load_objects(path)
    Handler.fake = fake
    ctx = make_ssl_context(args) if args.tls_cert else None
    server = Server((args.listen, args.port), Handler, ctx)
    port = server.server_address[1]
    scheme = "https" if ctx else "http"
    host = f"[{args.listen}]" if ":" in args.listen else args.listen
    sys.stderr.write(f"fake-apiserver: serving {scheme}://{host}:{port} "
                     f"(resourceVersion {fake.store.rv})\n")

    def stop(signum, frame):
        if args.state_out:
            write_json_atomically(args.state_out, fake.state())
        # At once, as a killed API server goes: open watches and their threads must not keep
        # the process alive (a graceful shutdown waited for them).
        sys.stderr.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        write_text_atomically(args.port_file, f"{port}\n")
    server.serve_forever(poll_interval=0.2)
    server.server_close()


def write_text_atomically(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_json_atomically(path, doc):
    write_text_atomically(path, json.dumps(doc, indent=1) + "\n")


# ---------------------------------------------------------------------------------------------
# kubeconfig writer
# ---------------------------------------------------------------------------------------------

def kubeconfig(args):
    user = {}
    if args.token:
        user["token"] = args.token
    if args.token_file:
        user["tokenFile"] = os.path.abspath(args.token_file)
    if args.client_cert:
        user["client-certificate"] = os.path.abspath(args.client_cert)
        user["client-key"] = os.path.abspath(args.client_key)
    cluster = {"server": args.server}
    if args.ca:
        cluster["certificate-authority"] = os.path.abspath(args.ca)
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "fake",
           "clusters": [{"name": "fake", "cluster": cluster}],
           "users": [{"name": "fake", "user": user}],
           "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
           "preferences": {}}
    text = json.dumps(doc, indent=2) + "\n"  # JSON is YAML: every kubeconfig reader takes it
    if args.output == "-":
        sys.stdout.write(text)
    else:
        write_text_atomically(args.output, text)


def parse_args(argv):
    if argv[:1] == ["kubeconfig"]:
        p = argparse.ArgumentParser(prog="fake_apiserver.py kubeconfig",
                                    description="Write a kubeconfig (JSON) for a running fake.")
        p.add_argument("--server", required=True, help="e.g. https://127.0.0.1:6443")
        p.add_argument("--ca", help="CA certificate that signed the server's certificate")
        p.add_argument("--token")
        p.add_argument("--token-file")
        p.add_argument("--client-cert")
        p.add_argument("--client-key")
        p.add_argument("-o", "--output", default="-")
        args = p.parse_args(argv[1:])
        args.command = "kubeconfig"
        if bool(args.client_cert) != bool(args.client_key):
            p.error("--client-cert and --client-key go together")
        return args
    p = argparse.ArgumentParser(description="A fake Kubernetes API server for tests "
                                            "(a stand-in, not a kube-apiserver).",
                                epilog="Subcommand: 'kubeconfig --help' writes a kubeconfig.")
    p.add_argument("--listen", default="127.0.0.1", help="address to bind (IPv4 or IPv6)")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--tls-cert", help="server certificate (PEM); HTTPS when given")
    p.add_argument("--tls-key", help="server key (PEM)")
    p.add_argument("--client-ca", help="accept client certificates signed by this CA")
    p.add_argument("--token", action="append", help="an accepted bearer token (repeatable)")
    p.add_argument("--token-file", action="append", help="file of accepted tokens, one a line")
    p.add_argument("--objects", action="append",
                   help="JSON file: a List or an array of objects to load (repeatable)")
    p.add_argument("--state-in", help="state from GET /_fake/state or --state-out: objects "
                                      "and counter kept, history empty (older RVs are Gone)")
    p.add_argument("--state-out", help="write the state here on SIGTERM/SIGINT")
    p.add_argument("--history", type=int, default=1000, help="watch events kept")
    p.add_argument("--bookmark-interval", type=float, default=5.0,
                   help="seconds between BOOKMARKs on watches that allow them (0: on demand only)")
    p.add_argument("--watch-timeout", type=float, default=1800.0,
                   help="seconds a watch without timeoutSeconds stays open")
    p.add_argument("--gone-mode", choices=["http", "event"], default="http",
                   help="410 for an expired watch as an HTTP status or an in-stream ERROR event")
    p.add_argument("--quiet", action="store_true", help="do not log requests")
    args = p.parse_args(argv)
    args.command = "serve"
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if args.client_ca and not args.tls_cert:
        p.error("--client-ca needs --tls-cert")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "kubeconfig":
        return kubeconfig(args)
    try:
        serve(args)
    except ApiError as e:
        sys.exit(f"fake-apiserver: bad input: {e.message}")


if __name__ == "__main__":
    main()
