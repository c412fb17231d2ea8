"""SPARQL 1.1 Update as an exact delta (ketengraaf.sparql.update), measured against the engine.

The differential test runs each update twice on copies of one small store: (A) by the engine
(``pyoxigraph.Store.update``) and (B) by :func:`run_update` with the plain apply. The stores must end
the same (quads with blank nodes compared up to renaming: their number; every other quad exactly;
the named graphs exactly), and the delta returned must be exactly the difference of B before and
after. Some deltas are also checked by hand.
"""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from ketengraaf.errors import QueryError, QueryRefused
from ketengraaf.sparql.reader import Limits
from ketengraaf.sparql.update import DEFAULT_GRAPH, Delta, UpdateFailed, apply_to, graph_key, run_update

EX = "http://example.org/"
P = "PREFIX ex: <http://example.org/>\n"

DATA = """PREFIX ex: <http://example.org/>
ex:a ex:p ex:b ; ex:name "Alice" ; ex:age 30 .
ex:b ex:p ex:c ; ex:name "Bob"@en ; ex:age 25 .
ex:c ex:name "Carol" ; ex:tag "x{y}" .
_:x ex:p ex:a ; ex:name "anon" .
GRAPH ex:g1 { ex:a ex:q ex:b . ex:b ex:q "lit" . ex:a ex:name "Alice" . }
GRAPH ex:g2 { ex:c ex:q ex:a . _:y ex:q ex:c . }
"""


def fresh_store() -> ox.Store:
    store = ox.Store()
    store.extend(ox.parse(DATA, format=ox.RdfFormat.TRIG))
    store.add_graph(ox.NamedNode(EX + "empty"))
    return store


