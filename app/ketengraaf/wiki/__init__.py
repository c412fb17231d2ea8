"""Links between the catalogue and the wikis GEMMA online and NORA online (issue 13).

A middle layer: it may use the store, sources, namespaces, labels, errors and settings,
never the web layer or the CLI.

- :mod:`.titles`: page titles <-> page IRIs the way MediaWiki builds them; the configured wikis;
- :mod:`.smw`: reading Semantic MediaWiki's RDF export (``swivt``) and writing ``data/wiki/<wiki>.ttl``;
- :mod:`.catalog`: what the loaded catalogue says about wiki pages and links;
- :mod:`.match`: proposals (resource -> page, page <-> page) with a score and a reason;
- :mod:`.review`: accepting and rejecting proposals, the links file ``data/wiki/links.ttl``;
- :mod:`.report`: the link report (text, CSV, JSON) and the link status shown on resource pages;
- :mod:`.wikitext`: wikitext for the wikis, and reading it back.
"""
