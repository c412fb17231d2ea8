"""The ``ketengraaf`` command. Exit codes come from :mod:`ketengraaf.errors`:
0 ok, 1 violations, 2 unreadable input, 3 configuration, 4 query, 5 store.

Every command works on one catalogue (``--catalogue DIR``; by default the current
folder when it holds one, else the catalogue shipped with ketengraaf)."""
from __future__ import annotations

import socket
import sys
import time
from functools import wraps
from pathlib import Path

import click

from . import create_app
from .catalogue import new_catalogue
from .diagrams import build_model, chain_iri, render_svg
from .errors import ConfigError, KetengraafError, ValidationFailed
from .messages import text
from .namespaces import PREFIXES
from .settings import SETTINGS, Settings, markdown_table
from .store.backends import open_store
from .store.oxigraph import clean_store, current_generation
from .wiki import service as wiki_service
from .wiki.report import build_report as wiki_build_report, render as wiki_render
from .wiki.titles import smw_encode as wiki_file_name


def say(key: str, **params) -> str:
    """A message of the command line (ketengraaf.messages); it speaks English, reports follow --lang."""
    return text(key, "en", **params)


def _settings(**overrides) -> Settings:
    return Settings.from_env({k: v for k, v in overrides.items() if v is not None})


def reports_errors(fn):
    """Turn a KetengraafError into its message on stderr and its exit code."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KetengraafError as err:
            click.echo(f"ketengraaf: {err.message}", err=True)
            if err.detail:
                click.echo(err.detail, err=True)
            sys.exit(err.exit_code)
    return wrapper


def store_option(fn):
    """``--catalogue`` and ``--store``: which catalogue, and where its store is."""
    fn = click.option("--store", "store_dir", type=click.Path(file_okay=False),
                      help="Store folder (setting store_dir; default: var/store in the catalogue).")(fn)
    return catalogue_option(fn)


catalogue_option = click.option(
    "--catalogue", "catalogue", type=click.Path(file_okay=False), metavar="DIR",
    help="Catalogue folder with ontology/, shapes/, data/ (setting catalogue; default: the current folder "
         "when it holds a catalogue, else the one shipped with ketengraaf).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ketengraaf")
def main():
    """ketengraaf: knowledge graph of chain collaboration in Dutch government."""


@main.command()
@store_option
@click.option("--force", is_flag=True, help="Write a new generation even when nothing changed.")
@click.option("--replace", is_flag=True,
              help="Make a catalogue of only PATHS: every other source of the current generation goes.")
@click.option("--no-validate", "no_validate", is_flag=True,
              help="Skip SHACL validation (large catalogues); pages then say the data was not validated.")
@click.option("--allow-violations", "allow_violations", is_flag=True,
              help="Publish data with SHACL violations anyway (else the load is refused, exit 1, and the "
                   "current generation stays); the quality page then says so.")
@click.option("--discard-writes", "discard_writes", is_flag=True,
              help="Replace graphs written over HTTP since the last load with the files (else such a load is "
                   "refused; `ketengraaf dump` first keeps them).")
@click.argument("paths", nargs=-1, type=click.Path())
@reports_errors
def load(catalogue, store_dir, force, replace, no_validate, allow_violations, discard_writes, paths):
    """Load the catalogue into a new store generation, atomically.

    \b
    ketengraaf load               rebuild from the catalogue's ontology/, shapes/, data/
    ketengraaf load PATH...       add PATHs to the current catalogue, or replace the
                                  sources with the same graph; keep every other source
    ketengraaf load --replace PATH...
                                  a catalogue of only PATHs

    The new generation is validated first: with violations the load is refused (exit 1,
    the report on stderr) and readers go on seeing the old generation. One load at a time
    per store: a second one is refused at once (exit 5)."""
    if replace and not paths:
        raise click.UsageError("--replace needs the PATHs that make the new catalogue")
    settings = _settings(catalogue=catalogue, store_dir=store_dir)
    started = time.perf_counter()
    if settings.store_backend == "sparql":
        from .sparql.remote_load import load_catalogue_remote  # deferred: start-up time
        gen, changed = load_catalogue_remote(settings, force=force, paths=paths or None, replace=replace,
                                             validate=not no_validate, allow_violations=allow_violations or None)
    else:
        from .loading import load_catalogue  # deferred: start-up time
        gen, changed = load_catalogue(settings, force=force, paths=paths or None, replace=replace,
                                      validate=not no_validate, allow_violations=allow_violations or None,
                                      discard_writes=discard_writes)
    took = time.perf_counter() - started
    if changed:
        click.echo(say("cli.load.loaded", triples=gen.source_triples, files=len(gen.files), generation=gen.id,
                       took=took))
    else:
        click.echo(say("cli.load.unchanged", generation=gen.id, files=len(gen.files), triples=gen.source_triples))
    summary = gen.extra.get("validation") or {}
    if summary:
        click.echo(say("cli.load.validation", summary=", ".join(f"{k} {v}" for k, v in summary.items())))
        if summary.get("allowed_violations"):
            click.echo(say("cli.load.allowed_violations", violations=summary["violations"]), err=True)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@catalogue_option
@click.option("--lang", type=click.Choice(["nl", "en"]), help="Language of messages and labels (setting default_lang).")
@click.option("--format", "fmt", default="text", show_default=True, help="Report format: text, turtle or json-ld.")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@reports_errors
def validate(paths, catalogue, lang, fmt, strict):
    """Validate PATHS (default: the catalogue's ontology/, shapes/, data/) against the catalogue's
    shapes and ontology.

    Exit 0 without violations (warnings allowed unless --strict), 1 on violations, 2 on unreadable input.
    The report's sh:conforms and its last line follow SHACL: any result, a warning too, means it does not conform."""
    from .sources import parse_sources  # deferred: start-up time
    from .validation import render, validate_sources  # deferred: start-up time
    settings = _settings(catalogue=catalogue)
    cat = settings.catalogue
    report = validate_sources(parse_sources(list(paths) or settings.sources, cat.root),
                              shapes_dir=cat.shapes_dir, ontology_dir=cat.ontology_dir)
    click.echo(render(report, fmt, lang or settings.default_lang), nl=False)
    if not report.acceptable(strict):
        raise ValidationFailed(say("cli.validate.fails", violations=report.violations, warnings=report.warnings,
                                   strict=" (--strict: warnings fail)" if strict else ""))


@main.command()
@store_option
@reports_errors
def stats(catalogue, store_dir):
    """Triples per named graph and instances per class in the current generation."""
    store = open_store(_settings(catalogue=catalogue, store_dir=store_dir)).pinned()
    gen = store.generation()
    click.echo(say("cli.stats.generation", generation=gen.id, version=gen.version[:12],
                   created=f"{gen.created:%Y-%m-%d %H:%M:%S}"))
    click.echo(f"\n{say('cli.stats.triples'):>9}  {say('cli.stats.graph')}")
    for s in sorted(gen.files, key=lambda s: s.graph):
        click.echo(f"{s.triples:>9,}  {s.graph}")
    click.echo(f"{gen.source_triples:>9,}  {say('cli.stats.total')}")
    for s in sorted((s for s in gen.sources if s.derived), key=lambda s: s.graph):
        click.echo(f"{s.triples:>9,}  {s.graph}  {say('cli.stats.derived')}")
    rows = store.select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c")
    click.echo(f"\n{say('cli.stats.instances'):>9}  {say('cli.stats.class')}")
    for r in rows:
        click.echo(f"{int(r['n'].value):>9,}  {r['c'].value}")


@main.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["trig", "nquads"]), default="trig", show_default=True,
              help="TriG or N-Quads.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: stdout).")
