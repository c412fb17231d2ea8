"""The ontology (ontology/keten.ttl) and its vocabularies (ontology/begrippen.ttl).

- both parse, with Oxigraph (as the loader does) and rdflib;
- every keten: class and property has rdfs:label and skos:definition in nl and en,
  rdfs:isDefinedBy, a comment (en) saying why it exists, and is an object OR datatype property;
- every term of docs/terms.md exists, with the right kind; every SKOS instance it lists exists;
- every keten: term used in data/ and shapes/ (also inside SPARQL constraints and messages) is
  declared here (catches typos);
- the reused terms (org:, cv:, cpsv:, prov:, foaf:, skos:, dcterms:) exist.
"""
from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

from ketengraaf.sources import collect_sources, parse_file
from ketengraaf.namespaces import CPSV, CV, ID, KETEN, VANN
from paths import ROOT
from conftest import SHARED, needs_shared

ONTOLOGY = ROOT / "ontology" / "keten.ttl"
BEGRIPPEN = ROOT / "ontology" / "begrippen.ttl"
TERMS_MD = ROOT / "docs" / "terms.md"
ONTOLOGY_IRI = URIRef("https://w3id.org/ketengraaf/def")
VOCAB = SHARED / "reference" / "vocab"
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty)


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def vocab() -> Graph:
    return Graph().parse(BEGRIPPEN, format="turtle")


def declared_terms(g: Graph) -> dict[str, set[URIRef]]:
    """keten: terms declared in the ontology: local name -> rdf:types."""
    out: dict[str, set[URIRef]] = {}
    for s, t in g.subject_objects(RDF.type):
        if isinstance(s, URIRef) and str(s).startswith(str(KETEN)) and t in (OWL.Class, *PROPERTY_TYPES):
            out.setdefault(str(s)[len(KETEN):], set()).add(t)
    return out


_QNAME = re.compile(r"(?<![\w/#])keten:([A-Za-z_][A-Za-z0-9_]*)")
_FULL = re.compile(re.escape(str(KETEN)) + r"([A-Za-z_][A-Za-z0-9_]*)")


def used_terms(triples) -> dict[str, str]:
    """keten: local names used in any position of (pyoxigraph) triples, also inside literals
    (SPARQL constraints, messages): local name -> an example of where."""
    used: dict[str, str] = {}
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                if term.value.startswith(str(KETEN)) and term.value != str(KETEN):
                    used.setdefault(term.value[len(KETEN):], f"<{term.value}>")
            elif isinstance(term, ox.Literal):
                for m in (*_QNAME.finditer(term.value), *_FULL.finditer(term.value)):
                    used.setdefault(m.group(1), f"text of {t.subject}: ...{term.value[max(0, m.start() - 30):m.end()]}")
    return used


def undeclared(triples, declared: set[str]) -> dict[str, str]:
    return {name: where for name, where in used_terms(triples).items() if name not in declared}


# ---------------------------------------------------------------- parsing

@pytest.mark.parametrize("path", [ONTOLOGY, BEGRIPPEN], ids=lambda p: p.name)
def test_parses_with_oxigraph_and_rdflib(path):
    parsed = parse_file(path)
    assert parsed.info.triples > 100
    assert len(Graph().parse(path, format="turtle")) == parsed.info.triples


def test_ontology_header(onto):
    o = ONTOLOGY_IRI
    assert (o, RDF.type, OWL.Ontology) in onto
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {lit.language for lit in onto.objects(o, prop)} >= {"nl", "en"}, prop
    assert onto.value(o, OWL.versionInfo) is not None
    assert "eupl" in str(onto.value(o, DCTERMS.license)).lower()
    assert onto.value(o, DCTERMS.creator) is not None
    assert onto.value(o, DCTERMS.modified).datatype == XSD.date
    assert str(onto.value(o, VANN.preferredNamespacePrefix)) == "keten"
    assert str(onto.value(o, VANN.preferredNamespaceUri)) == str(KETEN)


# ---------------------------------------------------------------- every term documented

