"""Provenance of the chain data: a catalogue that architects cite states nothing as fact that no source says.

Three levels (data/README.md, "Provenance"): every file describes its own named graph (sources, licence,
creator, modified date); every chain names its source or is typed keten:Illustratie; in a chain that is
not an illustration every statement carries a claim (a reified rdf:Statement) naming its source and
quoting the sentence. The pages show those sources, so a reader can check each answer.
"""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ketengraaf.sources import collect_sources
from ketengraaf.namespaces import GRAPH, ID, KETEN
from paths import ROOT
from conftest import SHARED, needs_shared

KETENS = ROOT / "data" / "ketens"
GEMMA_PAGE = URIRef("https://www.gemmaonline.nl/index.php/Procesarchitectuur_Impact_van_ketensamenwerking")
GEMMA_TEXT = SHARED / "domain" / "gemma-procesarchitectuur-impact-van-ketensamenwerking.txt"
GEMMA_MODEL = SHARED / "reference" / "gemma-archi" / "model"
ELEMENT_PAGE = re.compile(r"^https://www\.gemmaonline\.nl/index\.php/GEMMA/id-([0-9a-f-]{36})$")
NORA_PAGE = re.compile(r"^https://www\.noraonline\.nl/wiki/.+")
CHAINS = (KETEN.Keten, KETEN.Orkestratieketen, KETEN.Estafetteketen, KETEN.Doelketen, KETEN.Netwerk)
# predicates that name, annotate or link a resource rather than assert something about it
NOT_STATEMENTS = {SKOS.prefLabel, SKOS.altLabel, KETEN.toelichting, RDFS.seeAlso, KETEN.wikiPagina, DCTERMS.source}


def _graph(path) -> Graph:
    return Graph().parse(path, format="turtle")


FILES = {f.name: _graph(f) for f in collect_sources([KETENS])}


@pytest.fixture(scope="module")
def everything() -> Graph:
    g = Graph()
    for f in [*collect_sources([ROOT / "ontology"]), *collect_sources([KETENS])]:
        g.parse(f, format="turtle")
    return g


def chains(g: Graph) -> set:
    return {s for c in CHAINS for s in g.subjects(RDF.type, c)}


def claims(g: Graph) -> dict[tuple, set]:
    """(subject, predicate, object) -> the claim nodes about that triple that name a source and a quotation."""
    out: dict[tuple, set] = {}
    for c in g.subjects(RDF.type, RDF.Statement):
        if any(g.objects(c, DCTERMS.source)) and any(g.objects(c, KETEN.citaat)):
            key = (g.value(c, RDF.subject), g.value(c, RDF.predicate), g.value(c, RDF.object))
            out.setdefault(key, set()).add(c)
    return out


def is_illustration(g: Graph, chain) -> bool:
    return (chain, RDF.type, KETEN.Illustratie) in g


# ---------------------------------------------------------------- per file and per chain

@pytest.mark.parametrize("name", sorted(FILES))
def test_every_file_describes_its_graph(name):
    g = FILES[name]
    me = URIRef(f"{GRAPH}data/ketens/{name}")
    assert list(g.objects(me, DCTERMS.source)), f"{name}: the graph names no dcterms:source"
    assert g.value(me, DCTERMS.license) and g.value(me, DCTERMS.creator), f"{name}: licence or creator missing"
    modified = g.value(me, DCTERMS.modified)
    assert isinstance(modified, Literal) and modified.datatype == XSD.date, f"{name}: dcterms:modified {modified!r}"
    assert {lit.language for lit in g.objects(me, DCTERMS.title)} >= {"nl", "en"}


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_chain_without_sources_fails_unless_it_is_an_illustration(name):
    g = FILES[name]
    sourced_subjects = {s for (s, _p, _o) in claims(g)}
    for chain in chains(g):
        sourced = any(g.objects(chain, DCTERMS.source)) or chain in sourced_subjects
        assert sourced or is_illustration(g, chain), \
            f"{chain} names no source (dcterms:source or a claim) and is not a keten:Illustratie"
        if is_illustration(g, chain):
            notes = [str(n) for n in g.objects(chain, KETEN.toelichting) if n.language == "nl"]
            assert any("Illustratie" in n for n in notes), f"{chain}: the toelichting must say what is illustration"


