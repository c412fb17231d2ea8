"""UPL (Uniforme Productnamenlijst) CSV -> CPSV-AP public services and candidate chains.

The UPL lists every government product with the layers that provide it (Rijk,
Provincie, Waterschap, Gemeente), its audience (Burger, Bedrijf), some
characteristics (Dienstenwet, Autonomie, Medebewind, Aanvraag, ...) and its
legal basis (one row per legal basis, so a product can span several rows).

Each product becomes a ``cpsv:PublicService`` under its official UPL IRI, with

- ``dcterms:title`` / ``skos:prefLabel`` (nl) and ``dcterms:identifier``,
- ``keten:bestuurslaag`` -> ``id/bestuurslaag/{rijk,provincie,waterschap,gemeente}``,
- ``dcterms:audience`` -> ``id/doelgroep/{burger,bedrijf}`` (CPSV-AP: a skos:Concept),
- ``cv:isClassifiedBy`` -> ``id/upl-kenmerk/<kenmerk>`` for the UPL's yes/no columns,
- ``cv:hasLegalResource`` -> the OWMS IRI of each legal basis (an ``eli:LegalResource``
  with its label and a ``rdfs:seeAlso`` link to the law text).

Products that involve more than one government layer are candidate chains for
the first chain-collaboration process (``id/ketenproces/vinden-en-verkennen``):
they are also a ``keten:Ketenkandidaat`` with ``keten:kandidaatVoor`` that
process, a ``keten:rang``, a ``keten:score`` and its ``keten:reden`` values: the evidence
of joint work the rank rests on (see :data:`REASONS` and :func:`rank_candidates`).

Bad input raises :class:`ketengraaf.errors.ParseError` (an ``InputError``, exit 2)
naming file:line; the output is written to a temporary file and renamed, so a
failed import never leaves a half-written file.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, VOID, XSD

from ..errors import InputError, ParseError
from ..sources import decode_utf8
from ..namespaces import CPSV, CV, ID, KETEN
from . import write_files

ELI = Namespace("http://data.europa.eu/eli/ontology#")
UPL = Namespace("http://standaarden.overheid.nl/owms/terms/")

SOURCE_REPO = "https://github.com/nl-portal/nl-portal-docker-compose"
SOURCE_PATH = "imports/openproduct/init/UPL-actueel.csv"
SOURCE_COMMIT = "bc1adb6"
SOURCE_LICENCE = ("public Dutch government list (Uniforme Productnamenlijst, "
                  "http://standaarden.overheid.nl/owms/terms/); no further licence terms "
                  "are stated by the source repository")
REGENERATE = "ketengraaf import upl ../shared/reference/upl/UPL-actueel.csv --out data/upl/upl.ttl"
DATASET = ID["dataset/upl"]
VINDEN_EN_VERKENNEN = ID["ketenproces/vinden-en-verkennen"]

NAME, URI = "UniformeProductnaam", "URI"
# column -> slug of the government layer (concepts in ontology/begrippen.ttl)
LAYERS: dict[str, str] = {"Rijk": "rijk", "Provincie": "provincie", "Waterschap": "waterschap",
                          "Gemeente": "gemeente"}
# column -> (slug, nl label, en label, nl definition, en definition)
AUDIENCES: dict[str, tuple[str, str, str, str, str]] = {
    "Burger": ("burger", "burger", "citizen",
               "Het product is bedoeld voor burgers (particulieren).",
               "The product is meant for citizens (private persons)."),
    "Bedrijf": ("bedrijf", "bedrijf", "business",
                "Het product is bedoeld voor bedrijven en organisaties.",
                "The product is meant for businesses and organisations."),
}
KENMERKEN: dict[str, tuple[str, str, str, str, str]] = {
    "Dienstenwet": ("dienstenwet", "Dienstenwet", "Services Act",
                    "Het product valt onder de Dienstenwet (Europese dienstenrichtlijn).",
                    "The product falls under the Dutch Services Act (EU Services Directive)."),
    "Autonomie": ("autonomie", "autonomie", "autonomy",
                  "De overheidslaag regelt het product in eigen, autonome bevoegdheid.",
                  "The government layer provides the product under its own, autonomous powers."),
    "Medebewind": ("medebewind", "medebewind", "co-governance",
                   "De overheidslaag voert voor dit product regels van een hogere overheid uit "
                   "(medebewind).",
                   "The government layer carries out rules of a higher government for this product "
                   "(co-governance, medebewind)."),
    "Aanvraag": ("aanvraag", "aanvraag", "application",
                 "Het product wordt aangevraagd.", "The product is applied for."),
    "Subsidie": ("subsidie", "subsidie", "subsidy",
                 "Het product is een subsidie.", "The product is a subsidy."),
    "Melding": ("melding", "melding", "notification",
                "Het product is een melding aan de overheid.",
                "The product is a notification to the government."),
    "Verplichting": ("verplichting", "verplichting", "obligation",
                     "Het product is een verplichting.", "The product is an obligation."),
}
LEGAL = ("Grondslag", "Grondslaglabel", "Grondslaglink")
REQUIRED = (NAME, URI, *LAYERS, *AUDIENCES, *KENMERKEN, *LEGAL)
FLAG_COLUMNS = (*LAYERS, *AUDIENCES, *KENMERKEN)
# Rows that are not a product but a placeholder in the list itself: imported, never a candidate.
PLACEHOLDERS = frozenset({"UPL-naam nog niet beschikbaar"})

_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]+$")

# -- the ranking: evidence of joint work between the layers ------------------------------------
# A product several layers offer is no chain by that alone: most of them (objection, complaint,
# information requests, subsidies) each layer provides on its own. The rank weighs evidence that the
# layers work *together*, read from the UPL's own columns and legal bases. Each reason that applies is
# stored with the candidate (keten:reden, concepts in scheme id/kandidaatredenen) and shown with it.
# slug -> (weight, nl label, en label, nl definition, en definition)
REASONS: dict[str, tuple[int, str, str, str, str]] = {
    "medebewind-met-rijk": (3, "medebewind met het Rijk", "co-governance with the national government",
        "Het product is medebewind (UPL-kolom Medebewind) en het Rijk is een van de betrokken lagen: het Rijk "
        "stelt de regels en doet mee, een andere laag voert ze uit.",
        "The product is co-governance (UPL column Medebewind) and the national government is one of the layers "
        "involved: it sets the rules and takes part, another layer carries them out."),
    "medebewind": (1, "medebewind", "co-governance",
        "Het product is medebewind, maar het Rijk staat niet bij de lagen: de lagen voeren elk regels van "
        "hogerhand uit, een zwakker teken van samenwerking.",
        "The product is co-governance, but the national government is not among the layers: each layer "
        "carries out rules from above, a weaker sign of working together."),
    "samenwerkingswet": (3, "wet over samenwerking tussen overheden", "law on collaboration between governments",
        "Een grondslag is een wet die samenwerking tussen overheden regelt (Wet gemeenschappelijke "
        "regelingen, Wet veiligheidsregio's).",
        "A legal basis is a law that governs collaboration between governments (Joint Arrangements Act, "
        "Safety Regions Act)."),
    "gedeelde-grondslag": (2, "gedeelde grondslag", "shared legal basis",
        "Het product rust op een of meer sectorwetten die voor alle betrokken lagen gelden, niet op een "
        "eigen wet of verordening per laag en niet alleen op algemene wetgeving.",
        "The product rests on one or more sector laws that apply to all the layers involved, not on each "
        "layer's own law or bye-law and not only on general legislation."),
    "tussen-overheden": (2, "werk tussen overheden", "work between governments",
        "In de UPL is geen doelgroep aangekruist (geen burger, geen bedrijf): het product is werk van "
        "overheden onderling, geen dienst die elke laag zelf aan burgers of bedrijven levert.",
        "No audience is ticked in the UPL (neither citizen nor business): the product is work between "
        "governments, not a service each layer delivers to citizens or businesses by itself."),
    "algemene-wet": (-4, "alleen algemene wetgeving", "general legislation only",
        "Elke grondslag is algemene wetgeving die elke overheid voor zichzelf toepast (Awb, Wet open "
        "overheid, Burgerlijk Wetboek behalve boek 1, Grondwet, Bekendmakingswet, Archiefwet, "
        "Invorderingswet): elke laag levert het product apart.",
        "Every legal basis is general legislation each government applies for itself (General "
        "Administrative Law Act, Open Government Act, Civil Code except book 1, Constitution, ...): "
        "each layer provides the product separately."),
    "eigen-grondslag-per-laag": (-3, "eigen grondslag per laag", "each layer its own legal basis",
        "De grondslagen zijn de eigen wetten of verordeningen van verschillende lagen (Gemeentewet, "
        "Provinciewet, Waterschapswet, gemeentelijke of provinciale verordening, model-APV, modelkeur): "
        "elke laag regelt het product voor zichzelf.",
        "The legal bases are the own laws or bye-laws of different layers (Municipalities Act, Provinces "
        "Act, Water Authorities Act, municipal or provincial bye-laws, model bye-laws): each layer "
        "arranges the product for itself."),
    "grondslag-van-een-laag": (-2, "grondslag van één laag", "legal basis of one layer",
        "De grondslag is de eigen wet of verordening van één laag (bijvoorbeeld de Gemeentewet): die laag "
        "levert het product; de grondslag geeft de andere lagen geen rol.",
        "The legal basis is the own law or bye-law of one layer (for example the Municipalities Act): that "
        "layer provides the product; the legal basis gives the other layers no part."),
    "autonomie": (-1, "autonomie zonder medebewind", "autonomy without co-governance",
        "Het product is autonoom en geen medebewind (UPL-kolommen Autonomie, Medebewind): elke laag regelt "
        "het in eigen bevoegdheid.",
        "The product is autonomous and not co-governance (UPL columns Autonomie, Medebewind): each layer "
        "arranges it under its own powers."),
    "geen-grondslag": (-1, "geen grondslag", "no legal basis",
        "De UPL noemt geen wettelijke grondslag: niets wijst op een taak die de lagen delen.",
        "The UPL names no legal basis: nothing points to a task the layers share."),
}
# Legal bases, recognised by their UPL label (Grondslaglabel).
# General: laws every government applies to its own affairs. The Civil Code's book 1 (persons and
# family: names, civil status) is not general but the law the civil registry carries out.
GENERAL_LAW = re.compile(r"Algemene wet bestuursrecht|Wet open overheid|Burgerlijk Wetboek Boek [2-9]|Grondwet|"
                         r"Bekendmakingswet|Archiefwet|Invorderingswet")
COLLABORATION_LAW = re.compile(r"Wet gemeenschappelijke regelingen|Wet veiligheidsregio")
OWN_LAW: dict[str, re.Pattern] = {        # a layer's own law or (model) bye-law
    "gemeente": re.compile(r"Gemeentewet|\bgemeentelijke |\bModel "),    # Model ...: VNG's model bye-laws
    "provincie": re.compile(r"Provinciewet|\bprovinciale "),
    "waterschap": re.compile(r"Waterschapswet|\bwaterschaps|\bmodelkeur"),
}


def law_kind(label: str) -> str:
    """'general', 'own:<layer>' or 'sector' for the label of a legal basis."""
    if GENERAL_LAW.search(label):
        return "general"
    for layer, pattern in OWN_LAW.items():
        if pattern.search(label):
            return "own:" + layer
    return "sector"



@dataclass
class Grondslag:
    iri: str
    labels: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@dataclass
class Product:
    iri: str
    name: str
    layers: tuple[str, ...]
    audiences: tuple[str, ...]
    kenmerken: tuple[str, ...]
    grondslagen: list[str]
    lines: list[int]

    @property
    def is_candidate(self) -> bool:
        return len(self.layers) > 1 and self.name not in PLACEHOLDERS

    reasons: tuple[str, ...] = ()              # slugs of REASONS that apply (set by read_upl)
    sector_bases: int = 0                      # legal bases that are sector laws

    @property
    def score(self) -> int:
        return sum(REASONS[r][0] for r in self.reasons)

    @property
    def rank_key(self) -> tuple[int, int, int, int]:
        """Evidence of joint work (see :func:`rank_candidates`): the score, then the weight of the
        evidence for (so that fewer counter-signs do not outrank more evidence), then the number of
        sector laws the product rests on, then the number of layers."""
        positive = sum(REASONS[r][0] for r in self.reasons if REASONS[r][0] > 0)
        return (self.score, positive, self.sector_bases, len(self.layers))


@dataclass
class UplData:
    path: str
    sha256: str
    rows: int
    products: list[Product]
    grondslagen: dict[str, Grondslag]
    ranks: dict[str, int]

    @property
    def candidates(self) -> list[Product]:
        return sorted((p for p in self.products if p.iri in self.ranks),
                      key=lambda p: (self.ranks[p.iri], p.name))


def slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-") or "product"


def _decode(data: bytes, shown: str) -> str:
    return decode_utf8(data, shown, "utf-8-sig")        # the UPL export may start with a BOM


def _flag(value: str, column: str, shown: str, line: int) -> bool:
    value = value.strip()
    if value not in ("", "X", "x"):
        raise ParseError(f"column {column}: expected 'X' or empty, found {value!r}", path=shown, line=line)
    return bool(value)


def _iri(value: str, column: str, shown: str, line: int) -> str:
    value = value.strip()
    if not _IRI.match(value):
        raise ParseError(f"column {column}: not an absolute IRI: {value!r}", path=shown, line=line)
    return value


def read_upl(path: str | Path) -> UplData:
    """Read and check the whole CSV; one :class:`Product` per UPL IRI, in file order."""
    path = Path(path)
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    text = _decode(data, shown)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ParseError("empty file: expected a header row with the UPL columns", path=shown, line=1) from None
    except csv.Error as exc:
        raise ParseError(f"malformed CSV: {exc}", path=shown, line=reader.line_num) from None
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ParseError(f"missing column(s) {', '.join(missing)}; the header has: {', '.join(header)}",
                         path=shown, line=1)
    index = {c: header.index(c) for c in REQUIRED}
    products: dict[str, Product] = {}
    by_name: dict[str, str] = {}
    grondslagen: dict[str, Grondslag] = {}
    rows = 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ParseError(f"malformed CSV: {exc}", path=shown, line=start) from None
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ParseError(f"{len(row)} fields, the header has {len(header)}", path=shown, line=start)
        rows += 1
        cell = {c: row[i] for c, i in index.items()}
        name = cell[NAME].strip()
        if not name:
            raise ParseError(f"column {NAME} is empty", path=shown, line=start)
        iri = _iri(cell[URI], URI, shown, start) if cell[URI].strip() else str(ID["upl/" + slug(name)])
        flags = {c: _flag(cell[c], c, shown, start) for c in FLAG_COLUMNS}
        product = Product(iri=iri, name=name,
                          layers=tuple(s for c, s in LAYERS.items() if flags[c]),
                          audiences=tuple(v[0] for c, v in AUDIENCES.items() if flags[c]),
                          kenmerken=tuple(v[0] for c, v in KENMERKEN.items() if flags[c]),
                          grondslagen=[], lines=[start])
        seen = products.get(iri)
        if seen is None:
            if by_name.get(name, iri) != iri:
                raise ParseError(f"product {name!r} has two IRIs: {by_name[name]} and {iri}", path=shown, line=start)
            products[iri], by_name[name] = product, iri
        else:
            for attr in ("name", "layers", "audiences", "kenmerken"):
                if getattr(seen, attr) != getattr(product, attr):
                    raise ParseError(f"product {iri} differs from its row on line {seen.lines[0]} in {attr}: "
                                     f"{getattr(product, attr)!r} vs {getattr(seen, attr)!r}",
                                     path=shown, line=start)
            seen.lines.append(start)
            product = seen
        basis, label, link = (cell[c].strip() for c in LEGAL)
        if basis:
            basis = _iri(basis, "Grondslag", shown, start)
            g = grondslagen.setdefault(basis, Grondslag(basis))
            if label and label not in g.labels:
                g.labels.append(label)
            if link and _iri(link, "Grondslaglink", shown, start) not in g.links:
                g.links.append(link)
            if basis not in product.grondslagen:
                product.grondslagen.append(basis)
        elif label or link:
            raise ParseError("Grondslaglabel or Grondslaglink given without Grondslag", path=shown, line=start)
    if not products:
        raise ParseError("no product rows after the header", path=shown, line=2)
    plist = list(products.values())
    for p in plist:
        labels = [grondslagen[g].labels[0] if grondslagen[g].labels else g.rsplit("/", 1)[-1].replace("_", " ")
                  for g in p.grondslagen]
        p.reasons = evidence(p, labels)
        p.sector_bases = sum(1 for label in labels if law_kind(label) == "sector")
    return UplData(path=shown, sha256=hashlib.sha256(data).hexdigest(), rows=rows, products=plist,
                   grondslagen=grondslagen, ranks=rank_candidates(plist))


def evidence(p: Product, labels: list[str]) -> tuple[str, ...]:
    """The REASONS that apply to a product, from its UPL columns and its legal bases' labels."""
    kinds = [law_kind(label) for label in labels]
    own_layers = {k.split(":", 1)[1] for k in kinds if k.startswith("own:")}
    out = []
    if "medebewind" in p.kenmerken:
        out.append("medebewind-met-rijk" if "rijk" in p.layers else "medebewind")
    if any(COLLABORATION_LAW.search(label) for label in labels):
        out.append("samenwerkingswet")
    if "sector" in kinds and not own_layers:
        out.append("gedeelde-grondslag")
    if not p.audiences:
        out.append("tussen-overheden")
    if kinds and all(k == "general" for k in kinds):
        out.append("algemene-wet")
    if len(own_layers) > 1:
        out.append("eigen-grondslag-per-laag")
    elif own_layers:
        out.append("grondslag-van-een-laag")
    if "autonomie" in p.kenmerken and "medebewind" not in p.kenmerken:
        out.append("autonomie")
    if not kinds:
        out.append("geen-grondslag")
    return tuple(out)


