"""The SPARQL 1.1 endpoint: protocol, guards, formats, worker pool, cache, descriptions, query page.

Its blueprint (``views.bp``) is registered by :func:`ketengraaf.web.blueprints`; user queries run in
the worker pool of :mod:`ketengraaf.sparql.workers`, never in the web process.
"""
from __future__ import annotations
