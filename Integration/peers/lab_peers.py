#!/usr/bin/env python3
"""Small traffic peers for the kernel-lab tests: what busybox cannot do.

  tcp-echo PORT                  backend: echoes every line on every connection
  tcp-hold HOST PORT STOPFILE    client: one connection, a line every 0.25 s until STOPFILE
                                 exists, then a close with RST (so that IPVS forgets the
                                 connection in seconds, not after TIME_WAIT's two minutes);
                                 prints "ok N" and exits 0 when every line came back
  udp-name PORT NAME             backend: answers every datagram with NAME (a DNS-like server),
                                 over IPv4 and IPv6
  udp-client HOST PORT STOPFILE  client: from ONE source port (as a resolver does), a query
                                 every 0.1 s until STOPFILE exists; prints one line per query,
                                 "UNIX-TIME NAME", "UNIX-TIME -" when no answer came, or
                                 "UNIX-TIME -ERRNO" when the socket reported an error (ICMP)
  udp-ask HOST PORT SPORT...     client: one query from each source port in turn (resolvers
                                 that keep their port); prints "SPORT NAME" per query, or
                                 "SPORT -" when no answer came within a second
  http-name PORT NAME            backend: answers every GET with "NAME CLIENT-ADDRESS", so a
                                 test sees which backend served and whose address it saw
  http-loop HOST PORT STOPFILE [PERIOD]
                                 client: a new connection and GET every PERIOD seconds (0.1)
                                 until STOPFILE exists; prints one line per request: "ok BODY"
                                 or "fail WHY"
  http-scrape HOST PORT PATH STOPFILE [PERIOD]
                                 client: GET PATH every PERIOD seconds (0.1) on one keep-alive
                                 connection (a new one after an error) until STOPFILE exists;
                                 then prints "scrapes N failures F p50 MS p99 MS max MS"
  http-slow HOST PORT COUNT STOPFILE
                                 client: holds COUNT connections that never finish their
                                 request (a byte of header every 2 s); one the server closes
                                 is opened again; until STOPFILE exists, then prints
                                 "held COUNT closed-by-server N"
  http-probe HOST PORT COUNT     client: COUNT GETs in turn, each on a new connection (as a load
                                 balancer probes); prints "probes N failures F p50 MS p99 MS max MS"
"""
import errno
import os
import socket
import struct
import sys
import threading
import time


def tcp_echo(port):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", int(port)))
    server.listen(64)

    def serve(connection):
        with connection:
            while True:
                data = connection.recv(4096)
                if not data:
                    return
                connection.sendall(data)

    while True:
        connection, _ = server.accept()
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


def tcp_hold(host, port, stop_file):
    count = 0
    with socket.create_connection((host, int(port)), timeout=3) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reader = connection.makefile("rb")
        while not os.path.exists(stop_file):
            line = b"line %d\n" % count
            connection.sendall(line)
            if reader.readline() != line:
                print("broken after %d" % count, flush=True)
                return 1
            count += 1
            time.sleep(0.25)
    print("ok %d" % count, flush=True)
    return 0


def udp_name(port, name):
    # Both families on one socket: IPv4 peers arrive as ::ffff:a.b.c.d and are answered so.
    server = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    server.bind(("::", int(port)))
    while True:
        _, peer = server.recvfrom(2048)
        server.sendto(name.encode(), peer)


def udp_client(host, port, stop_file):
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind(("0.0.0.0", 0))
    client.settimeout(0.1)
    while not os.path.exists(stop_file):
        sent = time.monotonic()
        try:
            client.sendto(b"query", (host, int(port)))
            data, _ = client.recvfrom(2048)
            answer = data.decode()
        except socket.timeout:
            answer = "-"
        except OSError as error:
            # An ICMP error (the dead backend's port unreachable, relayed through IPVS) surfaces
            # here; a resolver retries, and so does this client.
            answer = "-" + errno.errorcode.get(error.errno, "OSError")
        print("%.3f %s" % (time.time(), answer), flush=True)
        time.sleep(max(0.0, 0.1 - (time.monotonic() - sent)))
    return 0


def udp_ask(host, port, *source_ports):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for source_port in source_ports:
        with socket.socket(family, socket.SOCK_DGRAM) as client:
            client.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", int(source_port)))
            client.settimeout(1)
            client.sendto(b"query", (host, int(port)))
            try:
                answer = client.recvfrom(2048)[0].decode()
            except (socket.timeout, ConnectionRefusedError):
                answer = "-"
        print("%s %s" % (source_port, answer), flush=True)
    return 0