def test_the_shipped_chains_are_sourced_or_marked(everything):
    marked = {c for c in chains(everything) if is_illustration(everything, c)}
    assert ID["keten/vergunning-met-extern-advies"] not in marked      # GEMMA's orchestration example, sourced
    assert {ID["keten/nazorg-ex-gedetineerden"], ID["keten/schuldhulpverlening"],
            ID["netwerk/wijknetwerk-zorg-en-welzijn"]} <= marked      # in no source at all


def test_every_statement_about_a_sourced_chain_is_sourced():
    """For each chain that is not a keten:Illustratie, in the file that describes it:

    - the chain's resources are the chain itself, its participations (``?d keten:keten <chain>``), its
      processes (``keten:heeftProces``, ``keten:hoofdproces``) and their sub-processes
      (``keten:heeftDeelproces``, at any depth), and its goals (``keten:heeftDoel``);
    - a *statement* about them is every triple of that file whose subject is one of these resources,
      ``rdf:type`` and ``skos:definition`` included, except triples whose predicate only names, annotates
      or links the resource: ``skos:prefLabel``, ``skos:altLabel``, ``keten:toelichting``, ``rdfs:seeAlso``,
      ``keten:wikiPagina`` and ``dcterms:source``;
    - a statement is *sourced* when the same file holds an ``rdf:Statement`` with the same ``rdf:subject``,
      ``rdf:predicate`` and ``rdf:object`` (literals compared with their language), at least one
      ``dcterms:source`` and at least one ``keten:citaat``.

    Conversely every such claim is about a triple the file asserts (no claim for a removed statement)."""
    checked = 0
    for name, g in FILES.items():
        sourced = claims(g)
        for chain in chains(g):
            if is_illustration(g, chain):
                continue
            resources = {chain} | set(g.subjects(KETEN.keten, chain)) | set(g.objects(chain, KETEN.heeftDoel))
            todo = list(g.objects(chain, KETEN.heeftProces)) + list(g.objects(chain, KETEN.hoofdproces))
            while todo:
                p = todo.pop()
                if p not in resources:
                    resources.add(p)
                    todo += list(g.objects(p, KETEN.heeftDeelproces))
            missing = [f"{s.n3(g.namespace_manager)} {p.n3(g.namespace_manager)} {o.n3(g.namespace_manager)}"
                       for s in resources for p, o in g.predicate_objects(s)
                       if p not in NOT_STATEMENTS and (s, p, o) not in sourced]
            assert not missing, f"{name}: statements without a claim naming source and quotation:\n" + \
                "\n".join(sorted(missing))
            checked += sum(1 for s in resources for p, _o in g.predicate_objects(s) if p not in NOT_STATEMENTS)
        for (s, p, o) in sourced:
            assert (s, p, o) in g, f"{name}: a claim about a triple the file does not assert: {s} {p} {o}"
    assert checked >= 25, "the sourced chain should be described, not emptied"


def test_claims_cite_known_pages():
    for name, g in FILES.items():
        for c in g.subjects(RDF.type, RDF.Statement):
            for src in g.objects(c, DCTERMS.source):
                assert src == GEMMA_PAGE or ELEMENT_PAGE.match(str(src)) or NORA_PAGE.match(str(src)), \
                    f"{name}: claim cites {src}, which is not a GEMMA or NORA page"
            for q in g.objects(c, KETEN.citaat):
                assert isinstance(q, Literal) and q.language == "nl", f"{name}: quotation {q!r} needs @nl"


@needs_shared
def test_quotations_are_verbatim_in_the_shipped_sources():
    """A keten:citaat is a sentence of the GEMMA page (copy in ../shared/domain/) or, for a claim citing a
    GEMMA element page, that element's name in the GEMMA ArchiMate model (../shared/reference/)."""
    page = " ".join(GEMMA_TEXT.read_text(encoding="utf-8").split())
    problems = []
    for name, g in FILES.items():
        for c in g.subjects(RDF.type, RDF.Statement):
            names = set()
            for src in g.objects(c, DCTERMS.source):
                m = ELEMENT_PAGE.match(str(src))
                if m:
                    for f in GEMMA_MODEL.rglob(f"*_id-{m.group(1)}.xml"):
                        names |= set(re.findall(r'name="([^"]*)"', f.read_text(encoding="utf-8"))[:1])
            for q in g.objects(c, KETEN.citaat):
                text = " ".join(str(q).split())
                if text not in page and unescape(text) not in names:
                    problems.append(f"{name}: {text!r} is in neither the GEMMA page nor a cited element's name")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- what a reader sees