def test_every_term_has_labels_definitions_and_a_reason(onto):
    terms = declared_terms(onto)
    assert len(terms) >= 50
    problems = []
    for name in sorted(terms):
        iri = KETEN[name]
        for prop in (RDFS.label, SKOS.definition):
            langs = [lit.language for lit in onto.objects(iri, prop)]
            for lang in ("nl", "en"):
                if langs.count(lang) != 1:
                    problems.append(f"keten:{name} has {langs.count(lang)} {prop.n3(onto.namespace_manager)}@{lang}")
        if not any(lit.language == "en" for lit in onto.objects(iri, RDFS.comment)):
            problems.append(f"keten:{name} has no rdfs:comment@en saying why it exists")
        if (iri, RDFS.isDefinedBy, ONTOLOGY_IRI) not in onto:
            problems.append(f"keten:{name} has no rdfs:isDefinedBy <{ONTOLOGY_IRI}>")
    assert not problems, "\n".join(problems)


def test_properties_are_object_xor_datatype_with_fitting_ranges(onto):
    problems = []
    for name, types in declared_terms(onto).items():
        if OWL.Class in types:
            assert not types & set(PROPERTY_TYPES), f"keten:{name} is both class and property"
            continue
        if len(types) != 1:
            problems.append(f"keten:{name} must be exactly one of owl:ObjectProperty / owl:DatatypeProperty")
            continue
        for rng in onto.objects(KETEN[name], RDFS.range):
            literal_range = str(rng).startswith(str(XSD)) or rng == RDF.langString \
                or (rng, RDF.type, RDFS.Datatype) in onto
            if (OWL.DatatypeProperty in types) != literal_range:
                problems.append(f"keten:{name}: range {rng} does not fit {types}")
    assert not problems, "\n".join(problems)


def test_every_class_and_property_is_aligned_or_placed(onto):
    """Each class sits somewhere in a hierarchy (ours or a standard's), so nothing floats."""
    for name, types in declared_terms(onto).items():
        iri = KETEN[name]
        if OWL.Class in types and name != "GedeeldDoel":  # plain class by design (docs/terms.md)
            assert any(onto.objects(iri, RDFS.subClassOf)), f"keten:{name} has no rdfs:subClassOf"


# ---------------------------------------------------------------- docs/terms.md

def terms_md_tables() -> dict[str, list[str]]:
    """The class and property names of docs/terms.md's two tables."""
    tables: dict[str, list[str]] = {"Classes": [], "Properties": []}
    current = None
    for line in TERMS_MD.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^(Classes|Properties) \(`keten:`\)", line)
        if heading:
            current = heading.group(1)
            continue
        if current and line.startswith("|"):
            cell = line.split("|")[1].strip()
            if cell in ("term", "") or set(cell) <= set("- "):
                continue
            tables[current] += [c.strip() for c in cell.split(",")]
        elif current and line.strip() and not line.startswith("|"):
            current = None
    return tables


def terms_md_instances() -> dict[str, str]:
    """SKOS instances listed in docs/terms.md: concept IRI -> its scheme IRI."""
    text = TERMS_MD.read_text(encoding="utf-8")
    section = text.split("SKOS schemes", 1)[1].split("\n- ", 1)[0]  # up to the next top-level bullet
    out: dict[str, str] = {}
    for bullet in re.split(r"\n  - ", section)[1:]:
        tokens = re.findall(r"`([^`]+)`", bullet)
        scheme, prefix = str(ID) + tokens[0][len("id/"):], None
        for tok in tokens[1:]:
            if tok.startswith("id/") and tok.count("/") == 2:
                prefix = tok.rsplit("/", 1)[0] + "/"
                out[str(ID) + tok[len("id/"):]] = scheme
            elif tok.startswith(".../") and prefix:
                out[str(ID) + prefix[len("id/"):] + tok[len(".../"):]] = scheme
    return out


def test_terms_md_is_parsed_completely():
    tables = terms_md_tables()
    assert "Keten" in tables["Classes"] and "Paginastatus" in tables["Classes"]
    assert {"begindatum", "einddatum", "toelichting"} <= set(tables["Properties"])
    instances = terms_md_instances()
    assert str(ID["sturingsbouwsteen/ketenkaart"]) in instances
    assert instances[str(ID["rol/ketenbureau"])] == str(ID["rollen"])


