#!/usr/bin/env python3
"""TCP listeners on 127.0.0.1 for the health-check benchmark, in a process of their own, so that
the benchmark's CPU time is the prober's alone: every connection is accepted and closed at once.

Prints the ports it listens on, one line, space-separated; exits when its parent does.
Standard library only.
"""
import os
import selectors
import socket
import sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else 8
parent = os.getppid()
selector = selectors.DefaultSelector()
ports = []
for _ in range(count):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ)
    ports.append(listener.getsockname()[1])
print(" ".join(map(str, ports)), flush=True)

while os.getppid() == parent:
    for key, _ in selector.select(timeout=1):
        while True:
            try:
                connection, _ = key.fileobj.accept()
            except BlockingIOError:
                break
            connection.close()