@reports_errors
def dump(catalogue, store_dir, fmt, output):
    """Write the whole catalogue: every source graph (also those written over HTTP) and the history of
    writes, as TriG or N-Quads. The inferences and the report are left out: a restore recomputes them.
    The same catalogue dumps the same bytes."""
    import pyoxigraph as ox  # deferred: start-up time

    settings = _settings(catalogue=catalogue, store_dir=store_dir)
    rdf_format = ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.N_QUADS
    if settings.store_backend == "sparql":
        from .sparql.remote_load import dump_remote  # deferred: start-up time
        from .store.sparql import SparqlStore  # deferred: start-up time
        data = dump_remote(SparqlStore.from_settings(settings), rdf_format)
    else:
        from .loading import dump as dump_catalogue  # deferred: start-up time
        data = dump_catalogue(settings, rdf_format)
    if output:
        tmp = Path(output + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(output)
    else:
        sys.stdout.buffer.write(data)


@main.command()
@store_option
@click.option("--allow-violations", "allow_violations", is_flag=True,
              help="Restore a dump with SHACL violations anyway.")
@click.argument("path", type=click.Path(dir_okay=False))
@reports_errors
def restore(catalogue, store_dir, allow_violations, path):
    """Make the catalogue exactly the graphs of a dump (TriG, or N-Quads for .nq), validated like a load and
    atomically: with violations nothing changes (exit 1) and the current generation stays served."""
    settings = _settings(catalogue=catalogue, store_dir=store_dir)
    if settings.store_backend == "sparql":
        from .sparql.remote_load import restore_remote  # deferred: start-up time
        gen = restore_remote(settings, path, allow_violations=allow_violations or None)
    else:
        from .loading import restore as restore_catalogue  # deferred: start-up time
        gen = restore_catalogue(settings, path, allow_violations=allow_violations or None)
    click.echo(say("cli.restore.done", triples=gen.source_triples, graphs=len(gen.files), generation=gen.id))


@main.command("settings")
@catalogue_option
@click.option("--markdown", is_flag=True, help="Print the settings table as Markdown (docs/settings.md).")
@reports_errors
def settings_cmd(catalogue, markdown):
    """Show every setting with its current value, default and help."""
    if markdown:
        click.echo(markdown_table(), nl=False)
        return
    current = _settings(catalogue=catalogue).as_dict()
    for s in SETTINGS:
        click.echo(f"{s.name} = {current[s.name]}\n    {s.help}\n    env {s.env}, default {s.default}")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
@reports_errors
def new(folder):
    """Write a new catalogue into FOLDER: the shipped ontology and shapes, one example chain and a
    settings file. It validates as written; `cd FOLDER && ketengraaf validate` checks it."""
    made = new_catalogue(folder)
    click.echo(say("cli.new.made", folder=made.root))
    click.echo(say("cli.new.next", folder=folder))


@main.command()
@click.option("--host", help="Listen address (setting host).")
@click.option("--port", type=int, help="Port (setting port).")
@click.option("--threads", type=int, help="WSGI threads (setting threads).")
@store_option
@reports_errors
def serve(host, port, threads, catalogue, store_dir):
    """Serve the catalogue (browser, SPARQL endpoint) with waitress."""
    import waitress  # deferred: start-up time

    settings = _settings(host=host, port=port, threads=threads, catalogue=catalogue, store_dir=store_dir)
    remote = settings.store_backend == "sparql"
    if store_dir and not remote and current_generation(settings.store_dir) is not None:
        settings = settings.replace(load_on_start=False)   # serve what `ketengraaf load --store` put there
    for name in [] if remote else clean_store(settings.store_dir):
        click.echo(say("cli.serve.leftover", name=name), err=True)
    try:     # bind first: a busy port is one line and exit 3, before anything is loaded or started
        family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
        listener = socket.create_server((settings.host, settings.port), family=family)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {settings.host} port {settings.port}: {exc.strerror}; "
                          "choose another with --port (setting port)") from None
    app = create_app(settings)
    sparql = app.extensions["ketengraaf.sparql"].start()   # query worker processes, stopped on exit
    from .web import warm_up  # deferred: start-up time (the web layer is imported with the app)
    try:                  # the first page must not build the indexes; requests queue on the socket meanwhile
        warm_up(app)
    except Exception:  # nothing loaded yet, or a broken generation: pages build them (or say why) later
        pass
    click.echo(say("cli.serve.serving", url=f"http://{settings.host}:{settings.port}/", threads=settings.threads,
                   workers=0 if remote else settings.query_workers, catalogue=settings.catalogue,
                   store=settings.sparql_query_url if remote else settings.store_dir))
    try:
        waitress.serve(app, sockets=[listener], threads=settings.threads,
                       ident="ketengraaf", clear_untrusted_proxy_headers=True,
                       max_request_body_size=settings.max_request_bytes,
                       asyncore_use_poll=True)      # select() fails once a descriptor number passes 1023
    finally:
        sparql.close()