def test_every_term_of_the_contract_exists(onto):
    declared = declared_terms(onto)
    tables = terms_md_tables()
    missing = [f"class keten:{c}" for c in tables["Classes"] if OWL.Class not in declared.get(c, ())]
    missing += [f"property keten:{p}" for p in tables["Properties"]
                if not declared.get(p, set()) & set(PROPERTY_TYPES)]
    assert not missing, "docs/terms.md names terms the ontology lacks: " + ", ".join(missing)


def test_every_listed_concept_exists_in_its_scheme(vocab):
    problems = []
    for concept, scheme in terms_md_instances().items():
        c, s = URIRef(concept), URIRef(scheme)
        if (s, RDF.type, SKOS.ConceptScheme) not in vocab:
            problems.append(f"scheme {scheme} missing")
        if (c, SKOS.inScheme, s) not in vocab:
            problems.append(f"{concept} not in scheme {scheme}")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- the vocabularies

def test_every_concept_is_fully_described(vocab):
    concepts = set(vocab.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) >= 36
    problems = []
    for c in concepts:
        for prop in (SKOS.prefLabel, SKOS.definition):
            langs = [lit.language for lit in vocab.objects(c, prop)]
            if sorted(langs) != ["en", "nl"]:
                problems.append(f"{c}: {prop} languages {langs}")
        schemes = list(vocab.objects(c, SKOS.inScheme))
        if len(schemes) != 1:
            problems.append(f"{c}: {len(schemes)} schemes")
        elif (c, SKOS.topConceptOf, schemes[0]) not in vocab and not any(vocab.objects(c, SKOS.broader)):
            problems.append(f"{c}: neither a top concept nor narrower than another")
    for s in vocab.subjects(RDF.type, SKOS.ConceptScheme):
        tops = set(vocab.objects(s, SKOS.hasTopConcept))
        assert tops == set(vocab.subjects(SKOS.topConceptOf, s)), f"{s}: hasTopConcept and topConceptOf disagree"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme, cls, size", [
    ("ketenprocessen", "Ketensamenwerkingsproces", 4), ("rollen", "Rol", 10),
    ("sturingsbouwstenen", "Sturingsbouwsteen", 10), ("bestuurslagen", "Bestuurslaag", 6),
    ("paginastatussen", "Paginastatus", 4), ("wikis", "Wiki", 2)])
def test_concepts_are_instances_of_their_class(vocab, scheme, cls, size):
    members = set(vocab.subjects(SKOS.inScheme, ID[scheme]))
    assert len(members) == size
    assert all((m, RDF.type, KETEN[cls]) in vocab for m in members)


def test_process_notations_are_one_to_four(vocab):
    notations = {str(vocab.value(c, SKOS.notation)): str(c)
                 for c in vocab.subjects(SKOS.inScheme, ID.ketenprocessen)}
    assert notations == {"1": str(ID["ketenproces/vinden-en-verkennen"]), "2": str(ID["ketenproces/vormgeven"]),
                         "3": str(ID["ketenproces/uitvoeren-en-aansturen"]),
                         "4": str(ID["ketenproces/beoordelen-en-bijsturen"])}


def test_wikis_have_their_base_url(vocab):
    assert vocab.value(ID["wiki/gemma-online"], FOAF.homepage) == URIRef("https://www.gemmaonline.nl/")
    assert vocab.value(ID["wiki/nora-online"], FOAF.homepage) == URIRef("https://www.noraonline.nl/")


# ---------------------------------------------------------------- terms used elsewhere are declared

def _triples_below(*folders: str):
    files = [f for d in folders if (ROOT / d).is_dir() for f in collect_sources([ROOT / d])]
    return files, [t for f in files for t in parse_file(f).triples]


def test_the_declared_terms_check_catches_a_typo(onto):
    declared = set(declared_terms(onto))
    typo = list(ox.parse(
        b'@prefix keten: <https://w3id.org/ketengraaf/def#> . <x:a> keten:heeftDoell <x:b> ; '
        b'<x:q> "SELECT $this WHERE { $this keten:hoofdProces ?p }" .', format=ox.RdfFormat.TURTLE))
    assert set(undeclared(typo, declared)) == {"heeftDoell", "hoofdProces"}


