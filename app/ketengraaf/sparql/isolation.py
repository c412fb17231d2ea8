"""The second wall: query workers without a network.

The guards refuse SERVICE, LOAD and remote FROM, but a guard can be wrong.
When ``allow_network`` is off, each query worker process moves itself into a
new, empty network namespace before it imports the engine: no interface but
a loopback that is down, so no connection can be made, not even to
127.0.0.1 of the host (the engine's SERVICE fails with "network unreachable").

This needs Linux and either root (CAP_SYS_ADMIN) or unprivileged user
namespaces (then a user namespace is entered first, mapping the worker's own
uid/gid onto itself, so files keep their owner). ``os.unshare`` exists only
from Python 3.12; on 3.11 it is called through ctypes. Where neither works the
worker runs with the host network and says why; :func:`describe` gives the
text for ``/healthz`` and the start-up log.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
NETWORK_NAMESPACE = "network-namespace"


def _unshare(flags: int) -> None:
    if hasattr(os, "unshare"):                 # Python >= 3.12
        os.unshare(flags)
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def enter_network_namespace() -> str:
    """Leave the host network for good; the isolation mode in force, or ``none (reason)``.

    Call it early in a fresh, single-threaded process (a user namespace cannot be
    entered by a process with several threads)."""
    if not sys.platform.startswith("linux"):
        return f"none (network namespaces need Linux; this is {sys.platform})"
    try:
        if os.geteuid() == 0:
            try:
                _unshare(CLONE_NEWNET)
                return _verify()
            except OSError:
                pass                             # root without CAP_SYS_ADMIN (a container): try a user namespace
        uid, gid = os.geteuid(), os.getegid()
        _unshare(CLONE_NEWUSER | CLONE_NEWNET)
        try:
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError:
            pass                                 # unmapped ids: reading files still works
        return _verify()
    except OSError as exc:
        return f"none (unshare failed: {exc.strerror or exc})"


def _verify() -> str:
    """Prove the namespace is empty: a loopback connection must fail at once."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", 9))
    except OSError as exc:
        if exc.errno in (101, 99):               # ENETUNREACH, EADDRNOTAVAIL: no usable interface
            return NETWORK_NAMESPACE
        return f"none (a new network namespace still answers on loopback: {exc})"
    finally:
        s.close()
    return "none (a new network namespace still reaches 127.0.0.1)"