@main.command(help="Run QUERY (text, @file.rq, or - for stdin) and print the answer.\n\n"
              "On the embedded store these prefixes are predeclared (a PREFIX in the query wins; the query's "
              "text is not changed, so errors give your own line and column): "
              + ", ".join(f"{name}: <{ns}>" for name, ns in sorted(PREFIXES.items())) + ".")
@click.argument("query")
@click.option("--endpoint", metavar="URL", help="Ask this SPARQL 1.1 endpoint instead of the embedded store.")
@click.option("--format", "fmt", metavar="NAME",
              help="Answer format: json, xml, csv, tsv (SELECT/ASK; default tsv); turtle, ntriples, jsonld, "
                   "rdfxml, trig, nquads (CONSTRUCT/DESCRIBE; default turtle).")
@store_option
@reports_errors
def query(query, endpoint, fmt, catalogue, store_dir):
    from .sparql.command import read_query, run_local, run_remote  # deferred: start-up time
    settings = _settings(catalogue=catalogue, store_dir=store_dir)
    text = read_query(query)
    body = run_remote(text, endpoint, fmt, settings.query_timeout) if endpoint else run_local(text, settings, fmt)
    sys.stdout.buffer.write(body if body.endswith(b"\n") or not body else body + b"\n")
    sys.stdout.flush()


