#!/usr/bin/env python3
"""Writes the fuzz harnesses' seed corpora from the project's own fixtures and examples.

Usage: seeds.py OUTPUT_DIR (one directory per harness is created inside it).

Sources: the kernel captures of Tests/IPVSWireTests (every datagram sent and received), a few
rtnetlink address-dump datagrams built here, examples/*.yaml, HTTP requests, the Kubernetes
JSON fixtures of Tests/KubernetesMappingTests and examples/kubernetes/fleet.json, and the
nftables listing captured in Tests/NftablesWireTests.
"""
import hashlib
import json
import os
import re
import struct
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def write(out, harness, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = os.path.join(out, harness)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def swift_byte_arrays(text):
    """Every innermost `[0x.., ...]` array of a Swift file, comments removed."""
    text = re.sub(r"//[^\n]*", "", text)
    arrays = []
    for body in re.findall(r"\[([^\[\]]*)\]", text):
        values = re.findall(r"0x([0-9a-fA-F]{2})", body)
        if values:
            arrays.append(bytes(int(v, 16) for v in values))
    return arrays


def swift_raw_strings(text):
    """The bodies of the `#\"\"\" ... \"\"\"#` literals of a Swift file."""
    return [m.strip("\n") for m in re.findall(r'#"""\n(.*?)\n\s*"""#', text, re.S)]


def ipvs(out):
    captures = swift_byte_arrays(read("Tests/IPVSWireTests/Fixtures/KernelCaptures.swift"))
    for datagram in captures:
        write(out, "FuzzIPVSReplies", datagram)
    return captures


def nlmsg(kind, flags, seq, payload, pid=4242):
    length = 16 + len(payload)
    data = struct.pack("<IHHII", length, kind, flags, seq, pid) + payload
    return data + b"\0" * ((4 - len(data) % 4) % 4)


def rtattr(kind, value):
    data = struct.pack("<HH", 4 + len(value), kind) + value
    return data + b"\0" * ((4 - len(data) % 4) % 4)


def route(out):
    NEWADDR, DONE, ERROR, MULTI = 20, 3, 2, 2
    v4 = struct.pack("<BBBBI", 2, 32, 0x80, 0, 3) + rtattr(1, bytes([192, 0, 2, 10])) \
        + rtattr(2, bytes([192, 0, 2, 10])) + rtattr(3, b"ipvs0\0")
    v4net = struct.pack("<BBBBI", 2, 24, 0x80, 0, 3) + rtattr(1, bytes([198, 51, 100, 255])) \
        + rtattr(2, bytes([198, 51, 100, 7]))
    v6 = struct.pack("<BBBBI", 10, 128, 0x80, 0, 3) \
        + rtattr(1, bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1])) + rtattr(8, struct.pack("<I", 0x300))
    v6ll = struct.pack("<BBBBI", 10, 64, 0x80, 253, 3) + rtattr(1, bytes([0xfe, 0x80] + [0] * 13 + [1]))
    other = struct.pack("<BBBBI", 17, 0, 0, 0, 3) + rtattr(1, b"\1\2\3\4\5\6")
    done = struct.pack("<i", 0)
    request = struct.pack("<IHHII", 24, 22, 0x301, 1, 0) + struct.pack("<BBBBI", 0, 0, 0, 0, 3)
    write(out, "FuzzRouteReplies",
          nlmsg(NEWADDR, MULTI, 1, v4) + nlmsg(NEWADDR, MULTI, 1, v4net) + nlmsg(NEWADDR, MULTI, 1, v6))
    write(out, "FuzzRouteReplies", nlmsg(NEWADDR, MULTI, 1, v6ll) + nlmsg(NEWADDR, MULTI, 1, other))
    write(out, "FuzzRouteReplies", nlmsg(NEWADDR, MULTI, 1, v4) + nlmsg(DONE, MULTI, 1, done))
    write(out, "FuzzRouteReplies", nlmsg(DONE, MULTI | 0x10, 1, done))  # NLM_F_DUMP_INTR
    write(out, "FuzzRouteReplies", nlmsg(ERROR, 0, 1, struct.pack("<i", -1) + request))
    capped = struct.pack("<i", -22) + request[:16] + rtattr(1, b"Invalid prefix length\0")
    write(out, "FuzzRouteReplies", nlmsg(ERROR, 0x100 | 0x200, 1, capped))  # CAPPED | ACK_TLVS
    write(out, "FuzzRouteReplies", nlmsg(NEWADDR, MULTI, 7, v4))  # a stale sequence number


