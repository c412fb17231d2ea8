"""Where a catalogue is: a folder with ``ontology/``, ``shapes/`` and ``data/``.

A catalogue is what ketengraaf serves and validates. Which one, in order:

1. the one named (``--catalogue DIR``, setting ``catalogue``, ``KETENGRAAF_CATALOGUE``);
2. the current folder, when it holds a catalogue;
3. the catalogue shipped inside the installed package (the repository's own, copied into
   the wheel at build time as ``ketengraaf/_shipped/``); in a source checkout installed
   in editable mode, that checkout.

Derived data (the store, imports) lives in the catalogue's ``var/`` folder, except for
the shipped catalogue, whose package folder is not ours to write: its ``var/`` is under
the user's state folder (``$XDG_STATE_HOME/ketengraaf/``, else ``~/.local/state/ketengraaf/``).

An optional ``ketengraaf.toml`` in the catalogue holds settings (``name = value``, the names
of :mod:`ketengraaf.settings`).
"""
from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from .errors import ConfigError

FOLDERS = ("ontology", "shapes", "data")
SETTINGS_FILE = "ketengraaf.toml"
SHIPPED_PACKAGE_DIR = "_shipped"


def is_catalogue(folder: str | os.PathLike) -> bool:
    """A folder holds a catalogue when it has ``ontology/``, ``shapes/`` and ``data/``."""
    folder = Path(folder)
    return all((folder / name).is_dir() for name in FOLDERS)


def _state_home() -> Path:
    raw = os.environ.get("XDG_STATE_HOME", "").strip()
    return Path(raw) if raw else Path.home() / ".local" / "state"


@dataclass(frozen=True)
class Catalogue:
    """A catalogue folder. ``shipped``: the copy inside the installed package (read-only)."""

    root: Path
    shipped: bool = False

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def sources(self) -> list[Path]:
        """What a full load reads: the ontology, the shapes and the data."""
        return [self.root / name for name in FOLDERS]

    @property
    def var_dir(self) -> Path:
        """Folder for derived data (store, imports)."""
        if self.shipped:
            return _state_home() / "ketengraaf" / f"shipped-{metadata.version('ketengraaf')}"
        return self.root / "var"

    @property
    def settings_file(self) -> Path:
        return self.root / SETTINGS_FILE

    def relative(self, path: str | os.PathLike) -> str | None:
        """``path`` relative to the catalogue folder (POSIX), or None when it lies outside."""
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None

    def file_settings(self) -> dict[str, Any]:
        """The settings in the catalogue's ``ketengraaf.toml`` (empty when there is none)."""
        path = self.settings_file
        if not path.is_file():
            return {}
        try:
            with path.open("rb") as f:
                return tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc

    def __str__(self) -> str:
        return str(self.root) + (" (shipped with ketengraaf)" if self.shipped else "")


def shipped() -> Catalogue | None:
    """The catalogue shipped with the package, or None when this install has none."""
    packaged = Path(str(resources.files("ketengraaf"))) / SHIPPED_PACKAGE_DIR
    if is_catalogue(packaged):
        return Catalogue(packaged.resolve(), shipped=True)
    # An editable install of a source checkout: the package sits in <checkout>/app/ketengraaf.
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and is_catalogue(checkout):
        return Catalogue(checkout)
    return None


def locate(named: str | os.PathLike | None = None, *, cwd: str | os.PathLike | None = None) -> Catalogue:
    """The catalogue to use: ``named``, else the current folder, else the shipped one."""
    if named is not None and str(named).strip():
        folder = Path(named).expanduser()
        if not folder.is_dir():
            raise ConfigError(f"catalogue {folder}: no such folder")
        if not is_catalogue(folder):
            missing = ", ".join(f"{n}/" for n in FOLDERS if not (folder / n).is_dir())
            raise ConfigError(f"catalogue {folder}: not a catalogue (missing {missing}); "
                              "`ketengraaf new DIR` writes a new one")
        return Catalogue(folder.resolve())
    here = Path.cwd() if cwd is None else Path(cwd)
    if is_catalogue(here):
        return Catalogue(here.resolve())
    found = shipped()
    if found is None:
        raise ConfigError(f"no catalogue in {here} and none shipped with this installation: "
                          "pass --catalogue DIR, or write one with `ketengraaf new DIR`")
    return found


def new_catalogue(folder: str | os.PathLike) -> Catalogue:
    """Write a new catalogue into ``folder`` (new, or empty): the shipped ontology and shapes, the
    skeleton's example chain, README and settings file. Nothing is overwritten."""
    target = Path(folder).expanduser()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"{target}: exists and is not an empty folder; `ketengraaf new` writes only into "
                          "a new or empty folder")
    source = shipped()
    if source is None:
        raise ConfigError("this installation ships no catalogue to copy the ontology and shapes from")
    skeleton = Path(str(resources.files("ketengraaf"))) / "skeleton"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("ontology", "shapes"):
        shutil.copytree(source.root / name, target / name)
    shutil.copytree(skeleton, target, dirs_exist_ok=True)
    return Catalogue(target.resolve())