@main.group("import")
def import_group():
    """Import an outside source (ArchiMate, UPL, ...) as RDF; see ketengraaf/importers/."""


@import_group.command("archimate")
@click.argument("path", type=click.Path())
@click.option("--scope", default="all", show_default=True,
              help="Part of the model: all, or procesarchitectuur (GEMMA's process architecture).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write the two Turtle files here (e.g. data/gemma) instead of importing into the store.")
@click.option("--format", "fmt", default="auto", show_default=True, help="auto, coarchi or ameff.")
@click.option("--name", help="Base name of the files (default: the scope, or the model name for all).")
@click.option("--commit", help="Git commit of the source, recorded as provenance (default: detected).")
@click.option("--source-url", help="IRI of the source, recorded as provenance.")
@click.option("--strict", is_flag=True, help="Fail (exit 2) on any problem instead of reporting it.")
@store_option
@reports_errors
def import_archimate(path, scope, out_dir, fmt, name, commit, source_url, strict, catalogue, store_dir):
    """Import the ArchiMate model at PATH (Archi collaboration folder or exchange file).

    Writes archimate-<name>.ttl (raw content) and <name>.ttl (mapped onto keten:).
    Without --out they go to the setting import_dir and a new store generation
    is loaded; items that cannot be read are reported at the end."""
    from .importers import get, publish, write_files  # deferred: start-up time
    from .importers.progress import Progress  # deferred: start-up time
    run = get("archimate").load().run
    settings = _settings(catalogue=catalogue, store_dir=store_dir)
    progress = Progress(label="archimate")
    started = time.perf_counter()
    target = out_dir or str(settings.import_dir / "archimate")
    command = " ".join(["ketengraaf import archimate", path, "--scope", scope]
                       + (["--commit", commit] if commit else []) + (["--out", out_dir] if out_dir else []))
    result = run(path, out_dir=target, scope=scope, fmt=fmt, name=name, commit=commit, source_url=source_url,
                 strict=strict, command=command, progress=progress, root=settings.catalogue.root)
    progress.done()
    if out_dir:
        status = write_files(out_dir, result.files)
    else:
        gen, changed, status = publish(settings, "archimate", result.files)
        click.echo(say("cli.import.store", generation=gen.id, triples=gen.triples,
                       unchanged="" if changed else say("cli.import.unchanged")))
    took = time.perf_counter() - started
    for file_name, what in status.items():
        click.echo(f"{what}: {Path(target) / file_name}")
    click.echo(say("cli.import.imported", counts=", ".join(f"{v:,} {k}" for k, v in result.counts.items()), took=took))
    for problem in result.problems:
        click.echo(say("cli.import.problem", problem=problem), err=True)
    if result.problems:
        click.echo(say("cli.import.left_out", n=len(result.problems)), err=True)


