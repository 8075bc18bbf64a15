#!/usr/bin/env python3
"""Small traffic peers for the kernel-lab tests: what busybox cannot do.

  tcp-echo PORT                  backend: echoes every line on every connection
  tcp-hold HOST PORT STOPFILE    client: one connection, a line every 0.25 s until STOPFILE
                                 exists, then a close with RST (so that IPVS forgets the
                                 connection in seconds, not after TIME_WAIT's two minutes);
                                 prints "ok N" and exits 0 when every line came back
  udp-name PORT NAME             backend: answers every datagram with NAME (a DNS-like server)
  udp-client HOST PORT SECONDS   client: from ONE source port (as a resolver does), a query
                                 every 0.1 s; prints one line per query: "T NAME" or "T -"
  http-name PORT NAME            backend: answers every GET with "NAME CLIENT-ADDRESS", so a
                                 test sees which backend served and whose address it saw
  http-loop HOST PORT STOPFILE   client: a new connection and GET every 0.1 s until STOPFILE
                                 exists; prints one line per request: "ok BODY" or "fail WHY"
"""
import http.client
import http.server
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


def http_name(port, name):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = ("%s %s\n" % (name, self.client_address[0])).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *arguments):
            pass

    http.server.ThreadingHTTPServer.allow_reuse_address = True
    http.server.ThreadingHTTPServer(("0.0.0.0", int(port)), Handler).serve_forever()


def http_loop(host, port, stop_file):
    while not os.path.exists(stop_file):
        started = time.monotonic()
        connection = http.client.HTTPConnection(host, int(port), timeout=3)
        try:
            connection.request("GET", "/")
            print("ok %s" % connection.getresponse().read().decode().strip(), flush=True)
        except (OSError, http.client.HTTPException) as error:
            print("fail %s" % (type(error).__name__), flush=True)
        finally:
            connection.close()
        time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
    return 0


def main(argv):
    command, arguments = argv[1], argv[2:]
    handlers = {"tcp-echo": tcp_echo, "tcp-hold": tcp_hold, "udp-name": udp_name, "udp-client": udp_client,
                "http-name": http_name, "http-loop": http_loop}
    return handlers[command](*arguments) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