def http_name(port, name):
    # Plain sockets, not http.server: its imports alone take seconds under emulation.
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", int(port)))
    server.listen(128)

    def serve(connection, peer):
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                data = connection.recv(4096)
                if not data:
                    return  # a health check's bare connect
                request += data
            body = ("%s %s\n" % (name, peer[0])).encode()
            connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))

    while True:
        connection, peer = server.accept()
        threading.Thread(target=serve, args=(connection, peer), daemon=True).start()


def http_loop(host, port, stop_file, period="0.1"):
    while not os.path.exists(stop_file):
        started = time.monotonic()
        try:
            with socket.create_connection((host, int(port)), timeout=3) as connection:
                connection.sendall(b"GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % host.encode())
                response = b""
                while True:
                    data = connection.recv(4096)
                    if not data:
                        break
                    response += data
            head, _, body = response.partition(b"\r\n\r\n")
            if head.startswith(b"HTTP/1.0 200"):
                print("ok %s" % body.decode().strip(), flush=True)
            else:
                print("fail %s" % head.split(b"\r\n")[0].decode(errors="replace"), flush=True)
        except OSError as error:
            print("fail %s" % type(error).__name__, flush=True)
        time.sleep(max(0.0, float(period) - (time.monotonic() - started)))
    return 0


def percentiles(samples):
    """'p50 MS p99 MS max MS' of seconds, nearest rank."""
    if not samples:
        return "p50 - p99 - max -"
    ordered = sorted(samples)

    def rank(fraction):
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    return "p50 %.1f p99 %.1f max %.1f" % (rank(0.50), rank(0.99), ordered[-1] * 1000)


def read_response(connection, buffer):
    """One HTTP/1.1 response (its body by Content-Length) from connection: status, rest."""
    while b"\r\n\r\n" not in buffer:
        data = connection.recv(65536)
        if not data:
            raise ConnectionError("closed before a response")
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        data = connection.recv(65536)
        if not data:
            raise ConnectionError("closed inside a body")
        rest += data
    return int(head.split(b" ")[1]), rest[length:]


def http_scrape(host, port, path, stop_file, period="0.1"):
    samples, failures, connection, buffer = [], 0, None, b""
    request = b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path.encode(), host.encode())
    while not os.path.exists(stop_file):
        started = time.monotonic()
        try:
            if connection is None:
                connection, buffer = socket.create_connection((host, int(port)), timeout=10), b""
            connection.sendall(request)
            status, buffer = read_response(connection, buffer)
            if status == 200:
                samples.append(time.monotonic() - started)
            else:
                failures += 1
        except OSError:
            failures += 1
            if connection is not None:
                connection.close()
            connection = None
        time.sleep(max(0.0, float(period) - (time.monotonic() - started)))
    print("scrapes %d failures %d %s" % (len(samples), failures, percentiles(samples)), flush=True)
    return 0


def http_slow(host, port, count, stop_file):
    connections, closed = [], 0
    while len(connections) < int(count):
        connection = socket.create_connection((host, int(port)), timeout=10)
        connection.sendall(b"GET / HTTP/1.1\r\nHost: slow\r\n")
        connections.append(connection)
    while not os.path.exists(stop_file):
        time.sleep(2)
        for index, connection in enumerate(connections):
            try:
                connection.sendall(b"X")
                connection.setblocking(False)
                try:
                    if connection.recv(1) == b"":
                        raise ConnectionError("closed")
                except BlockingIOError:
                    pass
                finally:
                    connection.setblocking(True)
            except OSError:
                closed += 1
                connection.close()
                try:
                    connections[index] = socket.create_connection((host, int(port)), timeout=10)
                    connections[index].sendall(b"GET / HTTP/1.1\r\nHost: slow\r\n")
                except OSError:
                    pass
    print("held %d closed-by-server %d" % (len(connections), closed), flush=True)
    return 0


def http_probe(host, port, count):
    samples, failures = [], 0
    for _ in range(int(count)):
        started = time.monotonic()
        try:
            with socket.create_connection((host, int(port)), timeout=10) as connection:
                connection.sendall(b"GET / HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
                status, _ = read_response(connection, b"")
            if status in (200, 503):
                samples.append(time.monotonic() - started)
            else:
                failures += 1
        except OSError:
            failures += 1
    print("probes %d failures %d %s" % (len(samples), failures, percentiles(samples)), flush=True)
    return 0


def main(argv):
    command, arguments = argv[1], argv[2:]
    handlers = {"tcp-echo": tcp_echo, "tcp-hold": tcp_hold, "udp-name": udp_name, "udp-client": udp_client,
                "udp-ask": udp_ask,
                "http-name": http_name, "http-loop": http_loop, "http-scrape": http_scrape, "http-slow": http_slow,
                "http-probe": http_probe}
    return handlers[command](*arguments) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