@import_group.command("upl")
@click.argument("path", type=click.Path())
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write the Turtle to this file (e.g. data/upl/upl.ttl) instead of importing into the store.")
@store_option
@reports_errors
def import_upl(path, out, catalogue, store_dir):
    """Import the UPL product list (CSV at PATH) as CPSV-AP public services with candidate chains.

    Without --out the file goes to <import_dir>/upl/upl.ttl and a new store generation is loaded."""
    from .importers import get, publish  # deferred: start-up time
    upl_module = get("upl").load()
    run, read_upl, serialize = upl_module.import_upl, upl_module.read_upl, upl_module.serialize
    settings = _settings(catalogue=catalogue, store_dir=store_dir)
    started = time.perf_counter()
    if out:
        upl, status = run(path, out)
        click.echo(f"{status}: {out}")
    else:
        upl = read_upl(path)
        gen, changed, status_by = publish(settings, "upl", {"upl.ttl": serialize(upl)})
        click.echo(f"{status_by['upl.ttl']}: {settings.import_dir / 'upl' / 'upl.ttl'}")
        click.echo(say("cli.import.store", generation=gen.id, triples=gen.triples,
                       unchanged="" if changed else say("cli.import.unchanged")))
    click.echo(say("cli.import.upl", rows=upl.rows, products=len(upl.products), bases=len(upl.grondslagen),
                   candidates=len(upl.ranks), took=time.perf_counter() - started))


# ---------------------------------------------------------------- wiki links (issue 13)


@main.group("wiki")
def wiki_group():
    """Links to GEMMA online and NORA online: import their SMW export, match, review, report, export."""


@wiki_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--wiki", "wiki_name", required=True, help="Which configured wiki the export is of (setting wikis).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of data/wiki/<wiki>.ttl.")
@click.option("--source-url", help="Where the export was retrieved (recorded as its source).")
@catalogue_option
@reports_errors
def wiki_import(path, wiki_name, out, source_url, catalogue):
    """Read a Semantic MediaWiki RDF export (RDF/XML or Turtle) into data/wiki/<wiki>.ttl."""
    settings = _settings(catalogue=catalogue)
    export, target = wiki_service.import_export(settings, path, wiki_name, out=out, source_url=source_url)
    redirects = sum(1 for p in export.pages.values() if p.redirect_to)
    with_status = sum(1 for p in export.pages.values() if p.status)
    click.echo(f"{len(export.pages)} pages ({redirects} redirects, {with_status} with a content status), "
               f"exported {export.created or 'at an unknown time'}: {target}")