def rank_candidates(products: list[Product]) -> dict[str, int]:
    """Rank the candidate chains: IRI -> rank (1 = most promising).

    Ordered by the evidence that the layers work together (:data:`REASONS`,
    :func:`evidence`): the score (sum of the weights of the reasons that apply),
    then the weight of the evidence for, then the number of sector laws, then
    the number of layers. Equal keys share a rank (standard competition ranking:
    1, 2, 2, 4); the name only orders the list within a rank, it does not rank.
    """
    cands = sorted((p for p in products if p.is_candidate), key=lambda p: p.rank_key, reverse=True)
    ranks: dict[str, int] = {}
    for pos, p in enumerate(cands, start=1):
        prev = cands[pos - 2] if pos > 1 else None
        ranks[p.iri] = ranks[prev.iri] if prev is not None and prev.rank_key == p.rank_key else pos
    return ranks


def _concepts(g: Graph, scheme: URIRef, labels: tuple[str, str], kind: str,
              table: dict[str, tuple[str, str, str, str, str]]) -> None:
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, SKOS.prefLabel, Literal(labels[0], lang="nl")))
    g.add((scheme, SKOS.prefLabel, Literal(labels[1], lang="en")))
    for slug_, nl, en, def_nl, def_en in table.values():
        c = ID[f"{kind}/{slug_}"]
        g.add((c, RDF.type, SKOS.Concept))
        g.add((c, SKOS.prefLabel, Literal(nl, lang="nl")))
        g.add((c, SKOS.prefLabel, Literal(en, lang="en")))
        g.add((c, SKOS.definition, Literal(def_nl, lang="nl")))
        g.add((c, SKOS.definition, Literal(def_en, lang="en")))
        g.add((c, SKOS.inScheme, scheme))
        g.add((c, SKOS.topConceptOf, scheme))
        g.add((scheme, SKOS.hasTopConcept, c))