def test_vocabularies_use_only_declared_terms(onto):
    declared = set(declared_terms(onto))
    assert not undeclared(parse_file(BEGRIPPEN).triples, declared)


def test_data_uses_only_declared_terms(onto):
    files, triples = _triples_below("data")
    assert files, "no data files"
    bad = undeclared(triples, set(declared_terms(onto)))
    assert not bad, "undeclared keten: terms in data/: " + "; ".join(f"keten:{k} ({v})" for k, v in bad.items())


def test_shapes_use_only_declared_terms(onto):
    files, triples = _triples_below("shapes")
    if not files:
        pytest.skip("no shapes yet in shapes/")
    bad = undeclared(triples, set(declared_terms(onto)))
    assert not bad, "undeclared keten: terms in shapes/: " + "; ".join(f"keten:{k} ({v})" for k, v in bad.items())


# ---------------------------------------------------------------- reused terms exist

CHECKED_NAMESPACES = {"org": ORG, "cv": CV, "cpsv": CPSV, "prov": PROV, "foaf": FOAF, "skos": SKOS,
                      "dcterms": DCTERMS}
# W3C / DCMI vocabularies rdflib ships closed term lists for
WELL_KNOWN = (ORG, PROV, FOAF, SKOS, DCTERMS)


def reused_terms() -> dict[str, str]:
    """IRIs of the checked namespaces used anywhere in the ontology, vocabularies and chain data."""
    out: dict[str, str] = {}
    files = [ONTOLOGY, BEGRIPPEN, *collect_sources([ROOT / "data" / "ketens"])]
    for f in files:
        for t in parse_file(f).triples:
            for term in (t.predicate, t.object):
                if isinstance(term, ox.NamedNode):
                    for prefix, ns in CHECKED_NAMESPACES.items():
                        if term.value.startswith(str(ns)):
                            out[term.value] = prefix
    return out


def test_reused_w3c_terms_exist():
    unknown = []
    for iri, prefix in reused_terms().items():
        ns = CHECKED_NAMESPACES[prefix]
        if ns in WELL_KNOWN and URIRef(iri) not in ns:
            unknown.append(iri)
    assert not unknown, "not terms of their W3C/DCMI vocabulary: " + ", ".join(unknown)


def _declared_in(paths: list[Path]) -> set[str]:
    g = Graph()
    for p in paths:
        g.parse(p, format="turtle")
    return {str(s) for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}


@needs_shared
def test_reused_org_cv_cpsv_terms_exist_in_the_reference_vocabularies():
    declared = _declared_in([VOCAB / "w3c-org" / "org.ttl", VOCAB / "cpsv-ap-3.2.0" / "cpsv-ap.ttl",
                             VOCAB / "cpov-2.1.2" / "core-public-organisation.ttl"])
    used = {iri for iri, prefix in reused_terms().items() if prefix in ("org", "cv", "cpsv")}
    assert {str(ORG.OrganizationalCollaboration), str(ORG.Membership), str(CV.Participation)} <= used
    missing = sorted(used - declared)
    assert not missing, "not declared in ../shared/reference/vocab: " + ", ".join(missing)


REUSE = ROOT / "ontology" / "hergebruik.ttl"


def _reuse_listed() -> set[URIRef]:
    g = Graph().parse(REUSE, format="turtle")
    return {s for s in g.subjects(RDFS.isDefinedBy, None) if isinstance(s, URIRef)}


def test_reused_terms_listed_for_the_closed_vocabulary_exist():
    """ontology/hergebruik.ttl lists the terms of other vocabularies the data may use: each exists."""
    listed = _reuse_listed()
    assert URIRef(str(SKOS.prefLabel)) in listed and URIRef(str(DCTERMS.title)) in listed
    unknown = [t for t in listed for ns in (*WELL_KNOWN, RDF, RDFS, OWL) if str(t).startswith(str(ns)) and t not in ns]
    assert not unknown, "listed in hergebruik.ttl but not terms of their vocabulary: " + ", ".join(sorted(unknown))