@wiki_group.command("match")
@click.option("--dry-run", is_flag=True, help="Show the proposals; do not write data/wiki/proposals.json.")
@catalogue_option
@reports_errors
def wiki_match(dry_run, catalogue):
    """Propose links between catalogue resources and wiki pages, each with a score and the reason."""
    settings = _settings(catalogue=catalogue)
    proposals = wiki_service.match(settings, write=not dry_run)
    for p in proposals:
        click.echo(f"{p.id}  {p.score:.2f}  {p.kind:<4}  {p.subject}\n          -> {p.page}\n          {p.reason}")
    click.echo(f"{len(proposals)} open proposal(s)" + ("" if dry_run else "; accept or reject with "
                                                       "`ketengraaf wiki accept|reject ID`"))


def _decide(status, pid, catalogue):
    p = wiki_service.decide(_settings(catalogue=catalogue), pid, status)
    click.echo(f"{status} {p.id}: {p.subject} -> {p.page}")
    if status == "accepted":
        click.echo("written to data/wiki/links.ttl; `ketengraaf load` publishes it")


@wiki_group.command("accept")
@click.argument("pid", metavar="ID")
@catalogue_option
@reports_errors
def wiki_accept(pid, catalogue):
    """Accept proposal ID: the link goes into data/wiki/links.ttl."""
    _decide("accepted", pid, catalogue)


@wiki_group.command("reject")
@click.argument("pid", metavar="ID")
@catalogue_option
@reports_errors
def wiki_reject(pid, catalogue):
    """Reject proposal ID: it is not proposed again."""
    _decide("rejected", pid, catalogue)


@wiki_group.command("report")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
@catalogue_option
@reports_errors
def wiki_report(fmt, catalogue):
    """Every link by wiki; resources without a page; broken, redirected, outdated and stale pages; pairs."""
    settings = _settings(catalogue=catalogue)
    report = wiki_build_report(wiki_service.facts(settings), settings.wiki_stale_days)
    click.echo(wiki_render(report, fmt), nl=False)


@wiki_group.command("export")
@click.option("--wiki", "wiki_name", required=True, help="Which configured wiki (setting wikis).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="One .wiki file per page in this folder.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@catalogue_option
@reports_errors
def wiki_export(wiki_name, out_dir, lang, catalogue):
    """Wikitext per page (a table of the catalogue resources about it), ready to paste."""
    settings = _settings(catalogue=catalogue)
    store = wiki_service.source_store(settings)
    pages = wiki_service.wikitext_pages(store, wiki_service.facts(settings, store), wiki_name, lang)
    if out_dir:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        for title, text in pages.items():
            (Path(out_dir) / (wiki_file_name(title).replace("/", "-2F") + ".wiki")).write_text(text, encoding="utf-8")
        click.echo(f"{len(pages)} page(s) written to {out_dir}")
    else:
        click.echo("\n".join(pages.values()), nl=False)


if __name__ == "__main__":
    main()


@main.command()
@click.argument("chain")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="SVG file to write ('-': standard output).")
@click.option("--lang", type=click.Choice(["nl", "en"]), help="Language of labels and legend (setting default_lang).")
@click.option("--narrow", is_flag=True, help="One column, to fit a phone (the order shows in the arrows).")
@store_option
@reports_errors
def diagram(chain, output, lang, narrow, catalogue, store_dir):
    """Draw chain CHAIN (its IRI, or the slug of id/keten/<slug>, e.g. vth) as SVG: a lane per
    partner, its processes and sub-processes, and arrows for dependencies, on-behalf-of and goals."""
    settings = _settings(catalogue=catalogue, store_dir=store_dir)
    store = open_store(settings).pinned()
    model = build_model(store, chain_iri(store, chain), lang or settings.default_lang)
    svg = render_svg(model, narrow=narrow)
    if output == "-":
        click.echo(svg, nl=False)
        return
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(svg)
    click.echo(f"{output}: {model.label} ({model.model_label}), {len(model.partners)} partners, "
               f"{len(model.processes)} processes")
