#!/usr/bin/env python3
"""Small traffic peers for the kernel-lab tests: what busybox cannot do.

  tcp-echo PORT                  backend: echoes every line on every connection
  tcp-hold HOST PORT SECONDS     client: one connection, a line every 0.25 s for SECONDS;
                                 prints "ok N" and exits 0 when every line came back
  udp-name PORT NAME             backend: answers every datagram with NAME (a DNS-like server)
  udp-client HOST PORT SECONDS   client: from ONE source port (as a resolver does), a query
                                 every 0.1 s; prints one line per query: "T NAME" or "T -"
"""
import socket
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


def tcp_hold(host, port, seconds):
    deadline = time.monotonic() + float(seconds)
    count = 0
    with socket.create_connection((host, int(port)), timeout=3) as connection:
        reader = connection.makefile("rb")
        while time.monotonic() < deadline:
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
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("0.0.0.0", int(port)))
    while True:
        _, peer = server.recvfrom(2048)
        server.sendto(name.encode(), peer)


def udp_client(host, port, seconds):
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind(("0.0.0.0", 0))
    client.settimeout(0.1)
    start = time.monotonic()
    while time.monotonic() - start < float(seconds):
        sent = time.monotonic()
        client.sendto(b"query", (host, int(port)))
        try:
            data, _ = client.recvfrom(2048)
            answer = data.decode()
        except (socket.timeout, ConnectionRefusedError):
            answer = "-"
        print("%.2f %s" % (sent - start, answer), flush=True)
        time.sleep(max(0.0, 0.1 - (time.monotonic() - sent)))
    return 0


def main(argv):
    command, arguments = argv[1], argv[2:]
    handlers = {"tcp-echo": tcp_echo, "tcp-hold": tcp_hold, "udp-name": udp_name, "udp-client": udp_client}
    return handlers[command](*arguments) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