@needs_shared
def test_reused_org_cv_cpsv_terms_listed_exist_in_the_reference_vocabularies():
    declared = _declared_in([VOCAB / "w3c-org" / "org.ttl", VOCAB / "cpsv-ap-3.2.0" / "cpsv-ap.ttl",
                             VOCAB / "cpov-2.1.2" / "core-public-organisation.ttl"])
    listed = {str(t) for t in _reuse_listed()
              if str(t).startswith((str(ORG), str(CV), str(CPSV)))}
    missing = sorted(listed - declared)
    assert not missing, "listed in hergebruik.ttl, not declared in ../shared/reference/vocab: " + ", ".join(missing)


def test_alignment_axioms_of_the_contract(onto):
    """The alignments docs/terms.md promises are stated."""
    for s, p, o in [
        (KETEN.Keten, RDFS.subClassOf, ORG.OrganizationalCollaboration),
        (KETEN.Netwerk, RDFS.subClassOf, ORG.OrganizationalCollaboration),
        (KETEN.Ketenpartner, RDFS.subClassOf, ORG.Organization),
        (KETEN.IndividueleDeelnemer, RDFS.subClassOf, FOAF.Person),
        (KETEN.Deelname, RDFS.subClassOf, ORG.Membership),
        (KETEN.Deelname, RDFS.subClassOf, CV.Participation),
        (KETEN.Rol, RDFS.subClassOf, ORG.Role),
        (KETEN.Rol, RDFS.subClassOf, SKOS.Concept),
        (KETEN.Proces, RDFS.subClassOf, PROV.Plan),
        (KETEN.WikiPagina, RDFS.subClassOf, FOAF.Document),
        (KETEN.partner, RDFS.subPropertyOf, ORG.member),
        (KETEN.keten, RDFS.subPropertyOf, ORG.organization),
        (KETEN.rol, RDFS.subPropertyOf, ORG.role),
        (KETEN.heeftProces, RDFS.subPropertyOf, DCTERMS.hasPart),
        (KETEN.hoofdproces, RDFS.subPropertyOf, KETEN.heeftProces),
        (KETEN.afhankelijkVan, RDFS.subPropertyOf, DCTERMS.requires),
        (KETEN.ketenproces, RDFS.subPropertyOf, DCTERMS.subject),
        (KETEN.onderdeelVan, RDFS.subPropertyOf, DCTERMS.isPartOf),
        (KETEN.laatstBewerkt, RDFS.subPropertyOf, DCTERMS.modified),
        (KETEN.objectId, RDFS.subPropertyOf, DCTERMS.identifier),
        (KETEN.toelichting, RDFS.subPropertyOf, SKOS.editorialNote),
        (KETEN.wikiPagina, RDFS.subPropertyOf, FOAF.page),
        (KETEN.realiseert, RDFS.range, CPSV.PublicService),
    ]:
        assert (s, p, o) in onto, f"missing {s} {p} {o}"
    # foaf:isPrimaryTopicOf is inverse-functional: one page named by several chains would merge them
    assert (KETEN.wikiPagina, RDFS.subPropertyOf, FOAF.isPrimaryTopicOf) not in onto
    # rdfs:seeAlso is an OWL annotation property: an object property under it leaves OWL 2 DL
    assert (KETEN.wikiPagina, RDFS.subPropertyOf, RDFS.seeAlso) not in onto


def test_every_role_has_exactly_one_role_kind(vocab):
    """KetenZonderSturing reads keten:rolsoort instead of a list of roles: every role must say whether it
    leads, asks/steers, delivers, or none of these."""
    kinds = set(vocab.subjects(SKOS.inScheme, ID["rolsoorten"]))
    assert {ID[f"rolsoort/{k}"] for k in ("leidend", "vragend-sturend", "leverend", "geen")} == kinds
    for role in vocab.subjects(RDF.type, KETEN.Rol):
        got = list(vocab.objects(role, KETEN.rolsoort))
        assert len(got) == 1 and got[0] in kinds, f"{role}: keten:rolsoort {got}"
    assert vocab.value(ID["rol/regisseur"], KETEN.rolsoort) == ID["rolsoort/leidend"]
    assert vocab.value(ID["rol/vragende-partij"], KETEN.rolsoort) == ID["rolsoort/vragend-sturend"]
