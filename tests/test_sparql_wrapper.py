"""SPARQLWrapper as the client: every query form x GET/POST x every return format it supports for
that form, each answer parsed by SPARQLWrapper's own ``convert()``, against the live server."""
from __future__ import annotations

import warnings

import pytest
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
KETEN = "https://w3id.org/ketengraaf/def#Keten"
QUERIES = {
    "SELECT": f"SELECT ?c WHERE {{ ?c a <{OWL_CLASS}> FILTER(isIRI(?c)) }} ORDER BY ?c LIMIT 5",
    "ASK": f"ASK {{ <{KETEN}> a <{OWL_CLASS}> }}",
    "CONSTRUCT": f"CONSTRUCT {{ ?c a <{OWL_CLASS}> }} WHERE {{ ?c a <{OWL_CLASS}> FILTER(isIRI(?c)) }} LIMIT 5",
    "DESCRIBE": f"DESCRIBE <{KETEN}>",
}
FORMATS = {"SELECT": [XML, JSON, CSV, TSV], "ASK": [XML, JSON, CSV, TSV],
           "CONSTRUCT": [XML, RDFXML, TURTLE, N3, JSONLD], "DESCRIBE": [XML, RDFXML, TURTLE, N3, JSONLD]}
CASES = [(form, method, fmt) for form in QUERIES for method in (GET, POST) for fmt in FORMATS[form]]


def _check(form: str, fmt: str, result) -> None:
    if form == "SELECT":
        if fmt == JSON:
            rows = result["results"]["bindings"]
            assert len(rows) == 5 and all(r["c"]["type"] == "uri" for r in rows)
        elif fmt == XML:
            assert len(result.getElementsByTagName("result")) == 5
        else:
            lines = result.decode().strip().splitlines()
            assert len(lines) == 6 and lines[0].strip() in ("c", "?c")
    elif form == "ASK":
        if fmt == JSON:
            assert result["boolean"] is True
        elif fmt == XML:
            assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"
        else:
            assert result.decode().strip().lower().endswith("true")
    else:
        if fmt in (TURTLE, N3):
            from rdflib import Graph
            g = Graph().parse(data=result.decode() if isinstance(result, bytes) else result, format="turtle")
        else:
            g = result                              # SPARQLWrapper gives an rdflib Graph
        assert len(g) >= 1
        if form == "DESCRIBE":
            assert any(str(s) == KETEN for s in g.subjects())


@pytest.mark.parametrize("form,method,fmt", CASES, ids=[f"{f}-{m}-{t}" for f, m, t in CASES])
def test_sparqlwrapper_matrix(live_server, form, method, fmt):
    sw = SPARQLWrapper(live_server.url + "/sparql")
    sw.setQuery(QUERIES[form])
    sw.setMethod(method)
    sw.setReturnFormat(fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)     # no "unexpected format" fallbacks
        result = sw.query().convert()
    _check(form, fmt, result)