ROLE_QUESTION = """
PREFIX keten: <https://w3id.org/ketengraaf/def#>
SELECT ?deelname ?keten ?rol WHERE {
  ?deelname keten:keten ?keten ; keten:partner <https://w3id.org/ketengraaf/id/partner/gemeente> ; keten:rol ?rol .
  FILTER NOT EXISTS { ?keten a keten:Illustratie }
} ORDER BY ?deelname"""


def test_in_which_role_the_municipality_takes_part_is_traceable_on_the_pages(client, everything):
    """The example question 'in welke rol neemt de gemeente deel?' over the chains that are not
    illustrations: every row is a participation whose page shows, for its role, the source page and the
    quoted sentence, so a reader can check the answer."""
    r = client.get("/sparql?query=" + quote(ROLE_QUESTION), headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.data[:300]
    rows = r.get_json()["results"]["bindings"]
    assert rows, "the municipality takes part in at least one sourced chain"
    for row in rows:
        deelname, rol = row["deelname"]["value"], row["rol"]["value"]
        sources = {str(s) for c in claims(everything).get((URIRef(deelname), KETEN.rol, URIRef(rol)), ())
                   for s in everything.objects(c, DCTERMS.source)}
        quotes = {str(q) for c in claims(everything).get((URIRef(deelname), KETEN.rol, URIRef(rol)), ())
                  for q in everything.objects(c, KETEN.citaat)}
        assert sources and quotes, f"{deelname}: its role {rol} has no claim with source and quotation"
        page = client.get(deelname[len("https://w3id.org/ketengraaf"):] + "?lang=nl",
                          headers={"Accept": "text/html"})
        assert page.status_code == 200
        body = unescape(page.data.decode())
        assert 'id="claims-h"' in body, f"{deelname}: the page shows no sources of its statements"
        section = body.split('id="claims-h"', 1)[1].split("</section>", 1)[0]
        for s in sources:
            assert f'href="{s}"' in section, f"{deelname}: source {s} not linked on its page"
        for q in quotes:
            assert q in section, f"{deelname}: quotation {q!r} not shown on its page"
    assert ("https://w3id.org/ketengraaf/id/deelname/vergunning-met-extern-advies-gemeente",
            "https://w3id.org/ketengraaf/id/rol/regisseur") in {(x["deelname"]["value"], x["rol"]["value"])
                                                               for x in rows}


def test_illustrations_are_shown_as_such(client):
    chain = client.get("/id/keten/vth?lang=nl", headers={"Accept": "text/html"}).data.decode()
    assert 'class="illustration"' in chain and "Illustratie" in chain
    assert 'id="claims-h"' in chain            # what does rest on the source is still shown with its source
    part = client.get("/id/deelname/vth-omgevingsdienst?lang=nl", headers={"Accept": "text/html"}).data.decode()
    assert 'class="illustration"' in part and 'href="/id/keten/vth"' in part.split('class="illustration"', 1)[1]
    sourced = client.get("/id/keten/vergunning-met-extern-advies?lang=nl", headers={"Accept": "text/html"})
    assert 'class="illustration"' not in sourced.data.decode()
    hits = client.get("/search?q=schuldhulp&lang=nl", headers={"Accept": "text/html"}).data.decode()
    assert re.search(r'<span class="type illustration">Illustratie</span>', hits)


def test_recently_changed_uses_the_catalogues_own_dates(client, everything):
    body = client.get("/?lang=nl", headers={"Accept": "text/html"}).data.decode()
    recent = body.split('id="recent-h"', 1)[1].split("</ul>", 1)[0]
    dates = set(re.findall(r'<time datetime="([^"]+)"', recent))
    assert dates, "nothing recently changed"
    wiki_dates = {str(d) for d in everything.objects(None, KETEN.laatstBewerkt)}
    own = {str(d) for d in everything.objects(None, DCTERMS.modified)}
    assert not dates & (wiki_dates - own), f"a wiki page's last-edit date shown as a change date: {dates}"
    assert dates <= own


def test_rdf_answer_carries_the_claims(client):
    r = client.get("/data/deelname/vergunning-met-extern-advies-gemeente.ttl")
    g = Graph().parse(data=r.data, format="turtle")
    stmt = next(g.subjects(RDF.subject, ID["deelname/vergunning-met-extern-advies-gemeente"]), None)
    assert stmt is not None and g.value(stmt, DCTERMS.source) is not None and g.value(stmt, KETEN.citaat) is not None
