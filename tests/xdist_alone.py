"""Tests marked ``alone`` run while no other test runs, also when pytest-xdist runs the suite on two
workers (``-n 2`` in pyproject.toml's ``addopts``).

They are the tests that measure time (a p99, medians, "stopped within 2 s") or reuse a port they let go:
another worker's test beside them would take the CPU they measure, or the port. ``xdist_group`` only keeps
tests on one worker; it does not pause the others. So every test holds a lock shared by the workers of the
run: a shared lock from its setup to its teardown, and an ``alone`` test an exclusive one while it is
called (its fixtures are set up beside other tests; then it waits for the test running on the other worker
to end, and no other test starts until it is done). A second lock, the turnstile, is taken before either,
so that the other worker's stream of tests cannot starve a waiting ``alone`` test. Under xdist the alone
tests are collected last. Without xdist (``-n 0``, ``-p no:xdist``) nothing is locked or moved.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

_KEY = pytest.StashKey[tuple]()


def _take(turnstile, running, mode: int) -> None:
    fcntl.flock(turnstile, fcntl.LOCK_EX)
    try:
        fcntl.flock(running, mode)
    finally:
        fcntl.flock(turnstile, fcntl.LOCK_UN)


def pytest_collection_modifyitems(config, items):
    """In an xdist worker, the alone tests go last (in their order): each waits for the test running on the
    other worker to end, so one after the other they wait once (the other worker is done or runs alone tests
    too) instead of once each, beside whatever long test happens to run. Every worker collects the same."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: item.get_closest_marker("alone") is not None)      # stable


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # only in an xdist worker: its base temporary folder is a folder in the run's, where the locks are
    if not os.environ.get("PYTEST_XDIST_WORKER") or not item.config.option.basetemp:
        return (yield)
    base = Path(item.config.option.basetemp).parent
    with open(base / "alone-turnstile.lock", "a+") as turnstile, open(base / "alone-running.lock", "a+") as running:
        _take(turnstile, running, fcntl.LOCK_SH)
        item.stash[_KEY] = (turnstile, running)
        try:
            return (yield)
        finally:
            del item.stash[_KEY]
            fcntl.flock(running, fcntl.LOCK_UN)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    locks = item.stash.get(_KEY, None)
    if locks is None or item.get_closest_marker("alone") is None:
        return (yield)
    turnstile, running = locks
    fcntl.flock(running, fcntl.LOCK_UN)       # let go first: waiting for the turnstile while holding it deadlocks
    _take(turnstile, running, fcntl.LOCK_EX)
    try:
        return (yield)
    finally:
        fcntl.flock(running, fcntl.LOCK_UN)
        _take(turnstile, running, fcntl.LOCK_SH)