def to_graph(upl: UplData) -> Graph:
    """The RDF of the whole list (products, legal bases, candidate marks, audience and kenmerk concepts)."""
    g = Graph()
    for prefix, ns in (("keten", KETEN), ("cpsv", CPSV), ("cv", CV), ("eli", ELI), ("dcterms", DCTERMS),
                       ("skos", SKOS), ("void", VOID), ("upl", UPL), ("xsd", XSD)):
        g.bind(prefix, ns)
    g.bind("id", ID)
    g.add((DATASET, RDF.type, VOID.Dataset))
    g.add((DATASET, SKOS.prefLabel, Literal("Uniforme Productnamenlijst (UPL)", lang="nl")))
    g.add((DATASET, SKOS.prefLabel, Literal("Uniform Product Names List (UPL)", lang="en")))
    g.add((DATASET, DCTERMS.source, URIRef(f"{SOURCE_REPO}/blob/{SOURCE_COMMIT}/{SOURCE_PATH}")))
    g.add((DATASET, DCTERMS.rights, Literal(SOURCE_LICENCE, lang="en")))
    _concepts(g, ID["doelgroepen"], ("doelgroepen", "audiences"), "doelgroep", AUDIENCES)
    _concepts(g, ID["upl-kenmerken"], ("UPL-kenmerken", "UPL characteristics"), "upl-kenmerk", KENMERKEN)
    _concepts(g, ID["kandidaatredenen"], ("redenen voor de rang van een ketenkandidaat",
                                          "reasons for a candidate chain's rank"),
              "kandidaatreden", {k: (k, *v[1:]) for k, v in REASONS.items()})
    for slug_, v in REASONS.items():
        g.add((ID["kandidaatreden/" + slug_], KETEN.gewicht, Literal(v[0], datatype=XSD.integer)))
    for p in upl.products:
        s = URIRef(p.iri)
        g.add((s, RDF.type, CPSV.PublicService))
        g.add((s, DCTERMS.title, Literal(p.name, lang="nl")))
        g.add((s, SKOS.prefLabel, Literal(p.name, lang="nl")))
        g.add((s, DCTERMS.identifier, Literal(p.iri.rsplit("/", 1)[-1])))
        g.add((s, VOID.inDataset, DATASET))
        for layer in p.layers:
            g.add((s, KETEN.bestuurslaag, ID["bestuurslaag/" + layer]))
        for aud in p.audiences:
            g.add((s, DCTERMS.audience, ID["doelgroep/" + aud]))
        for k in p.kenmerken:
            g.add((s, CV.isClassifiedBy, ID["upl-kenmerk/" + k]))
        for basis in p.grondslagen:
            g.add((s, CV.hasLegalResource, URIRef(basis)))
        if p.iri in upl.ranks:
            g.add((s, RDF.type, KETEN.Ketenkandidaat))
            g.add((s, KETEN.kandidaatVoor, VINDEN_EN_VERKENNEN))
            g.add((s, KETEN.rang, Literal(upl.ranks[p.iri], datatype=XSD.integer)))
            g.add((s, KETEN.score, Literal(p.score, datatype=XSD.integer)))
            for r in p.reasons:
                g.add((s, KETEN.reden, ID["kandidaatreden/" + r]))
    for gs in upl.grondslagen.values():
        r = URIRef(gs.iri)
        g.add((r, RDF.type, ELI.LegalResource))
        labels = gs.labels or [gs.iri.rsplit("/", 1)[-1].replace("_", " ")]
        g.add((r, SKOS.prefLabel, Literal(labels[0], lang="nl")))
        for alt in labels[1:]:
            g.add((r, SKOS.altLabel, Literal(alt, lang="nl")))
        for link in gs.links:
            g.add((r, RDFS.seeAlso, URIRef(link)))
    return g


