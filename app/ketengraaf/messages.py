"""Every text ketengraaf shows a person, in Dutch and English: pages, error titles, reports, the CLI.

One catalogue, namespaced keys (``home.title``, ``error.not_found``, ``report.conforms``,
``cli.load.loaded``, ...), each with a non-empty ``nl`` and ``en`` text; ``{name}``
placeholders are filled by :func:`text`. This module is data plus one lookup and
imports nothing from the app, so every layer (web, validation, CLI, errors) can use it.
The web side picks the reader's language (:mod:`ketengraaf.web.i18n`); the tests
check that every key has both languages and that every key used exists.
"""
from __future__ import annotations

LANGS = ("nl", "en")           # the languages the interface exists in; the first is the fallback

MESSAGES: dict[str, dict[str, str]] = {
    # -- every page (templates/base.html) --------------------------------------------------------
    "site.tagline": {"nl": "Kennisgraaf van ketensamenwerking in de Nederlandse overheid",
                     "en": "Knowledge graph of chain collaboration in Dutch government"},
    "site.skip": {"nl": "Naar de inhoud", "en": "Skip to content"},
    "site.language": {"nl": "Taal", "en": "Language"},
    "nav.home": {"nl": "Start", "en": "Home"},
    "nav.sparql": {"nl": "SPARQL", "en": "SPARQL"},
    "nav.gemma": {"nl": "GEMMA", "en": "GEMMA"},
    "nav.upl": {"nl": "Ketenkandidaten", "en": "Candidate chains"},
    "common.all_of": {"nl": "alle", "en": "all"},

    # -- home page ---------------------------------------------------------------------------------
    "home.intro": {"nl": "Ketengraaf beschrijft ketens en netwerken van overheidsorganisaties: wie er samenwerkt, "
                         "in welke rol, aan welke gedeelde doelen en processen, volgens de referentiearchitecturen "
                         "GEMMA en NORA. Elke term en elk object heeft een eigen pagina en is als RDF op te vragen.",
                   "en": "Ketengraaf describes chains and networks of government organisations: who works together, "
                         "in which role, towards which shared goals and processes, following the GEMMA and NORA "
                         "reference architectures. Every term and every resource has its own page and can be "
                         "fetched as RDF."},
    "home.for_whom": {"nl": "Voor architecten en ketenregisseurs: zie per keten wie wat doet, in welke volgorde, "
                            "namens wie, en waar de processen in het GEMMA-processenlandschap staan.",
                      "en": "For architects and chain directors: see for each chain who does what, in which order, "
                            "on whose behalf, and where its processes sit in GEMMA's process landscape."},
    "home.counts": {"nl": "Ketens, partners en processen", "en": "Chains, partners and processes"},
    "home.gemma_model": {"nl": "GEMMA-model", "en": "GEMMA model"},
    "home.gemma_model_intro": {"nl": "Het geïmporteerde ArchiMate-model van GEMMA: processen, rollen, views, "
                                     "mappen en relaties.",
                               "en": "GEMMA's imported ArchiMate model: processes, roles, views, folders and "
                                     "relationships."},
    "home.other_classes": {"nl": "Vocabulaires, wiki's en bronnen", "en": "Vocabularies, wikis and sources"},
    "home.instances": {"nl": "Aantal", "en": "Count"},
    "home.chains_by_model": {"nl": "Ketens per model", "en": "Chains by model"},
    "home.recent": {"nl": "Recent gewijzigd", "en": "Recently changed"},
    "home.sources": {"nl": "Bronbestanden van deze versie", "en": "Source files of this version"},
    "home.triples": {"nl": "triples", "en": "triples"},
    "home.version": {"nl": "Versie", "en": "Version"},

    # -- search ------------------------------------------------------------------------------------
    "search.title": {"nl": "Zoeken", "en": "Search"},
    "search.placeholder": {"nl": "Zoek ketens, partners, begrippen…", "en": "Search chains, partners, concepts…"},
    "search.results": {"nl": "resultaten", "en": "results"},
    "search.no_results": {"nl": "Niets gevonden.", "en": "Nothing found."},
    "search.all_types": {"nl": "Alle typen", "en": "All types"},
    "search.in_chain": {"nl": "in", "en": "in"},
    "search.type_filter": {"nl": "Type", "en": "Type"},
    "search.hint": {"nl": "Zoekt in labels, alternatieve labels en definities, in beide talen.",
                    "en": "Searches labels, alternative labels and definitions, in both languages."},

    # -- class pages, paging, sorting --------------------------------------------------------------
    "class.title": {"nl": "Klasse", "en": "Class"},
    "class.label": {"nl": "Label", "en": "Label"},
    "pager.page": {"nl": "Pagina", "en": "Page"},
    "pager.previous": {"nl": "Vorige", "en": "Previous"},
    "pager.next": {"nl": "Volgende", "en": "Next"},
    "sort.title": {"nl": "Sorteren", "en": "Sort"},
    "sort.label": {"nl": "label A–Z", "en": "label A–Z"},           # sort.<name> for each web.overview.SORTS
    "sort.-label": {"nl": "label Z–A", "en": "label Z–A"},
    "sort.iri": {"nl": "IRI", "en": "IRI"},

    # -- resource pages ----------------------------------------------------------------------------
    "resource.labels_in": {"nl": "Labels in het", "en": "Labels in"},
    "resource.definition": {"nl": "Definitie", "en": "Definition"},
    "resource.group_identity": {"nl": "Identiteit", "en": "Identity"},   # resource.<group> per describe.GROUPS
    "resource.group_description": {"nl": "Beschrijving", "en": "Description"},
    "resource.group_relations": {"nl": "Relaties", "en": "Relations"},
    "resource.group_links": {"nl": "Verwijzingen", "en": "Links"},
    "resource.group_provenance": {"nl": "Herkomst", "en": "Provenance"},
    "resource.inbound": {"nl": "Wat verwijst hierheen", "en": "What links here"},
    "resource.no_inbound": {"nl": "Niets verwijst naar deze bron.", "en": "Nothing links to this resource."},
    "resource.downloads": {"nl": "Download als", "en": "Download as"},
    "resource.wiki_pages": {"nl": "Wikipagina's", "en": "Wiki pages"},
    "resource.last_edited": {"nl": "laatst bewerkt", "en": "last edited"},
    "resource.validation": {"nl": "Validatie (SHACL)", "en": "Validation (SHACL)"},
    "resource.conforms": {"nl": "Voldoet aan alle regels.", "en": "Conforms to all rules."},
    "resource.documentation": {"nl": "Documentatie", "en": "Documentation"},
    "resource.tree": {"nl": "Begrippenboom", "en": "Concept tree"},

    # -- SHACL results and rules (severity.<sh:severity local name>) ------------------------------
    "severity.Violation": {"nl": "Overtreding", "en": "Violation"},
    "severity.Warning": {"nl": "Waarschuwing", "en": "Warning"},
    "severity.Info": {"nl": "Opmerking", "en": "Info"},
    "rule.shape": {"nl": "regel", "en": "shape"},
    "rule.path": {"nl": "eigenschap", "en": "property"},
    "rule.value": {"nl": "waarde", "en": "value"},
    "rule.min": {"nl": "minstens {n}", "en": "at least {n}"},
    "rule.max": {"nl": "hoogstens {n}", "en": "at most {n}"},
    "rule.exactly": {"nl": "precies {n}", "en": "exactly {n}"},
    "rule.of_class": {"nl": "van het type {c}", "en": "of type {c}"},
    "rule.of_datatype": {"nl": "met datatype {d}", "en": "with datatype {d}"},

    # -- ontology documentation --------------------------------------------------------------------
    "ontology.title": {"nl": "Ontologie", "en": "Ontology"},
    "ontology.data_formats": {"nl": "Deze pagina als data", "en": "This page as data"},
    "ontology.terms": {"nl": "Termen", "en": "Terms"},
    "ontology.classes": {"nl": "Klassen", "en": "Classes"},
    "ontology.properties": {"nl": "Eigenschappen", "en": "Properties"},
    "ontology.superclasses": {"nl": "Bovenliggende klassen", "en": "Superclasses"},
    "ontology.subclasses": {"nl": "Subklassen", "en": "Subclasses"},
    "ontology.domain": {"nl": "Domein", "en": "Domain"},
    "ontology.range": {"nl": "Bereik", "en": "Range"},
    "ontology.hierarchy": {"nl": "Klassenhiërarchie", "en": "Class hierarchy"},
    "ontology.instances_of": {"nl": "Exemplaren", "en": "Instances"},
    "ontology.valid_needs": {"nl": "Wat een geldige {x} nodig heeft", "en": "What a valid {x} needs"},
    "ontology.no_rules": {"nl": "Geen regels (SHACL-vormen) voor deze klasse.",
                          "en": "No rules (SHACL shapes) for this class."},
    "ontology.no_classes": {"nl": "Geen klassen geladen.", "en": "No classes loaded."},

    # -- concept schemes, data quality -------------------------------------------------------------
    "schemes.title": {"nl": "Begrippenlijsten", "en": "Concept schemes"},
    "quality.title": {"nl": "Datakwaliteit", "en": "Data quality"},
    "quality.intro": {"nl": "Alle overtredingen en waarschuwingen van de SHACL-validatie van deze versie, per regel.",
                      "en": "Every violation and warning of this version's SHACL validation, by shape."},
    "quality.clean": {"nl": "De catalogus voldoet aan alle regels.", "en": "The catalogue conforms to every rule."},
    "quality.no_report": {"nl": "Voor deze versie is geen validatierapport beschikbaar.",
                          "en": "No validation report is available for this version."},
    "quality.resource": {"nl": "Bron", "en": "Resource"},
    "quality.message": {"nl": "Melding", "en": "Message"},

    # -- errors: titles (one per class in ketengraaf.errors) and the 404 page ---------------------
    "error.internal": {"nl": "Interne fout", "en": "Internal error"},
    "error.config": {"nl": "Configuratiefout", "en": "Configuration error"},
    "error.input": {"nl": "Ongeldige invoer", "en": "Bad input"},
    "error.not_found": {"nl": "Niet gevonden", "en": "Not found"},
    "error.not_acceptable": {"nl": "Niet leverbaar in dit formaat", "en": "Not acceptable"},
    "error.unsupported_media_type": {"nl": "Mediatype niet ondersteund", "en": "Unsupported media type"},
    "error.method_not_allowed": {"nl": "Methode niet toegestaan", "en": "Method not allowed"},
    "error.request_too_large": {"nl": "Verzoek te groot", "en": "Request too large"},
    "error.query": {"nl": "Fout in de query", "en": "Query error"},
    "error.query_timeout": {"nl": "Query duurde te lang", "en": "Query time-out"},
    "error.busy": {"nl": "Te veel queries tegelijk", "en": "Too many queries at once"},
    "error.query_memory": {"nl": "Query had te veel geheugen nodig", "en": "Query needed too much memory"},
    "error.query_crashed": {"nl": "Query-machine faalde", "en": "Query engine failure"},
    "error.result_too_large": {"nl": "Antwoord te groot", "en": "Result too large"},
    "error.store": {"nl": "Opslag niet beschikbaar", "en": "Store unavailable"},
    "error.unauthorized": {"nl": "Niet aangemeld", "en": "Not authorised"},
    "error.forbidden": {"nl": "Niet toegestaan", "en": "Forbidden"},
    "error.validation_failed": {"nl": "Validatie mislukt", "en": "Validation failed"},
    "error.not_found_iri": {"nl": "Over {iri} is niets bekend in deze catalogus.",
                            "en": "Nothing is known about {iri} in this catalogue."},
    "error.suggest": {"nl": "Bedoelde u een van deze?", "en": "Did you mean one of these?"},
    "error.bad_lang": {"nl": "parameter lang: {value!r} is geen taal van deze catalogus; toegestaan: {allowed}",
                       "en": "parameter lang: {value!r} is not a language of this catalogue; allowed: {allowed}"},

    # -- SPARQL query page -------------------------------------------------------------------------
    "sparql.intro": {"nl": "Stel vragen aan de catalogus in SPARQL 1.1. De standaardgraaf is de vereniging van "
                           "alle grafen; dit eindpunt leest alleen.",
                     "en": "Ask the catalogue questions in SPARQL 1.1. The default graph is the union of all "
                           "graphs; this endpoint is read-only."},
    "sparql.service_description": {"nl": "Servicebeschrijving", "en": "Service description"},
    "sparql.query": {"nl": "Query", "en": "Query"},
    "sparql.run": {"nl": "Uitvoeren", "en": "Run"},
    "sparql.format": {"nl": "Antwoord als", "en": "Answer as"},
    "sparql.table": {"nl": "tabel", "en": "table"},
    "sparql.examples": {"nl": "Voorbeeldvragen", "en": "Example queries"},
    "sparql.results": {"nl": "Antwoord", "en": "Answer"},
    "sparql.yes": {"nl": "Ja", "en": "Yes"},
    "sparql.no": {"nl": "Nee", "en": "No"},
    "sparql.rows": {"nl": "{n} rijen", "en": "{n} rows"},
    "sparql.truncated": {"nl": "de eerste {n} getoond; download voor alles",
                         "en": "showing the first {n}; download for all"},
    "sparql.download": {"nl": "Download", "en": "Download"},

    # -- GEMMA pages -------------------------------------------------------------------------------
    "gemma.title": {"nl": "GEMMA-procesarchitectuur", "en": "GEMMA process architecture"},
    "gemma.intro": {"nl": "Uit het ArchiMate-model van de GEMMA (VNG Realisatie, EUPL) geïmporteerd: het "
                          "processenlandschap, de procesbouwstenen en de actoren en rollen.",
                    "en": "Imported from the GEMMA ArchiMate model (VNG Realisatie, EUPL): the process landscape, "
                          "the process building blocks and the actors and roles."},
    "gemma.processen.title": {"nl": "Processenlandschap", "en": "Process landscape"},
    "gemma.processen.intro": {"nl": "De processen van de GEMMA, van procescluster naar bedrijfsproces. Processen "
                                    "die bij een van de vier ketensamenwerkingsprocessen horen, zijn gemarkeerd.",
                              "en": "GEMMA's processes, from process cluster down to business process. Processes "
                                    "that belong to one of the four chain-collaboration processes are marked."},
    "gemma.bouwstenen.title": {"nl": "Procesbouwstenen", "en": "Process building blocks"},
    "gemma.bouwstenen.intro": {"nl": "De procesbouwstenencatalogus van de GEMMA: herbruikbare stappen (services) "
                                     "waaruit processen worden opgebouwd.",
                               "en": "GEMMA's catalogue of process building blocks: reusable steps (services) "
                                     "that processes are built from."},
    "gemma.rollen.title": {"nl": "Actoren en rollen", "en": "Actors and roles"},
    "gemma.rollen.intro": {"nl": "Actoren en rollen die de GEMMA onderkent; rollen die onder een andere vallen, "
                                 "staan eronder.",
                           "en": "Actors and roles GEMMA recognises; roles grouped under another are listed "
                                 "below it."},
    "gemma.online": {"nl": "GEMMA online", "en": "GEMMA online"},
    "gemma.none": {"nl": "Niets gevonden: is de GEMMA geïmporteerd (data/gemma/)?",
                   "en": "Nothing found: has GEMMA been imported (data/gemma/)?"},
    "gemma.count": {"nl": "{n} stuks", "en": "{n} items"},
    "gemma.ketenproces": {"nl": "ketensamenwerkingsproces", "en": "chain-collaboration process"},
    "gemma.name": {"nl": "Naam", "en": "Name"},
    "gemma.definition": {"nl": "Omschrijving", "en": "Description"},

    # -- UPL candidate chains ----------------------------------------------------------------------
    "upl.title": {"nl": "UPL-producten als kandidaat-ketens",
                  "en": "UPL products as candidate chains"},
    "upl.intro": {"nl": "Producten uit de Uniforme Productnamenlijst (UPL) waarbij meer dan één bestuurslaag "
                        "betrokken is. Elk is een kandidaat voor ketensamenwerking, om te vinden en te verkennen in"
                        " het eerste ketensamenwerkingsproces:",
                  "en": "Products of the Uniform Product Names List (UPL) that involve more than one government "
                        "layer. Each is a candidate for chain collaboration, to be found and explored in the first "
                        "chain-collaboration process:"},
    "upl.ranking": {"nl": "Zo is gerangschikt",
                    "en": "How the list is ranked"},
    "upl.rank_1": {"nl": "Meer bestuurslagen bij één product betekent nog geen samenwerking: bezwaar, klacht of een "
                         "informatieverzoek handelt elke laag zelf af. De rang weegt daarom het bewijs in de UPL dat"
                         " de lagen samenwerken. Elke reden die voor een product geldt telt met haar gewicht mee in "
                         "de score:",
                   "en": "More government layers on one product do not make collaboration: each layer handles an "
                         "objection, a complaint or an information request by itself. The rank therefore weighs the "
                         "evidence in the UPL that the layers work together. Each reason that applies to a product "
                         "adds its weight to the score:"},
    "upl.rank_2": {"nl": "Bij gelijke score gaat voor: meer bewijs vóór (minder tegenbewijs is geen bewijs), dan "
                         "meer sectorwetten als grondslag, dan meer bestuurslagen.",
                   "en": "On an equal score comes first: more evidence for (less evidence against is no evidence), "
                         "then more sector laws as legal basis, then more government layers."},
    "upl.rank_3": {"nl": "Producten die een keten in de catalogus al realiseert (keten:realiseert) staan niet in de "
                         "lijst: die zijn al gevonden.",
                   "en": "Products a chain in the catalogue already realises (keten:realiseert) are not listed: they"
                         " have been found."},
    "upl.rank_4": {"nl": "Producten met hetzelfde bewijs delen een rang (1, 2, 2, 4); binnen een rang staan ze op "
                         "naam. De placeholder ‘UPL-naam nog niet beschikbaar’ is geen product en staat er niet in.",
                   "en": "Products with the same evidence share a rank (1, 2, 2, 4); within a rank they are listed "
                         "by name. The placeholder ‘UPL-naam nog niet beschikbaar’ is not a product and is left out."},
    "upl.reasons": {"nl": "Redenen (score)",
                    "en": "Reasons (score)"},
    "upl.weight": {"nl": "gewicht",
                   "en": "weight"},
    "upl.count": {"nl": "{n} kandidaten",
                  "en": "{n} candidates"},
    "upl.filter": {"nl": "Alleen met bestuurslaag",
                   "en": "Only with government layer"},
    "upl.apply": {"nl": "Toon",
                  "en": "Show"},
    "upl.rank": {"nl": "Rang",
                 "en": "Rank"},
    "upl.product": {"nl": "Product",
                    "en": "Product"},
    "upl.partners": {"nl": "Partners (bestuurslagen)",
                     "en": "Partners (government layers)"},
    "upl.query": {"nl": "De vraag achter deze lijst (SPARQL)",
                  "en": "The query behind this list (SPARQL)"},
    "upl.json": {"nl": "Deze lijst als JSON",
                 "en": "This list as JSON"},
    "upl.none": {"nl": "Geen kandidaten: is de UPL geïmporteerd (data/upl/upl.ttl)?",
                 "en": "No candidates: has the UPL been imported (data/upl/upl.ttl)?"},

    # -- validation report, text format (report.<severity>.one/.many per sh:severity) -------------
    "report.Violation.one": {"nl": "overtreding", "en": "violation"},
    "report.Violation.many": {"nl": "overtredingen", "en": "violations"},
    "report.Warning.one": {"nl": "waarschuwing", "en": "warning"},
    "report.Warning.many": {"nl": "waarschuwingen", "en": "warnings"},
    "report.Info.one": {"nl": "melding", "en": "info"},
    "report.Info.many": {"nl": "meldingen", "en": "infos"},
    "report.path": {"nl": "pad", "en": "path"},
    "report.value": {"nl": "waarde", "en": "value"},
    "report.file": {"nl": "bestand", "en": "file"},
    "report.conforms": {"nl": "De gegevens voldoen aan de vormregels.", "en": "The data conforms to the shapes."},
    "report.fails": {"nl": "De gegevens voldoen NIET aan de vormregels: {counts}.",
                     "en": "The data does NOT conform to the shapes: {counts}."},
    "report.no_violations": {"nl": "De gegevens voldoen niet volledig aan de vormregels: geen overtredingen, "
                                   "wel {counts}.",
                             "en": "The data does not fully conform to the shapes: no violations, but {counts}."},
    "report.took": {"nl": "duur", "en": "took"},
    "report.none": {"nl": "geen resultaten", "en": "no results"},

    # -- command line (speaks English: CLI_LANG; `validate --lang` picks the report's language) ----
    "cli.load.loaded": {"nl": "{triples:,} triples uit {files} bestanden geladen in generatie {generation} "
                              "in {took:.2f} s",
                        "en": "loaded {triples:,} triples from {files} files into generation {generation} "
                              "in {took:.2f} s"},
    "cli.restore.done": {"nl": "{triples:,} triples in {graphs} grafen teruggezet: generatie {generation}",
                         "en": "restored {triples:,} triples in {graphs} graphs: generation {generation}"},
    "cli.load.unchanged": {"nl": "ongewijzigd: generatie {generation} bevat deze {files} bestanden al "
                                 "({triples:,} triples); gebruik --force om opnieuw te laden",
                           "en": "unchanged: generation {generation} already holds these {files} files "
                                 "({triples:,} triples); use --force to reload"},
    "cli.load.validation": {"nl": "validatie: {summary}", "en": "validation: {summary}"},
    "cli.validate.fails": {"nl": "de gegevens voldoen niet: {violations} overtreding(en), "
                                 "{warnings} waarschuwing(en){strict}",
                           "en": "the data does not conform: {violations} violation(s), "
                                 "{warnings} warning(s){strict}"},
    "cli.stats.generation": {"nl": "generatie {generation} (versie {version}), gemaakt {created} UTC",
                             "en": "generation {generation} (version {version}), created {created} UTC"},
    "cli.stats.triples": {"nl": "triples", "en": "triples"},
    "cli.stats.graph": {"nl": "graaf", "en": "graph"},
    "cli.stats.total": {"nl": "totaal", "en": "total"},
    "cli.stats.derived": {"nl": "(afgeleid door de lading)", "en": "(derived by the load)"},
    "cli.stats.instances": {"nl": "exemplaren", "en": "instances"},
    "cli.stats.class": {"nl": "klasse", "en": "class"},
    "cli.serve.serving": {"nl": "ketengraaf serveert {url} ({threads} threads, {workers} query-werkers)\n"
                                "catalogus {catalogue}\nopslag {store}",
                          "en": "ketengraaf serving {url} ({threads} threads, {workers} query workers)\n"
                                "catalogue {catalogue}\nstore {store}"},
    "cli.serve.leftover": {"nl": "{name} verwijderd, achtergelaten door een lading die niet afkwam",
                           "en": "removed {name}, left by a load that did not finish"},
    "cli.load.allowed_violations": {"nl": "gepubliceerd met {violations} overtreding(en) (--allow-violations)",
                                    "en": "published with {violations} violation(s) (--allow-violations)"},
    "cli.new.made": {"nl": "nieuwe catalogus in {folder}: ontology/, shapes/, data/voorbeeldketen.ttl, "
                           "ketengraaf.toml",
                     "en": "new catalogue in {folder}: ontology/, shapes/, data/voorbeeldketen.ttl, ketengraaf.toml"},
    "cli.new.next": {"nl": "verder: cd {folder} && ketengraaf validate && ketengraaf serve",
                     "en": "next: cd {folder} && ketengraaf validate && ketengraaf serve"},
    "cli.import.store": {"nl": "opslag: generatie {generation} ({triples:,} triples){unchanged}",
                         "en": "store: generation {generation} ({triples:,} triples){unchanged}"},
    "cli.import.unchanged": {"nl": ", ongewijzigd", "en": ", unchanged"},
    "cli.import.imported": {"nl": "{counts} geïmporteerd in {took:.2f} s", "en": "imported {counts} in {took:.2f} s"},
    "cli.import.problem": {"nl": "probleem: {problem}", "en": "problem: {problem}"},
    "cli.import.left_out": {"nl": "{n} onderdeel/onderdelen weggelaten; zie de problemen hierboven",
                            "en": "{n} item(s) left out; see the problems above"},
    "cli.import.upl": {"nl": "{rows:,} rijen, {products:,} producten, {bases:,} wettelijke grondslagen, "
                             "{candidates:,} kandidaat-ketens geïmporteerd in {took:.2f} s",
                       "en": "imported {rows:,} rows, {products:,} products, {bases:,} legal bases, "
                             "{candidates:,} candidate chains in {took:.2f} s"},
    "wiki.links": {"nl": "Op de wiki's", "en": 'On the wikis'},
    "wiki.report": {"nl": 'Wikilinks: rapport', "en": 'Wiki links: report'},
    "wiki.proposals": {"nl": 'Wikilinks: voorstellen', "en": 'Wiki links: proposals'},
    "wiki.broken": {"nl": 'niet in de laatste export', "en": 'not in the last export'},
    "wiki.redirect": {"nl": 'doorverwijzing', "en": 'redirect'},
    "wiki.outdated": {"nl": 'mogelijk verouderd', "en": 'possibly outdated'},
    "wiki.stale": {"nl": 'lang niet bewerkt', "en": 'not edited for long'},
    "wiki.unchecked": {"nl": 'niet gecontroleerd (geen export)', "en": 'not checked (no export)'},
    "wiki.edited": {"nl": 'laatst bewerkt', "en": 'last edited'},
    "wiki.to": {"nl": 'naar', "en": 'to'},
    "wiki.without": {"nl": 'Bronnen zonder wikipagina', "en": 'Resources without a wiki page'},
    "wiki.pairs": {"nl": "NORA- en GEMMA-pagina's over hetzelfde", "en": 'NORA and GEMMA pages about the same thing'},
    "wiki.flagged": {"nl": "Gemarkeerde pagina's", "en": 'Flagged pages'},
    "wiki.exports": {"nl": 'Exports', "en": 'Exports'},
    "wiki.none": {"nl": 'geen', "en": 'none'},
    "wiki.accept": {"nl": 'Accepteren', "en": 'Accept'},
    "wiki.reject": {"nl": 'Afwijzen', "en": 'Reject'},
    "wiki.no_proposals": {"nl": 'Geen open voorstellen. `ketengraaf wiki match` maakt ze.',
                          "en": 'No open proposals. `ketengraaf wiki match` makes them.'},
    "wiki.review_off": {"nl": "Beoordelen in de browser staat uit (instelling wiki_review_in_browser); gebruik "
                              "`ketengraaf wiki accept ID` of `ketengraaf wiki reject ID`.",
                        "en": "Reviewing in the browser is off (setting wiki_review_in_browser); use "
                              "`ketengraaf wiki accept ID` or `ketengraaf wiki reject ID`."},
    "wiki.decided": {"nl": 'Vastgelegd in data/wiki/; `ketengraaf load` publiceert het.',
                     "en": 'Written to data/wiki/; `ketengraaf load` publishes it.'},
    "wiki.score": {"nl": 'score', "en": 'score'},
    "wiki.origin_hand": {"nl": 'met de hand', "en": 'by hand'},
    "wiki.origin_accepted": {"nl": 'geaccepteerd voorstel', "en": 'accepted proposal'},
    "wiki.origin_import": {"nl": 'import', "en": 'import'},
    "wiki.origin_data": {"nl": 'data', "en": 'data'},
    "diagram.main": {"nl": "hoofdproces", "en": "main process"},
    "diagram.with": {"nl": "samen met", "en": "with"},
    "diagram.responsible": {"nl": "verantwoordelijk", "en": "responsible"},
    "diagram.goal": {"nl": "Gedeeld doel", "en": "Shared goal"},
    "diagram.goals": {"nl": "Gedeelde doelen", "en": "Shared goals"},
    "diagram.lead": {"nl": "leidend", "en": "lead"},
    "diagram.no_role": {"nl": "geen deelname vastgelegd", "en": "no participation recorded"},
    "diagram.unknown_executor": {"nl": "Uitvoerder niet vastgelegd", "en": "Executor not recorded"},
    "diagram.model_orkestratie": {"nl": "één partij is verantwoordelijk en stuurt; de anderen voeren "
                                        "deelprocessen uit namens haar",
                                  "en": "one party is responsible and directs; the others run sub-processes on "
                                        "its behalf"},
    "diagram.model_estafette": {"nl": "elke partij is verantwoordelijk voor haar eigen proces; de processen "
                                      "hangen van elkaar af",
                                "en": "each party is responsible for its own process; the processes depend on "
                                      "each other"},
    "diagram.model_doel": {"nl": "elke partij streeft zelfstandig haar eigen resultaat na; samen dragen ze bij "
                                 "aan een gedeeld doel",
                           "en": "each party pursues its own results; together they contribute to a shared goal"},
    "diagram.model_keten": {"nl": "partijen werken samen aan gedeelde doelen",
                            "en": "parties work together towards shared goals"},
    "diagram.legend_process": {"nl": "proces (in de baan van de partij die het uitvoert)",
                               "en": "process (in the lane of the party that executes it)"},
    "diagram.legend_sub": {"nl": "deelproces (dunne rand, ronde hoeken)",
                           "en": "sub-process (thin border, round corners)"},
    "diagram.legend_afhankelijk": {"nl": "doorgaande lijn, dichte pijlpunt: levert resultaat aan (het volgende "
                                         "proces is ervan afhankelijk)",
                                   "en": "solid line, filled head: hands its result to (the next process "
                                         "depends on it)"},
    "diagram.legend_namens": {"nl": "streepjeslijn, open pijlpunt: deelproces, uitgevoerd namens",
                              "en": "dashed line, open head: sub-process, run on behalf of"},
    "diagram.legend_deelproces": {"nl": "stippellijn, bolletje: deelproces van",
                                  "en": "dotted line, dot: sub-process of"},
    "diagram.legend_doel": {"nl": "streep-puntlijn, dichte pijlpunt: draagt bij aan het gedeelde doel",
                            "en": "dash-dot line, filled head: contributes to the shared goal"},
    "diagram.title": {"nl": "Ketendiagram", "en": "Chain diagram"},
    "diagram.desc_partners": {"nl": "Partners, van boven naar onder", "en": "Partners, top to bottom"},
    "diagram.desc_goals": {"nl": "Doel", "en": "Goal"},
    "diagram.desc_processes": {"nl": "Processen", "en": "Processes"},
    "diagram.desc_by": {"nl": "uitgevoerd door", "en": "executed by"},
    "diagram.desc_unknown": {"nl": "uitvoerder niet vastgelegd", "en": "executor not recorded"},
    "diagram.desc_sub": {"nl": "deelproces van", "en": "sub-process of"},
    "diagram.desc_namens": {"nl": "namens", "en": "on behalf of"},
    "diagram.desc_needs": {"nl": "heeft het resultaat nodig van", "en": "needs the result of"},
    "diagram.desc_main": {"nl": "hoofdproces", "en": "main process"},
    "diagram.desc_none": {"nl": "geen", "en": "none"},
    "resource.claims": {"nl": "Bronnen van de beweringen", "en": "Sources of the statements"},
    "resource.claims_intro": {"nl": "Welke bron zegt wat over deze bron, met de letterlijk aangehaalde zin.",
                              "en": "Which source says what about this resource, with the sentence quoted verbatim."},
    "resource.illustration": {"nl": "Illustratie", "en": "Illustration"},
    "resource.illustration_note": {"nl": "Deze beschrijving is geheel of gedeeltelijk een illustratie van de "
                                         "catalogus, geen bewering van een bron. Alleen wat hieronder een bron met "
                                         "citaat heeft, rust op een bron.",
                                   "en": "This description is wholly or partly the catalogue's illustration, not a "
                                         "statement of a source. Only what has a source with a quotation below "
                                         "rests on a source."},
    "resource.illustration_of": {"nl": "Onderdeel van de illustratie", "en": "Part of the illustration"},
    "wiki.export.heading": {"nl": "In de ketengraaf", "en": "In ketengraaf"},
    "wiki.export.resource": {"nl": "Bron", "en": "Resource"},
    "wiki.export.type": {"nl": "Soort", "en": "Type"},
    "quality.since": {"nl": "Sinds", "en": "Since"},
    "quality.written": {
        "nl": "{graphs} graaf/grafen zijn via HTTP gewijzigd sinds de laatste keer laden ({writes} wijziging(en), "
              "de laatste door {by} op {at} UTC): de opslag, niet de bestanden, bevat nu hun actuele inhoud. "
              "`ketengraaf dump` schrijft ze uit.",
        "en": "{graphs} graph(s) were changed over HTTP since the last load ({writes} write(s), the last by {by} "
              "at {at} UTC): the store, not the files, holds what they say now. `ketengraaf dump` writes them out."},
    "quality.allowed": {"nl": "Deze versie is gepubliceerd ondanks overtredingen van de regels "
                              "(ketengraaf load --allow-violations).",
                        "en": "This version was published despite violations of the rules "
                              "(ketengraaf load --allow-violations)."},
    "resource.inferred": {"nl": "afgeleid", "en": "inferred"},
    "resource.inferred_note": {"nl": "Afgeleid uit de ontologie (RDFS: subklasse of subeigenschap); geen bron zegt "
                                     "het zo.",
                               "en": "Inferred from the ontology (RDFS: subclass or subproperty); no source states "
                                     "it so."},
    # -- the chain view (web/chain.py, templates/chain.html, chain_matrix.html) ------------------------
    "gemma.used_by": {"nl": "gebruikt door", "en": "used by"},
    "gemma.used_count": {"nl": "{n} in gebruik bij een keten", "en": "{n} used by a chain"},
    "gemma.used_legend": {"nl": "een proces van een keten staat op deze plek in het landschap",
                          "en": "a chain's process sits at this place in the landscape"},
    "resource.about_property": {"nl": "over deze eigenschap", "en": "about this property"},
    "sparql.error_hint": {"nl": "De query kon niet worden uitgevoerd. Wat de query-engine meldt (in het Engels):",
                          "en": "The query could not be run. What the query engine reports:"},
    "chain.horizontal": {"nl": "horizontale samenwerking", "en": "horizontal collaboration"},
    "chain.lead_is": {"nl": "Leidende partij:", "en": "Lead party:"},
    "chain.properties": {"nl": "Alle eigenschappen (RDF-weergave)", "en": "All properties (RDF view)"},
    "chain.download_svg": {"nl": "Ketenplaat downloaden (SVG)", "en": "Download the diagram (SVG)"},
    "chain.diagram": {"nl": "Ketenplaat", "en": "Chain diagram"},
    "chain.goals": {"nl": "Gedeelde doelen", "en": "Shared goals"},
    "chain.participation": {"nl": "Partners en hun deelname", "en": "Partners and their participation"},
    "chain.partner": {"nl": "Partner", "en": "Partner"},
    "chain.role": {"nl": "Rol", "en": "Role"},
    "chain.role_kind": {"nl": "Soort rol", "en": "Kind of role"},
    "chain.period": {"nl": "Periode", "en": "Period"},
    "chain.steers": {"nl": "Stuurt", "en": "Steers"},
    "chain.no_participation": {"nl": "Geen deelnames vastgelegd.", "en": "No participations recorded."},
    "chain.named_partners": {"nl": "Genoemd bij een proces, zonder vastgelegde deelname",
                             "en": "Named by a process, without a recorded participation"},
    "chain.processes": {"nl": "Processen in volgorde", "en": "Processes in order"},
    "chain.order_estafette": {"nl": "Volgorde van de estafette: elk proces na de processen waarvan het het "
                                    "resultaat nodig heeft.",
                              "en": "Order of the relay: each process after the processes whose result it needs."},
    "chain.order_orkestratie": {"nl": "Eerst het hoofdproces, daaronder de deelprocessen die namens de "
                                      "leidende partij worden uitgevoerd.",
                                "en": "The main process first, below it the sub-processes run on behalf of the "
                                      "lead party."},
    "chain.order_doel": {"nl": "De processen lopen naast elkaar; elk draagt bij aan het gedeelde doel.",
                         "en": "The processes run side by side; each contributes to the shared goal."},
    "chain.order_keten": {"nl": "Processen van de keten, met hun deelprocessen.",
                          "en": "The chain's processes, with their sub-processes."},
    "chain.sub_of": {"nl": "Deelproces van", "en": "Sub-process of"},
    "chain.responsible": {"nl": "Verantwoordelijk", "en": "Responsible"},
    "chain.executor": {"nl": "Uitvoerder", "en": "Executor"},
    "chain.on_behalf_of": {"nl": "Namens", "en": "On behalf of"},
    "chain.needs": {"nl": "Heeft het resultaat nodig van", "en": "Needs the result of"},
    "chain.landscape": {"nl": "Plaats in het GEMMA-processenlandschap", "en": "Place in GEMMA's process landscape"},
    "chain.chain_process": {"nl": "Dient ketensamenwerkingsproces", "en": "Serves chain-collaboration process"},
    "chain.no_processes": {"nl": "Geen processen vastgelegd.", "en": "No processes recorded."},
    "chain.steering": {"nl": "Bouwstenen voor ketensturing", "en": "Building blocks for chain steering"},
    "chain.no_steering": {"nl": "Geen bouwstenen voor ketensturing vastgelegd.",
                          "en": "No building blocks for chain steering recorded."},
    "chain.note": {"nl": "Toelichting", "en": "Note"},
    "matrix.title": {"nl": "Ketens en partners", "en": "Chains and partners"},
    "matrix.intro": {"nl": "Per partner de rol in elke keten; een lege cel: geen deelname.",
                     "en": "For each partner, the role in each chain; an empty cell: no participation."},
    "matrix.partner": {"nl": "Partner", "en": "Partner"},
    "matrix.chains": {"nl": "keten(s)", "en": "chain(s)"},
    "matrix.no_role": {"nl": "deelname zonder rol", "en": "participation without a role"},
    "matrix.none": {"nl": "geen deelname", "en": "no participation"},
    "matrix.networks": {"nl": "Netwerken en hun deelnemers", "en": "Networks and their participants"},
    "error.store_unavailable": {"nl": "Opslagserver antwoordt niet", "en": "Store server not answering"},
    "error.store_bad_answer": {"nl": "Onbruikbaar antwoord van de opslagserver",
                               "en": "Bad answer from the store server"},
    # -- the history of writes (web/history.py) and editing in the browser (web/edit.py) ---------------
    "history.title": {"nl": "Wijzigingen", "en": "Changes"},
    "history.intro": {"nl": "Elke wijziging die via HTTP in de catalogus is geschreven, nieuwste eerst: wanneer, door "
                            "wie, in welke grafen, en welke triples erbij kwamen of verdwenen (PROV-O).",
                      "en": "Every change written to the catalogue over HTTP, newest first: when, by whom, in which "
                            "graphs, and which triples were added or removed (PROV-O)."},
    "history.follow": {"nl": "Volg de wijzigingen", "en": "Follow the changes"},
    "history.none": {"nl": "Nog geen wijzigingen via HTTP: de catalogus is zoals hij uit de bestanden is geladen.",
                     "en": "No changes over HTTP yet: the catalogue is as it was loaded from its files."},
    "history.by": {"nl": "door", "en": "by"},
    "history.added": {"nl": "Toegevoegd", "en": "Added"},
    "history.removed": {"nl": "Verwijderd", "en": "Removed"},
    "history.subject": {"nl": "Onderwerp", "en": "Subject"},
    "history.predicate": {"nl": "Eigenschap", "en": "Property"},
    "history.object": {"nl": "Waarde", "en": "Value"},
    "history.graph": {"nl": "Graaf", "en": "Graph"},
    "history.graphs": {"nl": "Grafen", "en": "Graphs"},
    "history.when": {"nl": "Wanneer", "en": "When"},
    "history.who": {"nl": "Door", "en": "By"},
    "history.on_resource": {"nl": "Wijzigingen", "en": "Changes"},
    "history.all": {"nl": "Alle wijzigingen", "en": "All changes"},
    "history.feed_title": {"nl": "ketengraaf: wijzigingen", "en": "ketengraaf: changes"},
    "history.feed_content": {"nl": "{added} triple(s) toegevoegd, {removed} verwijderd, door {who}, in: {graphs}",
                             "en": "{added} triple(s) added, {removed} removed, by {who}, in: {graphs}"},
    "edit.link": {"nl": "Bewerken", "en": "Edit"},
    "edit.title": {"nl": "Bewerken", "en": "Edit"},
    "edit.intro": {"nl": "De beschrijving van deze resource als Turtle. Opslaan vervangt precies deze triples in de "
                         "genoemde graaf door de bewerkte tekst; de wijziging moet door de SHACL-validatie komen en "
                         "komt in de wijzigingsgeschiedenis.",
                   "en": "The description of this resource as Turtle. Saving replaces exactly these triples in the "
                         "graph named below with the edited text; the change must pass SHACL validation and is "
                         "recorded in the history of changes."},
    "edit.graph": {"nl": "Graaf", "en": "Graph"},
    "edit.elsewhere": {"nl": "nog {n} triple(s) over deze resource staan in andere grafen en blijven zoals ze zijn",
                       "en": "{n} more triple(s) about this resource are in other graphs and stay as they are"},
    "edit.turtle": {"nl": "Beschrijving (Turtle)", "en": "Description (Turtle)"},
    "edit.token": {"nl": "Schrijftoken", "en": "Write token"},
    "edit.token_help": {"nl": "Het token dat de beheerder u gaf (instelling write_tokens). Het wordt niet bewaard.",
                        "en": "The token the administrator gave you (setting write_tokens). It is not stored."},
    "edit.save": {"nl": "Opslaan", "en": "Save"},
    "edit.no_tokens": {"nl": "Deze catalogus neemt geen wijzigingen aan: er zijn geen schrijftokens ingesteld.",
                       "en": "This catalogue accepts no changes: no write tokens are configured."},
    "edit.no_token": {"nl": "Vul een schrijftoken in.", "en": "Enter a write token."},
    "edit.unknown_token": {"nl": "Dit schrijftoken is niet bekend.", "en": "This write token is not known."},
    "edit.forbidden": {"nl": "Dit token mag de graaf {graph} niet wijzigen.",
                       "en": "This token may not write the graph {graph}."},
    "edit.refused": {"nl": "Niet opgeslagen: de wijziging brengt deze nieuwe validatieresultaten mee.",
                     "en": "Not saved: the change brings these new validation results."},
    "edit.focus": {"nl": "bij", "en": "on"},
    "edit.syntax": {"nl": "Geen geldige Turtle (regel:kolom {where}).",
                    "en": "Not valid Turtle (line:column {where})."},
    "edit.other_subject": {"nl": "Dit formulier bewerkt één resource: de tekst beschrijft ook {subject}.",
                           "en": "This form edits one resource: the text also describes {subject}."},
    "edit.conflict": {"nl": "Niet opgeslagen: de beschrijving is gewijzigd sinds dit formulier werd geopend.",
                      "en": "Not saved: the description changed since this form was opened."},
    "edit.versions": {"nl": "Het formulier is gemaakt bij versie {old}; de catalogus is nu bij versie {new}.",
                      "en": "The form was made at version {old}; the catalogue is now at version {new}."},
    "edit.reload": {"nl": "Open de huidige versie", "en": "Open the current version"},
    "edit.nothing_written": {"nl": "Er is niets gewijzigd; uw tekst staat hieronder.",
                             "en": "Nothing was changed; your text is below."},
    "error.conflict": {"nl": "Conflict", "en": "Conflict"},
}


def text(key: str, lang: str, /, **params) -> str:
    """The text for ``key`` in ``lang`` (``en-GB`` counts as ``en``; another language gets the first
    of :data:`LANGS`), with ``{name}`` placeholders filled from ``params``.

    An unknown key raises ``KeyError`` naming the key; so does a placeholder without a value."""
    try:
        texts = MESSAGES[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in ketengraaf.messages") from None
    lang = (lang or "").lower()
    if lang not in texts:
        lang = lang.split("-", 1)[0]
        if lang not in texts:
            lang = LANGS[0]
    message = texts[lang]
    if not params:
        return message
    try:
        return message.format(**params)
    except KeyError as err:
        raise KeyError(f"message {key!r} needs a value for {err.args[0]!r}") from None
