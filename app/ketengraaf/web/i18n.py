"""Interface text in Dutch and English, and which language a reader gets.

The reader's language is chosen once per request, in this order: ``?lang=``,
the ``lang`` cookie (set when a reader switches language), ``Accept-Language``,
then the ``default_lang`` setting. Labels follow that language with the
fallback of :mod:`ketengraaf.labels` (then ``nl``, then ``en``, then any). The
interface itself exists in ``nl`` and ``en`` only: a reader asking for another
language gets labels in that language where they exist, and the interface in
Dutch (then English), the same fallback.
"""
from __future__ import annotations

from flask import g, request

from ..errors import InputError
from ..labels import fallback_order, valid_lang

UI_LANGS = ("nl", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "site_tagline": {"nl": "Kennisgraaf van ketensamenwerking in de Nederlandse overheid",
                     "en": "Knowledge graph of chain collaboration in Dutch government"},
    "home_intro": {"nl": "Ketengraaf beschrijft ketens en netwerken van overheidsorganisaties: wie er samenwerkt, "
                         "in welke rol, aan welke gedeelde doelen en processen, volgens de referentiearchitecturen "
                         "GEMMA en NORA. Elke term en elk object heeft een eigen pagina en is als RDF op te vragen.",
                   "en": "Ketengraaf describes chains and networks of government organisations: who works together, "
                         "in which role, towards which shared goals and processes, following the GEMMA and NORA "
                         "reference architectures. Every term and every resource has its own page and can be "
                         "fetched as RDF."},
    "skip": {"nl": "Naar de inhoud", "en": "Skip to content"},
    "home": {"nl": "Start", "en": "Home"},
    "search": {"nl": "Zoeken", "en": "Search"},
    "search_placeholder": {"nl": "Zoek ketens, partners, begrippen…", "en": "Search chains, partners, concepts…"},
    "ontology": {"nl": "Ontologie", "en": "Ontology"},
    "quality": {"nl": "Datakwaliteit", "en": "Data quality"},
    "schemes": {"nl": "Begrippenlijsten", "en": "Concept schemes"},
    "language": {"nl": "Taal", "en": "Language"},
    "labels_in": {"nl": "Labels in het", "en": "Labels in"},
    "lang_name_nl": {"nl": "Nederlands", "en": "Dutch"},
    "lang_name_en": {"nl": "Engels", "en": "English"},
    "counts": {"nl": "Inhoud per klasse", "en": "Contents per class"},
    "class": {"nl": "Klasse", "en": "Class"},
    "instances": {"nl": "Aantal", "en": "Count"},
    "chains_by_model": {"nl": "Ketens per model", "en": "Chains by model"},
    "recent": {"nl": "Recent gewijzigd", "en": "Recently changed"},
    "sources": {"nl": "Bronbestanden van deze versie", "en": "Source files of this version"},
    "triples": {"nl": "triples", "en": "triples"},
    "version": {"nl": "Versie", "en": "Version"},
    "types": {"nl": "Typen", "en": "Types"},
    "definition": {"nl": "Definitie", "en": "Definition"},
    "group_identity": {"nl": "Identiteit", "en": "Identity"},
    "group_description": {"nl": "Beschrijving", "en": "Description"},
    "group_relations": {"nl": "Relaties", "en": "Relations"},
    "group_links": {"nl": "Verwijzingen", "en": "Links"},
    "group_provenance": {"nl": "Herkomst", "en": "Provenance"},
    "inbound": {"nl": "Wat verwijst hierheen", "en": "What links here"},
    "no_inbound": {"nl": "Niets verwijst naar deze bron.", "en": "Nothing links to this resource."},
    "more": {"nl": "meer", "en": "more"},
    "all_of": {"nl": "alle", "en": "all"},
    "downloads": {"nl": "Download als", "en": "Download as"},
    "wiki_pages": {"nl": "Wikipagina's", "en": "Wiki pages"},
    "claims": {"nl": "Bronnen van de beweringen", "en": "Sources of the statements"},
    "claims_intro": {"nl": "Welke bron zegt wat over deze bron, met de letterlijk aangehaalde zin.",
                     "en": "Which source says what about this resource, with the sentence quoted verbatim."},
    "illustration": {"nl": "Illustratie", "en": "Illustration"},
    "illustration_note": {"nl": "Deze beschrijving is geheel of gedeeltelijk een illustratie van de catalogus, "
                                "geen bewering van een bron. Alleen wat hieronder een bron met citaat heeft, "
                                "rust op een bron.",
                          "en": "This description is wholly or partly the catalogue's illustration, not a "
                                "statement of a source. Only what has a source with a quotation below rests "
                                "on a source."},
    "illustration_of": {"nl": "Onderdeel van de illustratie", "en": "Part of the illustration"},
    "outdated": {"nl": "mogelijk verouderd", "en": "possibly outdated"},
    "last_edited": {"nl": "laatst bewerkt", "en": "last edited"},
    "validation": {"nl": "Validatie (SHACL)", "en": "Validation (SHACL)"},
    "conforms": {"nl": "Voldoet aan alle regels.", "en": "Conforms to all rules."},
    "no_report": {"nl": "Voor deze versie is geen validatierapport beschikbaar.",
                  "en": "No validation report is available for this version."},
    "Violation": {"nl": "Overtreding", "en": "Violation"},
    "Warning": {"nl": "Waarschuwing", "en": "Warning"},
    "Info": {"nl": "Opmerking", "en": "Info"},
    "shape": {"nl": "regel", "en": "shape"},
    "path": {"nl": "eigenschap", "en": "property"},
    "value": {"nl": "waarde", "en": "value"},
    "page": {"nl": "Pagina", "en": "Page"},
    "previous": {"nl": "Vorige", "en": "Previous"},
    "next": {"nl": "Volgende", "en": "Next"},
    "sort": {"nl": "Sorteren", "en": "Sort"},
    "sort_label": {"nl": "label A–Z", "en": "label A–Z"},
    "sort_label_desc": {"nl": "label Z–A", "en": "label Z–A"},
    "sort_iri": {"nl": "IRI", "en": "IRI"},
    "label": {"nl": "Label", "en": "Label"},
    "results": {"nl": "resultaten", "en": "results"},
    "no_results": {"nl": "Niets gevonden.", "en": "Nothing found."},
    "all_types": {"nl": "Alle typen", "en": "All types"},
    "type_filter": {"nl": "Type", "en": "Type"},
    "classes": {"nl": "Klassen", "en": "Classes"},
    "properties": {"nl": "Eigenschappen", "en": "Properties"},
    "superclasses": {"nl": "Bovenliggende klassen", "en": "Superclasses"},
    "subclasses": {"nl": "Subklassen", "en": "Subclasses"},
    "domain": {"nl": "Domein", "en": "Domain"},
    "range": {"nl": "Bereik", "en": "Range"},
    "hierarchy": {"nl": "Klassenhiërarchie", "en": "Class hierarchy"},
    "valid_needs": {"nl": "Wat een geldige {x} nodig heeft", "en": "What a valid {x} needs"},
    "no_rules": {"nl": "Geen regels (SHACL-vormen) voor deze klasse.", "en": "No rules (SHACL shapes) for this class."},
    "quality_intro": {"nl": "Alle overtredingen en waarschuwingen van de SHACL-validatie van deze versie, per regel.",
                      "en": "Every violation and warning of this version's SHACL validation, by shape."},
    "quality_clean": {"nl": "De catalogus voldoet aan alle regels.", "en": "The catalogue conforms to every rule."},
    "resource": {"nl": "Bron", "en": "Resource"},
    "message": {"nl": "Melding", "en": "Message"},
    "not_found_suggest": {"nl": "Bedoelde u een van deze?", "en": "Did you mean one of these?"},
    "not_found_iri": {"nl": "Over {iri} is niets bekend in deze catalogus.",
                      "en": "Nothing is known about {iri} in this catalogue."},
    "tree": {"nl": "Begrippenboom", "en": "Concept tree"},
    "instances_of": {"nl": "Exemplaren", "en": "Instances"},
    "documentation": {"nl": "Documentatie", "en": "Documentation"},
    "data_formats": {"nl": "Deze pagina als data", "en": "This page as data"},
    "terms": {"nl": "Termen", "en": "Terms"},
    "property": {"nl": "Eigenschap", "en": "Property"},
    "min": {"nl": "minstens {n}", "en": "at least {n}"},
    "max": {"nl": "hoogstens {n}", "en": "at most {n}"},
    "exactly": {"nl": "precies {n}", "en": "exactly {n}"},
    "of_class": {"nl": "van het type {c}", "en": "of type {c}"},
    "of_datatype": {"nl": "met datatype {d}", "en": "with datatype {d}"},
    "in_values": {"nl": "een van: {v}", "en": "one of: {v}"},
    "severity_rule": {"nl": "ernst", "en": "severity"},
    "no_classes": {"nl": "Geen klassen geladen.", "en": "No classes loaded."},
    "search_hint": {"nl": "Zoekt in labels, alternatieve labels en definities, in beide talen.",
                    "en": "Searches labels, alternative labels and definitions, in both languages."},
    "error_404": {"nl": "Niet gevonden", "en": "Not found"},
    "blank": {"nl": "(naamloos knooppunt)", "en": "(blank node)"},
}


def reader_lang() -> str:
    """The reader's language for this request (validated; cached on ``g``)."""
    if "reader_lang" in g:
        return g.reader_lang
    lang = request.args.get("lang")
    if lang is not None and not valid_lang(lang):
        from .. import settings
        g.reader_lang = settings().default_lang      # the error page itself renders in the default
        raise InputError(f"parameter lang: {lang!r} is not a language tag (use e.g. nl or en)")
    if not lang:
        cookie = request.cookies.get("lang", "")
        lang = cookie if valid_lang(cookie) else None
    if not lang:
        best = request.accept_languages.best
        lang = best if best and best != "*" and valid_lang(best) else None
    if not lang:
        from .. import settings
        lang = settings().default_lang
    g.reader_lang = lang.lower()
    return g.reader_lang


def ui_lang(lang: str | None = None) -> str:
    for cand in fallback_order(lang or reader_lang()):
        if cand in UI_LANGS:
            return cand
    return UI_LANGS[0]


def t(key: str, **fmt) -> str:
    """Interface text for ``key`` in the reader's interface language."""
    text = MESSAGES[key][ui_lang()]
    return text.format(**fmt) if fmt else text
