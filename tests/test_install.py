"""Installed the way a user installs it: `pip install .` (not editable) into a fresh virtual
environment, then run from a folder that is not the checkout.

This is what broke before: the package was called `app`, and found its catalogue through
`__file__`, which points into site-packages after a normal install.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from paths import ROOT

pytestmark = pytest.mark.install


# what a checkout holds beside its files: made by installs, tests and servers, never part of a clone
DERIVED = (".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", "node_modules", "var", "out")


def _run(cmd: list[str], cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _clone_of_the_checkout(dest: Path) -> Path:
    """The checkout's files as a fresh clone has them (with what is new and not ignored), copied to dest.

    pip builds in the source folder; building in the checkout itself read a tree that the tests running
    beside this one change (stores under var/, bytecode under __pycache__), and once failed in CI with a
    bare "[Errno 2] No such file or directory". A copy is also what a user installs from: a clone.
    """
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):       # not a git checkout (an unpacked archive)
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*DERIVED))
        return dest
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        if source.is_file():                                # a tracked file deleted in the checkout is not copied
            (dest / relative).parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copy2(source, dest / relative)
            except FileNotFoundError:                       # a new file that went away meanwhile
                continue
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder, environment) of a fresh venv with ketengraaf installed from the checkout."""
    base = tmp_path_factory.mktemp("install")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["XDG_STATE_HOME"] = str(base / "state")           # where the shipped catalogue's store goes
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    source = _clone_of_the_checkout(base / "clone")
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(source)], cwd=base, env=env,
               timeout=900)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return venv / "bin", env, base


def test_nothing_is_importable_as_app_and_the_package_is_not_the_checkout(installed):
    bin_dir, env, base = installed
    empty = base / "leeg-app"
    empty.mkdir()
    no_app = _run([str(bin_dir / "python"), "-c", "import app"], cwd=empty, env=env)
    assert no_app.returncode != 0 and "No module named 'app'" in no_app.stderr
    where = _run([str(bin_dir / "python"), "-c", "import ketengraaf; print(ketengraaf.__file__)"], cwd=empty, env=env)
    assert where.returncode == 0 and "site-packages" in where.stdout and str(ROOT) not in where.stdout


def test_validate_from_an_empty_folder_uses_the_shipped_catalogue(installed):
    bin_dir, env, base = installed
    empty = base / "leeg-validate"
    empty.mkdir()
    result = _run([str(bin_dir / "ketengraaf"), "validate"], cwd=empty, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 overtredingen" in result.stdout


def test_new_catalogue_validates_with_the_installed_tool(installed):
    bin_dir, env, base = installed
    made = _run([str(bin_dir / "ketengraaf"), "new", "mijn-catalogus"], cwd=base, env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    result = _run([str(bin_dir / "ketengraaf"), "validate"], cwd=base / "mijn-catalogus", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_from_an_empty_folder_serves_the_shipped_catalogue(installed):
    bin_dir, env, base = installed
    empty = base / "leeg-serve"
    empty.mkdir()
    port = _free_port()
    proc = subprocess.Popen([str(bin_dir / "ketengraaf"), "serve", "--port", str(port)], cwd=empty, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, health = time.monotonic() + 120, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = r.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert health and '"status":"ok"' in health.replace(" ", ""), proc.stdout.read() if proc.poll() else health
        req = urllib.request.Request(f"http://127.0.0.1:{port}/id/keten/vth", headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read().decode()
        assert "Vergunningverlening, toezicht en handhaving" in body
        assert not (empty / "var").exists()                # the store is not put in the user's folder
        assert (base / "state" / "ketengraaf").is_dir()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
