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
                                 "UNIX-TIME NAME" or "UNIX-TIME -" when no answer came
  udp-ask HOST PORT SPORT...     client: one query from each source port in turn (resolvers
                                 that keep their port); prints "SPORT NAME" per query, or
                                 "SPORT -" when no answer came within a second
  http-name PORT NAME            backend: answers every GET with "NAME CLIENT-ADDRESS", so a
                                 test sees which backend served and whose address it saw
  http-loop HOST PORT STOPFILE [PERIOD]
                                 client: a new connection and GET every PERIOD seconds (0.1)
                                 until STOPFILE exists; prints one line per request: "ok BODY"
                                 or "fail WHY"
"""
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
        client.sendto(b"query", (host, int(port)))
        try:
            data, _ = client.recvfrom(2048)
            answer = data.decode()
        except (socket.timeout, ConnectionRefusedError):
            answer = "-"
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


def main(argv):
    command, arguments = argv[1], argv[2:]
    handlers = {"tcp-echo": tcp_echo, "tcp-hold": tcp_hold, "udp-name": udp_name, "udp-client": udp_client,
                "udp-ask": udp_ask,
                "http-name": http_name, "http-loop": http_loop}
    return handlers[command](*arguments) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