def config(out):
    names = [os.path.join("examples", n) for n in sorted(os.listdir(os.path.join(ROOT, "examples"))) if n.endswith(".yaml")]
    names.append("examples/kubernetes/fleet-defaults.yaml")
    for name in names:
        write(out, "FuzzConfig", read(name))
    write(out, "FuzzConfig", "services: []\n")
    write(out, "FuzzConfig", "defaults: &d {scheduler: wrr}\nservices:\n  - <<: *d\n    address: 192.0.2.1\n")


def http(out):
    requests = [
        b"GET /metrics HTTP/1.1\r\nHost: node\r\nAccept: */*\r\n\r\n",
        b"HEAD /healthz HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n",
        b"GET /readyz?verbose=1 HTTP/1.0\r\n\r\n",
        b"POST /metrics HTTP/1.1\r\nHost: node\r\nContent-Length: 5\r\n\r\nhello",
        b"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\nHEAD /nope HTTP/1.1\r\n\r\n",
        b"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        b"GET http://node:9100/metrics HTTP/1.1\r\nHost: node:9100\r\nX-A: " + b"a" * 64 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost\r\n\r\n",
    ]
    for selector in (0, 1, 3):
        for request in requests:
            write(out, "FuzzHTTPRequest", bytes([selector]) + request)


def kubernetes(out):
    fixtures = swift_raw_strings(read("Tests/KubernetesMappingTests/Fixtures.swift"))
    fleet = json.loads(read("examples/kubernetes/fleet.json"))
    for text in fixtures:
        write(out, "FuzzKubernetesJSON", text)
    by_kind = {}
    for item in fleet["items"]:
        by_kind.setdefault(item.get("kind", ""), []).append(item)
    lists = []
    for kind, items in sorted(by_kind.items()):
        listing = {"apiVersion": "v1", "kind": kind + "List", "metadata": {"resourceVersion": "42"}, "items": items}
        lists.append(listing)
        write(out, "FuzzKubernetesJSON", json.dumps(listing, separators=(",", ":")))
        write(out, "FuzzKubernetesJSON", json.dumps(items[0], separators=(",", ":")))
    write(out, "FuzzKubernetesJSON", json.dumps({"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}))
    # Watch bodies: one event per line, as the API server streams them.
    objects = [item for listing in lists for item in listing["items"]]
    for text in fixtures:
        try:
            objects += json.loads(text).get("items", [])
        except (ValueError, AttributeError):
            pass
    events = [json.dumps({"type": t, "object": o}, separators=(",", ":"))
              for t, o in zip(["ADDED", "MODIFIED", "DELETED"] * len(objects), objects)]
    events.append('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"4711"}}}')
    events.append('{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}}')
    events.append('{"type":"ADDED","object":{"metadata":{}}}')
    for control in (0, 1, 6, 31):
        for start in range(0, len(events), 4):
            body = "\n".join(events[start:start + 4]) + "\n"
            write(out, "FuzzWatchStream", bytes([control]) + body.encode())
    write(out, "FuzzWatchStream", b"\x02" + "\r\n\r\n  \n".join(events[-3:]).encode())


def nftables(out):
    for text in swift_raw_strings(read("Tests/NftablesWireTests/Fixtures/CapturedListing.swift")):
        write(out, "FuzzNftablesListing", json.dumps(json.loads(text), separators=(",", ":")))
    for text in swift_raw_strings(read("Tests/NftablesWireTests/ListingTests.swift")):
        write(out, "FuzzNftablesListing", text)
    write(out, "FuzzNftablesListing",
          '{"nftables":[{"metainfo":{"version":"1.0.6"}},{"table":{"family":"inet","name":"ipvsctl_swift","handle":2}}]}')


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    captures = ipvs(out)
    route(out)
    for datagram in captures[:6]:  # netlink framing in general: errors, acknowledgements
        write(out, "FuzzRouteReplies", datagram)
    config(out)
    http(out)
    kubernetes(out)
    nftables(out)
    for harness in sorted(os.listdir(out)):
        files = os.listdir(os.path.join(out, harness))
        size = sum(os.path.getsize(os.path.join(out, harness, f)) for f in files)
        print(f"{harness}: {len(files)} seeds, {size} bytes")


if __name__ == "__main__":
    main()
