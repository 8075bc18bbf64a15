"""Fresh network namespaces for the side-by-side run, and running timed commands inside them.

The driver enters a namespace itself (setns) rather than wrapping every command in
`ip netns exec`, whose own start-up (a mount namespace, a remount of /sys) would be timed with
each contender. Children inherit the namespace.
"""

import ctypes
import os
import subprocess
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {path}")
    finally:
        os.close(fd)


def ip(*args):
    subprocess.run(["ip", *args], check=True)


class Namespace:
    """A new network namespace with a route to the real servers (203.0.113.0/24 on a dummy
    interface: masquerade real servers must be routable, or the kernel refuses them)."""

    def __init__(self, name):
        self.name = name
        ip("netns", "add", name)
        ip("-n", name, "link", "set", "lo", "up")
        ip("-n", name, "link", "add", "bench0", "type", "dummy")
        ip("-n", name, "address", "add", "203.0.113.254/24", "dev", "bench0")
        ip("-n", name, "link", "set", "bench0", "up")

    def bind_vips(self, batch_file):
        """What `apply` would otherwise do itself: the VIPs on ipvs0, as /32s."""
        ip("-n", self.name, "link", "add", "ipvs0", "type", "dummy")
        ip("-n", self.name, "link", "set", "ipvs0", "up")
        ip("-n", self.name, "-batch", batch_file)

    def __enter__(self):
        self._home = os.open("/proc/self/ns/net", os.O_RDONLY)
        _setns(f"/run/netns/{self.name}")
        return self

    def __exit__(self, *exc):
        if _libc.setns(self._home, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back home")
        os.close(self._home)
        return False

    def delete(self):
        """Flush first: the kernel then frees the table at once, instead of in the background
        of the next contender's measurement (namespace teardown is asynchronous)."""
        subprocess.run(["ip", "netns", "exec", self.name, "ipvsadm", "-C"], check=True)
        ip("netns", "delete", self.name)
        time.sleep(1)


class Result:
    def __init__(self, seconds, status, stdout, stderr, max_rss_kib):
        self.seconds = seconds
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.max_rss_kib = max_rss_kib


def run(command, stdin=None, scratch="/tmp"):
    """Runs `command` to completion: wall time (start to reaped), exit status, output and the
    child's own peak resident set size (wait4, not the driver's)."""
    out_path = os.path.join(scratch, ".stdout")
    err_path = os.path.join(scratch, ".stderr")
    with open(stdin or os.devnull, "rb") as source, open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdin=source, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, errors="replace") as out, open(err_path, errors="replace") as err:
        return Result(seconds, child.returncode, out.read(), err.read(), usage.ru_maxrss)
