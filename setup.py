"""Build hook: ship the repository's own catalogue inside the wheel.

``ontology/``, ``shapes/`` and ``data/`` stand at the top of the repository (they are a
catalogue in their own right); a wheel gets a copy as ``ketengraaf/_shipped/``, so that
``ketengraaf serve`` and ``ketengraaf validate`` work from any folder after a normal
``pip install .`` (see ketengraaf/catalogue.py). Editable installs find the checkout itself.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CATALOGUE = ("ontology", "shapes", "data")


class BuildWithCatalogue(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "ketengraaf" / "_shipped"
        for name in CATALOGUE:
            source = HERE / name
            if not source.is_dir():
                raise SystemExit(f"cannot ship the catalogue: {source} is missing")
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(source, target / name)


setup(cmdclass={"build_py": BuildWithCatalogue})