def header(upl: UplData) -> str:
    cands = len(upl.ranks)
    return "\n".join([
        "# Generated by ketengraaf from the Uniforme Productnamenlijst (UPL). Do not edit by hand.",
        f"# Source: {SOURCE_REPO}, {SOURCE_PATH}, commit {SOURCE_COMMIT}",
        f"#   (read from {Path(upl.path).name}, sha256 {upl.sha256})",
        f"# Licence: {SOURCE_LICENCE}.",
        f"# Content: {upl.rows} rows, {len(upl.products)} products (cpsv:PublicService), "
        f"{len(upl.grondslagen)} legal bases, {cands} candidate chains (keten:Ketenkandidaat).",
        f"# Regenerate: {REGENERATE}",
        "", ""])


def serialize(upl: UplData) -> bytes:
    body = to_graph(upl).serialize(format="turtle")
    return (header(upl) + body).encode("utf-8")


def import_upl(path: str | Path, out: str | Path) -> tuple[UplData, str]:
    """Read ``path`` and write its Turtle to the file ``out`` (by rename, never half-written).

    Returns what was read and ``"written"`` or ``"unchanged"``."""
    upl = read_upl(path)
    out = Path(out)
    return upl, write_files(out.parent, {out.name: serialize(upl)})[out.name]
