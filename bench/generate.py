"""Generate a realistic synthetic chain catalogue (ketensamenwerking) of about N triples.

    python bench/generate.py --triples 100000 --out /tmp/cat-100k.ttl [--seed 1]

The data uses the real terms of the ontology (docs/terms.md): chains of the three
models (orchestration, relay, indirect dependencies), some recorded as horizontal
collaboration; partners shared between chains (high-degree resources, as in real
life); n-ary participations with roles and periods; shared goals; service-delivery
processes and sub-processes with responsible / executing / on-behalf-of partners;
dependencies between relay processes; GEMMA building blocks and landscape
processes; wiki page links with page status; labels in Dutch and English.

Mostly valid, with a small known share of defects (``--defect-rate``, default 2%
of the chains, one defect each) and intended warnings (client goal in a relay
chain that is not recorded as horizontal), so validation does real work. What was
injected, and where, is written beside the output as ``<out>.manifest.json``.

Deterministic for a given seed and size. Streams Turtle (``.ttl``) or N-Triples
(``.nt``) as it goes: 1M triples take a few seconds.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

BASE = "https://w3id.org/ketengraaf/"
ID = BASE + "id/"
PREFIXES = {
    "keten": BASE + "def#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
GEMMA_WIKI = "https://www.gemmaonline.nl/index.php/"
NORA_WIKI = "https://www.noraonline.nl/wiki/"

# (slug, nl, en) -- themes of real chains in Dutch local government
THEMES = [
    ("vergunningverlening", "Vergunningverlening", "Permit granting"),
    ("vth", "Vergunningverlening, toezicht en handhaving", "Permits, supervision and enforcement"),
    ("jeugdzorg", "Jeugdzorg", "Youth care"),
    ("schuldhulpverlening", "Schuldhulpverlening", "Debt counselling"),
    ("leerplicht", "Leerplicht en voortijdig schoolverlaten", "Compulsory education"),
    ("wmo", "Maatschappelijke ondersteuning", "Social support"),
    ("participatie", "Participatie en werk", "Participation and work"),
    ("zorg-en-veiligheid", "Zorg en veiligheid", "Care and safety"),
    ("veiligheid", "Veiligheid", "Safety"),
    ("inburgering", "Inburgering", "Civic integration"),
    ("huisvesting-statushouders", "Huisvesting statushouders", "Housing refugees with a residence permit"),
    ("bijstand", "Bijstandsverlening", "Social assistance"),
    ("parkeren", "Parkeerhandhaving", "Parking enforcement"),
    ("afval", "Afvalinzameling", "Waste collection"),
    ("burgerzaken", "Burgerzaken en reisdocumenten", "Civil affairs and travel documents"),
    ("belastingen", "Lokale belastingen", "Local taxes"),
    ("evenementen", "Evenementenvergunning", "Event permits"),
    ("bodem", "Bodemsanering", "Soil remediation"),
    ("kinderopvang", "Toezicht kinderopvang", "Childcare supervision"),
    ("huiselijk-geweld", "Aanpak huiselijk geweld", "Domestic violence approach"),
]
PLACES = ["Utrecht", "Amsterdam", "Rotterdam", "Den Haag", "Zwolle", "Groningen", "Leeuwarden", "Assen",
          "Arnhem", "Nijmegen", "Eindhoven", "Tilburg", "Breda", "Maastricht", "Venlo", "Middelburg",
          "Haarlem", "Leiden", "Delft", "Dordrecht", "Amersfoort", "Apeldoorn", "Enschede", "Deventer",
          "Almere", "Lelystad", "Hoorn", "Alkmaar", "Den Bosch", "Helmond", "Roermond", "Heerlen",
          "Emmen", "Hoogeveen", "Sneek", "Drachten", "Gouda", "Zoetermeer", "Ede", "Wageningen"]
# partner kinds: (slug prefix, nl label, en label, bestuurslaag, regional?)
KINDS = [
    ("gemeente", "Gemeente {p}", "Municipality of {p}", "gemeente", True),
    ("omgevingsdienst", "Omgevingsdienst regio {p}", "Environmental service region {p}",
     "gemeenschappelijke-regeling", True),
    ("veiligheidsregio", "Veiligheidsregio {p}", "Safety region {p}", "gemeenschappelijke-regeling", True),
    ("ggd", "GGD regio {p}", "Public health service region {p}", "gemeenschappelijke-regeling", True),
    ("waterschap", "Waterschap {p}", "Water authority {p}", "waterschap", True),
    ("provincie", "Provincie rond {p}", "Province around {p}", "provincie", True),
    ("politie-eenheid", "Politie-eenheid {p}", "Police unit {p}", "rijk", True),
    ("zorgaanbieder", "Zorgaanbieder {p}", "Care provider {p}", "overig", True),
]
NATIONAL = [("openbaar-ministerie", "Openbaar Ministerie", "Public Prosecution Service"),
            ("politie", "Politie", "Police"), ("uwv", "UWV", "Employee Insurance Agency"),
            ("svb", "Sociale Verzekeringsbank", "Social Insurance Bank"),
            ("belastingdienst", "Belastingdienst", "Tax and Customs Administration"),
            ("rdw", "RDW", "Netherlands Vehicle Authority"), ("duo", "DUO", "Education Executive Agency"),
            ("coa", "COA", "Central Agency for the Reception of Asylum Seekers"),
            ("raad-voor-de-kinderbescherming", "Raad voor de Kinderbescherming", "Child Protection Board")]
ROLES_DELIVER = ["leverende-partij", "adviseur", "uitvoerder"]
ROLES_RELAY = ["leverende-partij", "uitvoerder", "beslisser", "adviseur"]   # no steering roles in a relay
ROLES_DOEL = ["uitvoerder", "adviseur", "leverende-partij"]
KETENPROCESSEN = ["vinden-en-verkennen", "vormgeven", "uitvoeren-en-aansturen", "beoordelen-en-bijsturen"]
STURING = ["ketenbestuur", "ketenmanager", "lijnmanagement", "ketenregisseur", "ketenbureau", "besluitvormingsmodel",
           "ketenoverlegstructuur", "ketenrapportage", "keteninformatie-infrastructuur", "ketenkaart"]
STATUSES = ["actueel"] * 6 + ["mogelijk-verouderd"] * 2 + ["in-ontwikkeling", "archief"]
STEPS = [("aanvraag", "Aanvraag", "Application"), ("intake", "Intake", "Intake"),
         ("advies", "Advies", "Advice"), ("beoordeling", "Beoordeling", "Assessment"),
         ("besluit", "Besluit", "Decision"), ("uitvoering", "Uitvoering", "Execution"),
         ("toezicht", "Toezicht", "Supervision"), ("handhaving", "Handhaving", "Enforcement"),
         ("nazorg", "Nazorg", "Aftercare"), ("registratie", "Registratie", "Registration")]
BOUWSTENEN = ["Uniforme openbare voorbereidingsprocedure", "Aanvraag advies", "Innen", "Zaakgericht werken",
              "Beslissen op aanvraag", "Melding ontvangen", "Toezicht houden", "Handhaven",
              "Bezwaar en beroep", "Registreren besluit", "Informeren klant", "Plannen inspectie"]
LANDSCHAP = [("Samenwerken in de keten", None), ("Regievoeren diensten door derden", 0),
             ("Leveren dienst aan derden", 0), ("Kiezen partners samenwerking", 0),
             ("Maken afspraken samenwerking", 0), ("Sturende processen", None),
             ("Uitvoerende processen", None), ("Dienstverlening", 6), ("Vergunningen", 6),
             ("Toezicht en handhaving", 6), ("Ondersteunende processen", None), ("Informatiebeheer", 10)]

# defects injected into chosen chains: the rule (issue #2) each breaks, and the shape
# (shapes/, namespace https://w3id.org/ketengraaf/def/shapes#) that reports it
DEFECTS = {
    "te-weinig-partners": ("a chain with fewer than two distinct partners", "KetenTweePartners"),
    "geen-doel": ("a chain without a shared goal", "KetenHeeftDoel"),
    "twee-modellen": ("a chain typed with two models", "KetenEenModel"),
    "twee-regisseurs": ("an orchestration with two lead participations", "OrkestratieEenRegisseur"),
    "proces-zonder-verantwoordelijke": ("a relay process without a responsible partner",
                                        "EstafetteEenVerantwoordelijke"),
    "sturing-in-doelketen": ("a participation in an indirect-dependency chain that steers a partner",
                             "KetenZonderSturing"),
    "deelname-zonder-rol": ("a participation without a role", "DeelnameEenRol"),
    "periode-omgekeerd": ("a participation whose end date precedes its start date", "DeelnamePeriode"),
    "geen-nl-label": ("a chain with only an English preferred label", "LabelNederlands"),
    "ongeldige-wikilink": ("a wiki link that is not a GEMMA online / NORA online page URL", "WikiPaginaUrl"),
}
WARNINGS = {"klantdoel-niet-georkestreerd": ("a client goal in a relay chain not recorded as horizontal",
                                             "KlantdoelOrkestratie")}


def slugify(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(filter(None, out.split("-")))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class TurtleWriter:
    """Writes subject blocks as Turtle; counts triples."""

    suffix = ".ttl"

    def __init__(self, fh):
        self.fh, self.triples, self.buf = fh, 0, []
        fh.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n")

    def q(self, qname: str) -> str:
        return qname

    def iri(self, iri: str) -> str:
        return f"<{iri}>"

    def lit(self, text: str, lang: str | None = None) -> str:
        return f'"{_escape(text)}"' + (f"@{lang}" if lang else "")

    def date(self, d: date) -> str:
        return f'"{d.isoformat()}"^^{self.q("xsd:date")}'

    def emit(self, subject: str, pairs: list) -> None:
        body = " ;\n    ".join(f"{p} {o}" for p, o in pairs)
        self.buf.append(f"{subject} {body} .\n\n")
        self.triples += len(pairs)
        if len(self.buf) >= 2000:
            self.flush()

    def flush(self) -> None:
        self.fh.write("".join(self.buf))
        self.buf.clear()


class NTriplesWriter(TurtleWriter):
    suffix = ".nt"

    def __init__(self, fh):
        self.fh, self.triples, self.buf = fh, 0, []

    def q(self, qname: str) -> str:
        if qname == "a":
            return f"<{PREFIXES['rdf']}type>"
        prefix, local = qname.split(":", 1)
        return f"<{PREFIXES[prefix]}{local}>"

    def emit(self, subject: str, pairs: list) -> None:
        rdf_type = self.q("a")
        self.buf.append("".join(f"{subject} {rdf_type if p == 'a' else p} {o} .\n" for p, o in pairs))
        self.triples += len(pairs)
        if len(self.buf) >= 2000:
            self.flush()


WRITERS = {".ttl": TurtleWriter, ".nt": NTriplesWriter}


class Generator:
    def __init__(self, writer: TurtleWriter, seed: int, defect_rate: float, warning_rate: float):
        self.w, self.rng = writer, random.Random(seed)
        self.defect_rate, self.warning_rate = defect_rate, warning_rate
        self.emitted: set[str] = set()           # pooled resources already written
        self.defects: dict[str, list[str]] = defaultdict(list)
        self.warnings: dict[str, list[str]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.samples: dict[str, str] = {}
        self.defect_cycle = list(DEFECTS)
        self.rng.shuffle(self.defect_cycle)

    # -- helpers ---------------------------------------------------------------
    def labels(self, nl: str, en: str | None) -> list:
        q, w = self.w.q, self.w
        out = [(q("skos:prefLabel"), w.lit(nl, "nl"))]
        if en:
            out.append((q("skos:prefLabel"), w.lit(en, "en")))
        return out

    def _count(self, kind: str, iri: str) -> None:
        self.counts[kind] += 1
        self.samples.setdefault(kind, iri)

    def wiki_page(self, title: str, nora: bool = False, broken: bool = False) -> str:
        """A WikiPagina node (the real page URL as IRI); returns its IRI term."""
        title_part = title.replace(" ", "_")
        if broken:
            url = "https://www.gemmaonline.nl/wiki/" + title_part
        else:
            url = (NORA_WIKI if nora else GEMMA_WIKI) + title_part
        if url in self.emitted:
            return self.w.iri(url)
        self.emitted.add(url)
        q, w, r = self.w.q, self.w, self.rng
        edited = date(2015, 1, 1) + timedelta(days=r.randrange(3300))
        self.w.emit(w.iri(url), [
            ("a", q("keten:WikiPagina")), *self.labels(title, None),
            (q("keten:wiki"), w.iri(ID + ("wiki/nora-online" if nora else "wiki/gemma-online"))),
            (q("keten:paginastatus"), w.iri(ID + "paginastatus/" + r.choice(STATUSES))),
            (q("keten:laatstBewerkt"), w.date(edited))])
        self._count("WikiPagina", url)
        return w.iri(url)

    def place(self, place_i: int) -> str:
        place = PLACES[place_i % len(PLACES)]
        return place if place_i < len(PLACES) else f"{place} {place_i // len(PLACES) + 1}"

    def partner(self, key: tuple) -> tuple[str, str, str]:
        """A partner of the pool, ``("nat", j)`` or ``("reg", place_i, kind_j)``: (IRI term, nl label, slug)."""
        if key[0] == "nat":
            slug, nl, en = NATIONAL[key[1]]
            laag = "rijk"
        else:
            kind, place = KINDS[key[2]], self.place(key[1])
            slug = f"{kind[0]}-{slugify(place)}"
            nl, en, laag = kind[1].format(p=place), kind[2].format(p=place), kind[3]
        iri = ID + "partner/" + slug
        if iri not in self.emitted:
            self.emitted.add(iri)
            q, w = self.w.q, self.w
            pairs = [("a", q("keten:Ketenpartner")), *self.labels(nl, en),
                     (q("keten:bestuurslaag"), w.iri(ID + "bestuurslaag/" + laag))]
            if key[0] == "nat" or self.rng.random() < 0.3:
                pairs.append((q("keten:wikiPagina"), self.wiki_page(nl)))
            self.w.emit(w.iri(iri), pairs)
            self._count("Ketenpartner", iri)
        return self.w.iri(iri), nl, slug

    def bouwsteen(self, i: int) -> str:
        name = BOUWSTENEN[i % len(BOUWSTENEN)]
        iri = ID + "procesbouwsteen/" + slugify(name)
        if iri not in self.emitted:
            self.emitted.add(iri)
            q, w = self.w.q, self.w
            oid = f"{(i * 2654435761) % 16**8:08x}-{i:04x}-4{i % 4096:03x}-8000-{i * 7919 % 16**12:012x}"
            self.w.emit(w.iri(iri), [
                ("a", q("keten:Procesbouwsteen")), *self.labels(name, None),
                (q("keten:ketenproces"), w.iri(ID + "ketenproces/" + KETENPROCESSEN[i % 4])),
                (q("keten:objectId"), w.lit(oid)),
                (q("keten:wikiPagina"), self.wiki_page("GEMMA/id-" + oid))])
            self._count("Procesbouwsteen", iri)
        return self.w.iri(iri)

    def landschap(self, i: int) -> str:
        name, parent = LANDSCHAP[i % len(LANDSCHAP)]
        iri = ID + "gemmaproces/" + slugify(name)
        if iri not in self.emitted:
            self.emitted.add(iri)
            q, w = self.w.q, self.w
            pairs = [("a", q("keten:GemmaProces")), *self.labels(name, None)]
            if parent is not None:
                pairs.append((q("keten:onderdeelVan"), self.landschap(parent)))
            self.w.emit(w.iri(iri), pairs)
            self._count("GemmaProces", iri)
        return self.w.iri(iri)

    # -- one chain ---------------------------------------------------------------
    def chain(self, i: int) -> None:
        r, q, w = self.rng, self.w.q, self.w
        theme = THEMES[r.randrange(len(THEMES))]
        roll = r.random()
        model = "Orkestratieketen" if roll < 0.4 else "Estafetteketen" if roll < 0.75 else "Doelketen"
        defect = None
        if r.random() < self.defect_rate:
            defect = self.defect_cycle[self.counts["defect"] % len(self.defect_cycle)]
            self.counts["defect"] += 1
            # defects that only make sense for one model pick that model
            model = {"twee-regisseurs": "Orkestratieketen", "proces-zonder-verantwoordelijke": "Estafetteketen",
                     "sturing-in-doelketen": "Doelketen", "te-weinig-partners": "Doelketen",
                     "twee-modellen": "Estafetteketen"}.get(defect, model)
            if defect == "geen-doel" and model == "Doelketen":
                # a goal chain without goals also lacks its policy goal (DoelketenBeleidsdoel would fire
                # too): keep this defect to the one shape the manifest names
                model = "Estafetteketen"
        warn = model == "Estafetteketen" and defect is None and r.random() < self.warning_rate
        horizontal = model == "Estafetteketen" and not warn and defect is None and r.random() < 0.08
        # partners: the regional organisations of one place (the pool of places grows with the
        # catalogue, so each partner takes part in about a dozen chains), now and then a national body
        place_i = r.randrange(max(5, i // 12))
        n = {"Orkestratieketen": r.randint(3, 5), "Estafetteketen": r.randint(2, 4),
             "Doelketen": r.randint(3, 6)}[model]
        if defect == "te-weinig-partners":
            n = 1
        kinds = [0] + r.sample(range(1, len(KINDS)), n - 1)    # the gemeente first (the lead)
        keys: list[tuple] = [("reg", place_i, kj) for kj in kinds]
        if n > 2 and r.random() < 0.3:
            keys[-1] = ("nat", r.randrange(len(NATIONAL)))
        partners = [self.partner(key) for key in keys]
        place = self.place(place_i)
        slug = f"{theme[0]}-{i}"
        kiri = ID + "keten/" + slug
        k = w.iri(kiri)
        nl, en = f"{theme[1]} {place} ({i})", f"{theme[2]} {place} ({i})"
        # synthetic: no source says any of it, so every generated chain is the catalogue's illustration
        # (else the provenance warning KetenZonderBron fires on all of them)
        types = [("a", q("keten:" + model)), ("a", q("keten:Illustratie"))]
        if defect == "twee-modellen":
            types.append(("a", q("keten:Doelketen")))      # a relay that is also a goal chain
        if horizontal:
            types.append(("a", q("keten:HorizontaleSamenwerking")))
        pairs = [*types, *self.labels(nl, en)]
        if defect == "geen-nl-label":
            pairs = [*types, (q("skos:prefLabel"), w.lit(en, "en"))]
        pairs.append((q("dcterms:description"), w.lit(
            f"Samenwerking rond {theme[1].lower()} in de regio {place}, met {n} ketenpartners.", "nl")))
        # goals
        if defect != "geen-doel":
            goal_kind = "Klantdoel" if model == "Orkestratieketen" or warn or horizontal else "Beleidsdoel"
            for g in range(1 if r.random() < 0.7 else 2):
                giri = ID + f"doel/{slug}-{g + 1}"
                kind = goal_kind if g == 0 else "Beleidsdoel"
                gnl = (f"Klant in {place} goed geholpen bij {theme[1].lower()}" if kind == "Klantdoel"
                       else f"Doelmatige {theme[1].lower()} in {place}")
                gen = (f"Client in {place} well served in {theme[2].lower()}" if kind == "Klantdoel"
                       else f"Effective {theme[2].lower()} in {place}")
                self.w.emit(w.iri(giri), [("a", q("keten:" + kind)), *self.labels(gnl, gen),
                                          (q("skos:definition"), w.lit(gnl + ", samen met de ketenpartners.", "nl"))])
                self._count(kind, giri)
                pairs.append((q("keten:heeftDoel"), w.iri(giri)))
        if horizontal:
            pairs.append((q("keten:redenHorizontaal"), w.lit(
                "Geen van de partners heeft zeggenschap over de andere; de samenwerking is nevengeschikt.", "nl")))
        for s in r.sample(STURING, r.randint(0, 3)):
            pairs.append((q("keten:sturingsbouwsteen"), w.iri(ID + "sturingsbouwsteen/" + s)))
        if r.random() < 0.5 or defect == "ongeldige-wikilink":
            title = f"Ketensamenwerking {theme[1]} {place} {i}"
            page = self.wiki_page(title, nora=r.random() < 0.2, broken=defect == "ongeldige-wikilink")
            pairs.append((q("keten:wikiPagina"), page))
            if defect == "ongeldige-wikilink":
                self.defects[defect].append(page[1:-1])
        # processes
        procs = self.processes(model, slug, theme, partners, defect)
        for kind, piri in procs:
            pairs.append((q("keten:heeftProces"), piri))
            if kind == "hoofd":
                pairs.append((q("keten:hoofdproces"), piri))
        self.w.emit(k, pairs)
        self._count(model, kiri)
        if horizontal:
            self._count("HorizontaleSamenwerking", kiri)
        # participations
        start = date(2012, 1, 1) + timedelta(days=r.randrange(3650))
        lead_count = 2 if defect == "twee-regisseurs" else 1
        for j, (piri, pnl, pslug) in enumerate(partners):
            diri = ID + f"deelname/{slug}-{pslug}"
            if model == "Orkestratieketen":
                rol = "regisseur" if j < lead_count else r.choice(ROLES_DELIVER)
            elif model == "Estafetteketen":
                rol = ROLES_RELAY[j % len(ROLES_RELAY)]
            else:
                rol = r.choice(ROLES_DOEL)
            dp = [("a", q("keten:Deelname")), *self.labels(f"{pnl} in {nl}", f"{pnl} in {en}"),
                  (q("keten:partner"), piri), (q("keten:keten"), k)]
            if not (defect == "deelname-zonder-rol" and j == 1 % len(partners)):
                dp.append((q("keten:rol"), w.iri(ID + "rol/" + rol)))
            begin = start + timedelta(days=r.randrange(400))
            dp.append((q("keten:begindatum"), w.date(begin)))
            if defect == "periode-omgekeerd" and j == 0:
                dp.append((q("keten:einddatum"), w.date(begin - timedelta(days=30))))
            elif r.random() < 0.25:
                dp.append((q("keten:einddatum"), w.date(begin + timedelta(days=365 + r.randrange(2000)))))
            if model == "Orkestratieketen" and j == 0:
                dp += [(q("keten:stuurt"), other[0]) for other in partners[1:]]
            if defect == "sturing-in-doelketen" and j == 0 and len(partners) > 1:
                dp.append((q("keten:stuurt"), partners[1][0]))
            self.w.emit(w.iri(diri), dp)
            self._count("Deelname", diri)
            if defect == "deelname-zonder-rol" and j == 1 % len(partners):
                self.defects[defect].append(diri)
            if defect == "periode-omgekeerd" and j == 0:
                self.defects[defect].append(diri)
        if defect and defect not in ("deelname-zonder-rol", "periode-omgekeerd", "ongeldige-wikilink"):
            self.defects[defect].append(kiri)
        if warn:
            self.warnings["klantdoel-niet-georkestreerd"].append(kiri)

    def process(self, iri: str, cls: str, nl: str, en: str, extra: list) -> str:
        q, w, r = self.w.q, self.w, self.rng
        pairs = [("a", q("keten:" + cls)), *self.labels(nl, en), *extra,
                 (q("keten:ketenproces"), w.iri(ID + "ketenproces/uitvoeren-en-aansturen")),
                 (q("keten:gebruiktBouwsteen"), self.bouwsteen(r.randrange(len(BOUWSTENEN))))]
        if r.random() < 0.5:
            pairs.append((q("keten:landschapsproces"), self.landschap(r.randrange(len(LANDSCHAP)))))
        if r.random() < 0.15:
            pairs.append((q("keten:wikiPagina"), self.wiki_page(f"Proces {nl}")))
        self.w.emit(w.iri(iri), pairs)
        self._count(cls, iri)
        return w.iri(iri)

    def processes(self, model, slug, theme, partners, defect) -> list[tuple[str, str]]:
        q, r = self.w.q, self.rng
        out: list[tuple[str, str]] = []
        if model == "Orkestratieketen":
            lead = partners[0][0]
            subs = []
            for j, (piri, pnl, pslug) in enumerate(partners[1:] or partners[:1]):
                step = STEPS[(j + 2) % len(STEPS)]
                subs.append(self.process(
                    ID + f"proces/{slug}-{step[0]}-{pslug}", "Deelproces",
                    f"{step[1]} {theme[1].lower()} door {pnl}", f"{step[2]} of {theme[2].lower()} by {pnl}",
                    [(q("keten:verantwoordelijke"), lead), (q("keten:uitvoerder"), piri),
                     (q("keten:namens"), lead)]))
            main = self.process(ID + f"proces/{slug}-hoofdproces", "Dienstverleningsproces",
                                f"{theme[1]} (hoofdproces)", f"{theme[2]} (main process)",
                                [(q("keten:verantwoordelijke"), lead), (q("keten:uitvoerder"), lead),
                                 *[(q("keten:heeftDeelproces"), s) for s in subs]])
            out.append(("hoofd", main))
        elif model == "Estafetteketen":
            prev = None
            missing = r.randrange(len(partners)) if defect == "proces-zonder-verantwoordelijke" else -1
            for j, (piri, _nl, _slug) in enumerate(partners):
                step = STEPS[(3 * j + 4) % len(STEPS)]
                iri = ID + f"proces/{slug}-{step[0]}"
                extra = [] if j == missing else [(q("keten:verantwoordelijke"), piri)]
                extra.append((q("keten:uitvoerder"), piri))
                if prev:
                    extra.append((q("keten:afhankelijkVan"), prev))
                prev = self.process(iri, "Dienstverleningsproces", f"{step[1]} {theme[1].lower()}",
                                    f"{step[2]} of {theme[2].lower()}", extra)
                out.append(("proces", prev))
        else:  # Doelketen: each partner its own process, no dependencies, no steering
            for piri, pnl, pslug in partners[:3]:
                iri = ID + f"proces/{slug}-{pslug}"
                out.append(("proces", self.process(
                    iri, "Dienstverleningsproces", f"{theme[1]}: bijdrage {pnl}",
                    f"{theme[2]}: contribution of {pnl}",
                    [(q("keten:verantwoordelijke"), piri), (q("keten:uitvoerder"), piri)])))
        return out


def generate(triples: int, out: Path, seed: int = 1, defect_rate: float = 0.02,
             warning_rate: float = 0.05) -> dict:
    """Write about ``triples`` triples to ``out`` (whole chains: may overshoot by one chain).
    Returns the manifest (also written to ``<out>.manifest.json``)."""
    try:
        writer_cls = WRITERS[out.suffix.lower()]
    except KeyError:
        raise SystemExit(f"generate.py: --out {out}: unknown extension {out.suffix!r}; "
                         f"use one of {', '.join(WRITERS)}") from None
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", buffering=1 << 20) as fh:
        w = writer_cls(fh)
        g = Generator(w, seed, defect_rate, warning_rate)
        i = 0
        while w.triples < triples:
            i += 1
            g.chain(i)
        w.flush()
    counts = dict(sorted((k, v) for k, v in g.counts.items() if k != "defect"))
    manifest = {
        "file": str(out), "seed": seed, "requested_triples": triples, "triples": w.triples,
        "chains": i, "seconds": round(time.perf_counter() - started, 3),
        "instances": counts, "samples": g.samples,
        "defects": {k: {"rule": DEFECTS[k][0], "shape": DEFECTS[k][1], "focus": v}
                    for k, v in sorted(g.defects.items())},
        "warnings": {k: {"rule": WARNINGS[k][0], "shape": WARNINGS[k][1], "focus": v}
                     for k, v in sorted(g.warnings.items())},
    }
    Path(str(out) + ".manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, required=True, help="about how many triples (whole chains)")
    ap.add_argument("--out", type=Path, required=True, help="output file, .ttl (Turtle) or .nt (N-Triples)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--defect-rate", type=float, default=0.02, help="share of chains with one defect")
    ap.add_argument("--warning-rate", type=float, default=0.05,
                    help="share of relay chains with an intended client-goal warning")
    a = ap.parse_args(argv)
    if a.triples <= 0:
        ap.error("--triples must be positive")
    if not 0 <= a.defect_rate <= 1 or not 0 <= a.warning_rate <= 1:
        ap.error("--defect-rate and --warning-rate are shares between 0 and 1")
    m = generate(a.triples, a.out, a.seed, a.defect_rate, a.warning_rate)
    n_def = sum(len(d["focus"]) for d in m["defects"].values())
    n_warn = sum(len(d["focus"]) for d in m["warnings"].values())
    print(f"{m['triples']:,} triples, {m['chains']:,} chains, {n_def} defects, {n_warn} intended warnings "
          f"-> {a.out} in {m['seconds']:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
