"""Importers: outside sources -> RDF files (one named graph per file) -> the store.

``IMPORTERS`` names every importer and the module that holds it (imported
only when used). Each importer produces Turtle files; :func:`write_files`
writes them atomically next to each other, and :func:`publish` writes them
into the setting ``import_dir`` and loads the catalogue, restoring the old
files when loading fails, so the store never sees half an import.
"""
from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..errors import InputError
from ..loading import load_catalogue


@dataclass(frozen=True)
class Importer:
    name: str
    module: str            # dotted module path, imported on first use
    help: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


IMPORTERS: dict[str, Importer] = {}


def register(name: str, module: str, help: str) -> Importer:
    IMPORTERS[name] = Importer(name, module, help)
    return IMPORTERS[name]


def get(name: str) -> Importer:
    try:
        return IMPORTERS[name]
    except KeyError:
        raise InputError(f"unknown importer {name!r}; known: {', '.join(sorted(IMPORTERS))}") from None


register("archimate", "ketengraaf.importers.archimate",
         "ArchiMate model (Archi collaboration folder or exchange file) -> RDF, mapped onto keten:")
register("upl", "ketengraaf.importers.upl", "Uniforme Productnamenlijst (CSV) -> CPSV-AP public services")

# The import time differs on every run; it is left out when deciding whether a file changed.
_VOLATILE = re.compile(rb'(prov:generatedAtTime|<http://www\.w3\.org/ns/prov#generatedAtTime>)\s+"[^"]*"')


def same_content(old: bytes, new: bytes) -> bool:
    mask = lambda b: _VOLATILE.sub(rb"\1 _", b)  # noqa: E731
    return mask(old) == mask(new)


def write_files(out_dir: str | Path, files: dict[str, bytes]) -> dict[str, str]:
    """Write ``files`` into ``out_dir``; each file is replaced by rename, never half-written.

    A file whose content is unchanged but for its import time is left as it is,
    so re-importing the same input changes nothing. Returns {name: "written" | "unchanged"}.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    status: dict[str, str] = {}
    for name, data in files.items():
        target = out_dir / name
        if target.is_file() and same_content(target.read_bytes(), data):
            status[name] = "unchanged"
            continue
        tmp = target.with_name(f".{name}.tmp-{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        status[name] = "written"
    return status


def publish(settings, subdir: str, files: dict[str, bytes]):
    """Write ``files`` into ``<import_dir>/<subdir>`` and load the catalogue (a new generation).

    When loading fails, the previous files are put back, so neither the import
    folder nor the store holds half an import. Returns (generation, changed, status).
    """
    out_dir = Path(settings.import_dir) / subdir
    out_dir.mkdir(parents=True, exist_ok=True)
    backups = {name: (out_dir / name).read_bytes() for name in files if (out_dir / name).is_file()}
    status = write_files(out_dir, files)
    try:
        gen, changed = load_catalogue(settings)
    except BaseException:
        for name in files:
            if name in backups:
                write_files(out_dir, {name: backups[name]})
            else:
                (out_dir / name).unlink(missing_ok=True)
        raise
    return gen, changed, status