def n(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def lit(value: str, **kw) -> ox.Literal:
    return ox.Literal(value, **kw)


INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
D = ox.DefaultGraph()


def graphs(store: ox.Store) -> set[str]:
    return {graph_key(g) for g in store.named_graphs()}


def has_blank(q: ox.Quad | ox.Triple) -> bool:
    return any(isinstance(t, ox.BlankNode) or (isinstance(t, ox.Triple) and has_blank(t)) for t in q)


# Every operation kind; comments, strings and escapes that a naive reader gets wrong.
UPDATES = [
    # INSERT DATA / DELETE DATA
    P + "INSERT DATA { ex:a ex:p ex:z }",
    P + "INSERT DATA { ex:a ex:p ex:b }",                                   # already there: no delta
    P + "INSERT DATA { GRAPH ex:g3 { ex:a ex:p 01, 1.50, true, -2, \"s\"@EN-gb } ex:d ex:p ex:e }",
    P + "INSERT DATA { ex:a ex:list (1 2 3) . [] ex:p [ ex:q ex:a ] }",
    P + "INSERT DATA { _:n ex:p ex:a . _:n ex:q ex:b }",
    P + "INSERT DATA { <http://example.org/\\u0041> ex:p \"a\\u0022b\" }",   # escapes in IRI and string
    P + "INSERT DATA { ex:a ex:p \"}\" . # a comment with } and WHERE {\n ex:a ex:q '''{\"'''}",
    P + "INSERT DATA { GRAPH ex:g1 { ex:a ex:q ex:b } }",
    P + "INSERT DATA { ex:a ex:p \"x\" . GRAPH ex:g1 { } . ex:a ex:p ex:b . GRAPH ex:g5 { } }",
    P + "insert data { ex:a a ex:T ; ex:p true, false } ; with ex:g1 insert { ?s a ex:U } "
        "using named ex:g2 where { graph ?g { ?s ?p ?o } }",
    P + "INSERT DATA { ex:a ex:p \"\\u00E9\\U0001F600\" , 'it\\'s'@nl , \"\"\"multi\nline\"\"\", 1e3, .5, 2.0E-1 }",
    P + "DELETE DATA { ex:b ex:name \"Bob\"@EN }",
    P + "DELETE DATA { ex:a ex:p ex:b }",
    P + "DELETE DATA { ex:a ex:p ex:nothere }",
    P + "DELETE DATA { GRAPH ex:g1 { ex:a ex:q ex:b . ex:b ex:q \"lit\" . ex:a ex:name \"Alice\" } }",
    P + "DELETE DATA { ex:a ex:age 030 }",                                # 030 is stored as 30
    P + "INSERT DATA { ex:a ex:p ex:z } ; DELETE DATA { ex:a ex:p ex:z }",
    # DELETE/INSERT ... WHERE
    P + "DELETE { ?s ex:age ?o } INSERT { ?s ex:age ?n } WHERE { ?s ex:age ?o BIND(?o + 1 AS ?n) }",
    P + "INSERT { ?s ex:seen true } WHERE { ?s ex:name ?name }",
    P + "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isLiteral(?o) && ?o = \"Alice\") }",
    P + "INSERT { ?s ex:friend ?f } WHERE { ?s ex:name ?n OPTIONAL { ?s ex:p ?f } }",       # unbound ?f skipped
    P + "DELETE { ?s ex:p ?o } WHERE { ?s ex:p ?o MINUS { ?o ex:age ?age } }",
    P + "INSERT { ?s ex:reach ?o } WHERE { ?s ex:p+ ?o }",                                   # property path
    P + "INSERT { ?s ex:reach ?o } WHERE { ?s ex:p/ex:p|^ex:q ?o }",
    P + "INSERT { ?s ex:reach ?o } WHERE { ?s (ex:p|ex:q)* ?o }",
    P + "INSERT { ?s ex:lt ?b } WHERE { ?s ex:age ?a . ?b ex:age ?c FILTER(?a<?c) }",        # '<' is less than
    P + "INSERT { ?s ex:node [ ex:label ?n ] } WHERE { ?s ex:name ?n }",                      # fresh per solution
    P + "INSERT { _:b ex:of ?s . _:b ex:x 1 } WHERE { ?s ex:age ?a }",
    P + "INSERT { GRAPH ?g { ?s ex:copied ?o } } WHERE { GRAPH ?g { ?s ex:q ?o } }",
    P + "INSERT { GRAPH ?g { ?s ex:in ?g } } WHERE { ?s ex:name ?n OPTIONAL { GRAPH ?g { ?s ?p ?o } } }",
    P + "INSERT { GRAPH ?o { ?s ex:p 1 } } WHERE { ?s ex:name ?o }",                         # literal graph: skipped
    P + "INSERT { ?o ex:p ?s } WHERE { ?s ex:name ?o }",                                     # literal subject: skipped
    P + "INSERT { \"x\" ex:p ?s . ?s ex:ok 1 } WHERE { ?s ex:age ?a }",
    P + "INSERT { ?s ?o ?s } WHERE { ?s ex:age ?o }",                                        # literal predicate
    P + "INSERT { -1 ex:p ?s . \"x\"@en ex:p ?s . \"y\"^^ex:dt ex:p ?s ; ex:q 2 . 1.5 ex:p [ ex:q ?s ] } "
        "WHERE { ?s ex:age ?a }",                                                            # literal subjects
    P + "INSERT { GRAPH ?g { ex:a ex:p ?g } } WHERE { ?g ex:p ex:a }",                       # blank node graph
    P + "INSERT { GRAPH ?g { ex:a ex:p ?g } } WHERE { ?g ex:p ex:a } ; DROP NAMED",
    P + "INSERT { ?s ex:p <<( ?s ex:c ?a )>> . ?s ex:r <<( _:t ex:c 1 )>> } WHERE { ?s ex:age ?a }",  # triple terms
    P + "INSERT DATA { ex:a ex:p <<( ex:b ex:c ex:d )>> }",
    P + "INSERT { _:b ex:p ?s . GRAPH ex:g1 { _:b ex:q ?s } } WHERE { ?s ex:age ?a }",
    P + "INSERT { ?s ex:l (?a ?a) } WHERE { ?s ex:age ?a }",
    P + "INSERT { ?s ex:v ?v } WHERE { ?s ex:age ?a BIND(IF(?a > 26, \"old\", ?unbound) AS ?v) }",
    P + "INSERT { ?x ex:p ?y } WHERE { BIND(BNODE() AS ?x) BIND(1 AS ?y) }",
    P + "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { ?s ?p ?o }",                               # ?g unbound
    P + "WITH ex:g1 DELETE { ?s ex:q ?o } INSERT { ?o ex:q ?s } WHERE { ?s ex:q ?o }",
    P + "WITH ex:g1 INSERT { ?s ex:w 1 } WHERE { ?s ex:name ?n }",
    P + "WITH ex:g1 INSERT { ?s ex:w 1 } USING ex:g2 WHERE { ?s ?p ?o }",
    P + "WITH ex:g9 INSERT { ?s ex:w 1 } USING ex:g1 USING ex:g2 WHERE { ?s ?p ?o }",
    P + "INSERT { ?s ex:w ?g } USING NAMED ex:g2 WHERE { GRAPH ?g { ?s ?p ?o } }",
    P + "INSERT { ?s ex:w 1 } USING NAMED ex:g2 WHERE { ?s ?p ?o }",                          # empty default graph
    P + "INSERT { ?s ex:w 1 } USING ex:g1 WHERE { GRAPH ?g { ?s ?p ?o } }",                   # no named graphs
    P + "DELETE { GRAPH ex:g1 { ?s ?p ?o } } WHERE { GRAPH ex:g1 { ?s ?p ?o } }",
    P + "DELETE { ?s ex:name ?n } INSERT { ?s ex:name ?n } WHERE { ?s ex:name ?n }",          # no net change
    P + "INSERT { ?s ex:t ?v } WHERE { ?s ex:tag ?v FILTER(CONTAINS(?v, \"{\")) } # } WHERE {",
    P + "INSERT { ?s ex:t \"}{\" } WHERE { ?s ex:name ?n FILTER(?n < \"B\") }",
    P + "INSERT { ?s ex:lt ?o } WHERE { ?s ex:age ?o FILTER(?o<26) }",
    P + "INSERT { ?s ex:v ?x } WHERE { VALUES ?x { 1 2 } ?s ex:age 30 }",
    P + "INSERT { ?s ex:sub ?c } WHERE { { SELECT ?s (COUNT(?o) AS ?c) WHERE { ?s ?p ?o } GROUP BY ?s } }",
    P + "INSERT { ?s ex:u ?o } WHERE { { ?s ex:p ?o } UNION { ?s ex:q ?o } }",
    P + "INSERT { ex:a ex:w ?nope } WHERE { ?s ex:age ?a }",                                  # never bound
    P + "INSERT { <http://example.org/\\u0042> ex:w ?a } WHERE { ?s ex:age ?a }",
    P + "INSERT { ?s ex:w 1 } WHERE { }",
    "BASE <http://example.org/base/>\nPREFIX : <rel/>\nINSERT { <x> :y ?s } WHERE { ?s <../p> <../b> }",
    P + "INSERT { ?s ex:n ?n } WHERE { ?s ex:name ?n } ; DELETE { ?s ex:name ?n } WHERE { ?s ex:n ?n }",
    P + "INSERT { $s ex:dollar 1 } WHERE { ?s ex:age $a }",
    # DELETE WHERE
    P + "DELETE WHERE { ?s ex:age ?a }",
    P + "DELETE WHERE { GRAPH ex:g2 { ?s ?p ?o } }",
    P + "DELETE WHERE { ?s ex:p ?o . ?o ex:name ?n }",
    P + "DELETE WHERE { GRAPH ?g { ?s ex:q ?o } }",
    P + "delete where { ex:a ex:p ex:b }",
    # CLEAR / DROP / CREATE
    P + "CLEAR GRAPH ex:g1",
    P + "CLEAR DEFAULT",
    P + "CLEAR NAMED",
    P + "CLEAR ALL",
    P + "CLEAR SILENT GRAPH ex:nothere",
    P + "DROP GRAPH ex:g1",
    P + "DROP GRAPH ex:empty",
    P + "DROP DEFAULT",
    P + "DROP NAMED",
    P + "DROP ALL",
    P + "DROP SILENT GRAPH ex:nothere",
    P + "CREATE GRAPH ex:new",
    P + "CREATE SILENT GRAPH ex:g1",
    P + "CREATE GRAPH ex:new ; INSERT DATA { GRAPH ex:new { ex:a ex:p ex:b } }",
    P + "CREATE GRAPH ex:new ; DROP GRAPH ex:new",
    P + "DROP GRAPH ex:g1 ; CREATE GRAPH ex:g1",
    P + "DROP GRAPH ex:g1 ; INSERT DATA { GRAPH ex:g1 { ex:a ex:q ex:b } }",
    P + "DELETE DATA { GRAPH ex:g2 { ex:c ex:q ex:a } } ; DELETE WHERE { GRAPH ex:g2 { ?s ?p ?o } } ; DROP GRAPH ex:g2",
    # ADD / MOVE / COPY
    P + "ADD ex:g1 TO ex:g2",
    P + "ADD ex:g1 TO DEFAULT",
    P + "ADD DEFAULT TO ex:g3",
    P + "ADD ex:nothere TO ex:g1",
    P + "ADD SILENT GRAPH ex:g1 TO GRAPH ex:g1",
    P + "COPY ex:g1 TO ex:g2",
    P + "COPY DEFAULT TO ex:g1",
    P + "COPY ex:g2 TO DEFAULT",
    P + "COPY ex:nothere TO ex:g1",
    P + "COPY ex:empty TO ex:g2",
    P + "COPY ex:g1 TO ex:new",
    P + "MOVE ex:g1 TO ex:g2",
    P + "MOVE ex:g1 TO DEFAULT",
    P + "MOVE DEFAULT TO ex:g1",
    P + "MOVE SILENT ex:nothere TO ex:g1",
    P + "MOVE ex:g1 TO ex:g1",
    # several operations: each sees the one before
    P + "INSERT DATA { ex:z ex:p ex:a } ; INSERT { ?s ex:r 1 } WHERE { ?s ex:p ex:a }",
    P + "DELETE WHERE { ?s ex:age ?a } ; INSERT { ?s ex:none 1 } WHERE { ?s ex:name ?n FILTER NOT EXISTS "
        "{ ?s ex:age ?x } }",
    P + "COPY ex:g1 TO ex:g3 ; DELETE WHERE { GRAPH ex:g3 { ?s ex:q ?o } } ; ADD ex:g3 TO ex:g1",
    P + "INSERT DATA { ex:a ex:p ex:z } ;\nDELETE WHERE { ex:a ex:p ?o } ;",
    "BASE <http://example.org/> PREFIX ex: <http://example.org/> # a comment\n"
    "INSERT DATA { ex:k ex:p 1 } ; INSERT { ?s <rel> 2 } WHERE { ?s ex:p 1 }",
    P + "CLEAR DEFAULT ; INSERT { ?s ex:back ?o } WHERE { GRAPH ex:g1 { ?s ex:q ?o } }",
    P + "INSERT { ?s ex:p ?o } WHERE { ?s ex:p ?o } ; MOVE DEFAULT TO ex:g2 ; COPY ex:g2 TO ex:g1 ; DROP SILENT NAMED",
    P + "DELETE { ?s ex:name ?n } WHERE { ?s ex:name ?n } ; INSERT { ?s ex:name2 ?n } WHERE { ?s ex:name ?n }",
    "",
    P,
]


def run_both(text: str) -> tuple[ox.Store, ox.Store, set, set, Delta]:
    engine = fresh_store()
    engine.update(text)
    ours = fresh_store()
    before, graphs_before = set(ours), graphs(ours)
    delta = run_update(text, ours, lambda d: apply_to(ours, d))
    return engine, ours, before, graphs_before, delta


def test_enough_updates():
    assert len(UPDATES) >= 60
    for word in ("INSERT DATA", "DELETE DATA", "DELETE WHERE", "WITH", "USING NAMED", "CLEAR", "DROP",
                 "CREATE", "ADD", "MOVE", "COPY", "OPTIONAL", "FILTER", "MINUS", "GRAPH ?g", "SILENT"):
        assert any(word in u for u in UPDATES), word


@pytest.mark.parametrize("text", UPDATES)
def test_same_as_engine(text):
    engine, ours, before, graphs_before, delta = run_both(text)
    after = set(ours)
    # the stores end the same (blank nodes up to renaming)
    assert len(after) == len(set(engine))
    assert {q for q in after if not has_blank(q)} == {q for q in engine if not has_blank(q)}
    assert sorted(str(q.predicate) for q in after if has_blank(q)) == \
        sorted(str(q.predicate) for q in engine if has_blank(q))
    assert graphs(ours) == graphs(engine)
    # the delta is exactly the difference
    assert delta.removed == before - after
    assert delta.added == after - before
    filled = {graph_key(q.graph_name) for q in delta.added}
    assert delta.created == graphs(ours) - graphs_before - filled
    assert delta.dropped == graphs_before - graphs(ours)


def test_deltas_by_hand():
    d = run_both(P + "INSERT DATA { ex:a ex:p ex:z } ; DELETE DATA { ex:a ex:p ex:b }")[4]
    assert d.added == {ox.Quad(n("a"), n("p"), n("z"), D)}
    assert d.removed == {ox.Quad(n("a"), n("p"), n("b"), D)}
    assert not d.created and not d.dropped
    assert d.graphs() == {DEFAULT_GRAPH}

    d = run_both(P + "DELETE { ?s ex:age ?o } INSERT { ?s ex:age ?n } WHERE { ?s ex:age ?o BIND(?o + 1 AS ?n) }")[4]
    assert d.removed == {ox.Quad(n("a"), n("age"), lit("30", datatype=INT), D),
                         ox.Quad(n("b"), n("age"), lit("25", datatype=INT), D)}
    assert d.added == {ox.Quad(n("a"), n("age"), lit("31", datatype=INT), D),
                       ox.Quad(n("b"), n("age"), lit("26", datatype=INT), D)}

    d = run_both(P + "WITH ex:g1 DELETE { ?s ex:q ?o } INSERT { ?o ex:q ?s } WHERE { ?s ex:q ?o FILTER isIRI(?o) }")[4]
    assert d.removed == {ox.Quad(n("a"), n("q"), n("b"), n("g1"))}
    assert d.added == {ox.Quad(n("b"), n("q"), n("a"), n("g1"))}
    assert d.graphs() == {EX + "g1"}

    d = run_both(P + "INSERT DATA { ex:a ex:p 01 }")[4]                # stored as "1"
    assert d.added == {ox.Quad(n("a"), n("p"), lit("1", datatype=INT), D)}

    d = run_both(P + "DROP GRAPH ex:g2")[4]
    assert d.dropped == {EX + "g2"} and len(d.removed) == 2 and not d.added
    d = run_both(P + "CREATE GRAPH ex:new")[4]
    assert d == Delta(created={EX + "new"})
    d = run_both(P + "CREATE GRAPH ex:new ; DROP GRAPH ex:new")[4]
    assert not d

    d = run_both(P + "COPY ex:g1 TO ex:g2")[4]
    assert d.dropped == set() and d.removed == {ox.Quad(n("c"), n("q"), n("a"), n("g2"))} | \
        {q for q in fresh_store().quads_for_pattern(None, None, None, n("g2")) if has_blank(q)}
    assert d.added == {ox.Quad(n("a"), n("q"), n("b"), n("g2")), ox.Quad(n("b"), n("q"), lit("lit"), n("g2")),
                       ox.Quad(n("a"), n("name"), lit("Alice"), n("g2"))}

    d = run_both(P + "INSERT { ?s ex:friend ?f } WHERE { ?s ex:name ?n OPTIONAL { ?s ex:p ?f } }")[4]
    assert {(q.subject, q.object) for q in d.added if not has_blank(q)} == {(n("a"), n("b")), (n("b"), n("c"))}
    assert len(d.added) == 3                                          # _:x ex:friend ex:a; ex:c has no ex:p


def test_blank_nodes_fresh_per_solution():
    store = fresh_store()
    d = run_update(P + "INSERT { ?s ex:node [ ex:label ?n ] } WHERE { ?s ex:name ?n }", store,
                   lambda x: apply_to(store, x))
    nodes = {q.object for q in d.added if q.predicate == n("node")}
    assert len(nodes) == 4 and all(isinstance(b, ox.BlankNode) for b in nodes)


def test_apply_sees_each_operation_and_may_redirect():
    store = fresh_store()
    seen: list[Delta] = []

    def apply(delta: Delta) -> Delta:          # writes default-graph quads to ex:staging instead
        moved = Delta({q for q in delta.removed}, {ox.Quad(q.subject, q.predicate, q.object, n("staging"))
                                                   if isinstance(q.graph_name, ox.DefaultGraph) else q
                                                   for q in delta.added}, delta.created, delta.dropped)
        seen.append(moved)
        return apply_to(store, moved)

    net = run_update(P + "INSERT DATA { ex:z ex:p ex:a } ; INSERT { ?s ex:r 1 } WHERE { GRAPH ?g { ?s ex:p ex:a } }",
                     store, apply)
    assert len(seen) == 2
    assert seen[1].added == {ox.Quad(n("z"), n("r"), lit("1", datatype=INT), n("staging"))}
    assert net.graphs() == {EX + "staging"}


def test_protocol_dataset():
    store = fresh_store()
    d = run_update(P + "INSERT { ?s ex:w 1 } WHERE { ?s ?p ?o }", store, lambda x: apply_to(store, x),
                   using_graph_uri=[EX + "g2"])
    assert {q.subject for q in d.added} == {n("c")} | {q.subject for q in store if has_blank(q)
                                                       and q.graph_name == n("g2") and q.predicate == n("q")}
    store = fresh_store()
    d = run_update(P + "INSERT { ?s ex:w ?g } WHERE { GRAPH ?g { ?s ex:q ex:b } }", store,
                   lambda x: apply_to(store, x), using_named_graph_uri=[EX + "g1"])
    assert d.added == {ox.Quad(n("a"), n("w"), n("g1"), D)}
    for text in ("INSERT { ?s ex:w 1 } USING ex:g1 WHERE { ?s ?p ?o }",
                 "INSERT { ?s ex:w 1 } USING NAMED ex:g1 WHERE { ?s ?p ?o }",
                 "WITH ex:g1 INSERT { ?s ex:w 1 } WHERE { ?s ?p ?o }"):
        with pytest.raises(QueryError, match="given twice"):
            run_update(P + text, fresh_store(), lambda x: x, using_graph_uri=[EX + "g2"])


def test_protocol_dataset_applies_to_delete_where():
    store = fresh_store()
    d = run_update(P + "DELETE WHERE { ?s ex:q ?o }", store, lambda x: apply_to(store, x),
                   using_graph_uri=[EX + "g1"])
    assert d == Delta()                  # matched in ex:g1, deleted from the default graph: none there
    d = run_update(P + "DELETE WHERE { ?s ex:name ?o }", store, lambda x: apply_to(store, x),
                   using_graph_uri=[EX + "g1"])
    assert d.removed == {ox.Quad(n("a"), n("name"), lit("Alice"), D)}


def test_queries_only():
    """run_update itself never writes: with an apply that writes nothing, the store stays as it was."""
    store = fresh_store()
    before, graphs_before = set(store), graphs(store)
    net = run_update(P + "INSERT DATA { ex:a ex:p ex:z } ; DROP ALL ; CREATE GRAPH ex:new ; "
                     "MOVE ex:g1 TO ex:g2 ; DELETE WHERE { ?s ?p ?o }", store, lambda d: d)
    assert set(store) == before and graphs(store) == graphs_before
    assert ox.Quad(n("a"), n("p"), n("z"), D) in net.added and net.created == {EX + "new"}


def test_limits_refuse_before_the_engine_parses():
    deep = P + "INSERT { ?s ?p ?o } WHERE " + "{ " * 100_000 + "?s ?p ?o " + "} " * 100_000
    with pytest.raises(QueryRefused, match="max_query_depth"):
        run_update(deep, fresh_store(), lambda d: pytest.fail("nothing may be applied"))
    with pytest.raises(QueryRefused, match="max_query_chain"):
        run_update(P + "INSERT { ?s ex:w 1 } WHERE { ?s ex:p/ex:p/ex:p ?o }", fresh_store(), lambda d: d,
                   limits=Limits(chain=1))


def test_unreadable_characters_name_line_and_column():
    with pytest.raises(QueryError, match="line 4, column 5"):
        run_update(P + "INSERT DATA { ex:a ex:p ex:b }\n;\n    \u00a7", fresh_store(), lambda d: d)


def test_compose():
    a = ox.Quad(n("a"), n("p"), n("b"), n("g"))
    first = Delta(added={a}, created=set(), dropped=set())
    second = Delta(removed={a}, dropped={EX + "h"})
    assert first.compose(second) == Delta(dropped={EX + "h"})
    assert Delta(dropped={EX + "g"}).compose(Delta(added={a})) == Delta(added={a})
    assert Delta(created={EX + "g"}).compose(Delta(dropped={EX + "g"})) == Delta()
    assert Delta(removed={a}).inverse() == Delta(added={a})


@pytest.mark.parametrize("text, where", [
    ("INSERT DATA { <http://a> <http://b> }", "line 1, column 37"),
    ("PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:p }", "line 1, column 58"),
    (P + "INSERT DATA { ex:a ex:p ex:b } ;\nDELETE { ?s ?p ?o } WHER { ?s ?p ?o }", "line 3, column 27"),
    (P + "INSERT DATA { ex:a ex:p ?x }", "line 2, column 29"),           # variables in INSERT DATA
    (P + "DELETE DATA { _:b ex:p ex:a }", "line 2, column 30"),          # blank nodes in DELETE DATA
    (P + "DELETE { _:b ex:p ?o } WHERE { ?s ex:p ?o }", "line 2"),       # blank nodes in a DELETE template
    (P + "DELETE WHERE { _:b ex:p ?o }", "line 2"),
    (P + "SELECT * WHERE { ?s ?p ?o }", "line 2"),
    (P + "INSERT DATA { ex:a ex:p ex:b } ;\n" + P + "INSERT DATA { ex:a ex:p ex:c }", "line 3, column 7"),
])
def test_syntax_errors_name_line_and_column(text, where):
    """Where the engine itself places the error in the user's text (it does not read PREFIX after ';')."""
    with pytest.raises(SyntaxError) as engine:
        ox.Store().update(text)
    line, col = str(engine.value).split("error at ", 1)[1].split(":")[:2]
    assert where.startswith(f"line {line}")
    if "column" in where:
        assert where == f"line {line}, column {col}"
    store = fresh_store()
    before = set(store)
    with pytest.raises(QueryError, match=where) as info:
        run_update(text, store, lambda d: apply_to(store, d))
    assert info.value.status == 400
    assert set(store) == before


@pytest.mark.parametrize("allow", [False, True])
def test_load_refused(allow):
    with pytest.raises(QueryRefused, match="LOAD"):
        run_update(P + "INSERT DATA { ex:a ex:p ex:z } ; LOAD <http://example.org/data.ttl>", fresh_store(),
                   lambda d: pytest.fail("nothing may be applied"), allow_network=allow)


def test_service_refused():
    with pytest.raises(QueryRefused, match="SERVICE"):
        run_update(P + "INSERT { ?s ex:w 1 } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
                   fresh_store(), lambda d: pytest.fail("nothing may be applied"))


@pytest.mark.parametrize("text", [P + "DROP GRAPH ex:nothere", P + "CLEAR GRAPH ex:nothere",
                                  P + "MOVE ex:nothere TO ex:g1", P + "CREATE GRAPH ex:g1"])
def test_graph_errors_as_the_engine(text):
    with pytest.raises(RuntimeError):
        fresh_store().update(text)
    with pytest.raises(UpdateFailed, match="does not exist|already exists"):
        run_update(text, fresh_store(), lambda d: pytest.fail("nothing may be applied"))


def test_error_after_an_applied_operation_reports_it():
    store = fresh_store()
    before = set(store)
    with pytest.raises(UpdateFailed) as info:
        run_update(P + "INSERT DATA { ex:a ex:p ex:z } ; DROP GRAPH ex:nothere", store, lambda d: apply_to(store, d))
    assert info.value.applied.added == {ox.Quad(n("a"), n("p"), n("z"), D)}
    apply_to(store, info.value.applied.inverse())
    assert set(store) == before
