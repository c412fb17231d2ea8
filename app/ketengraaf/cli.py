"""The ``ketengraaf`` command. Exit codes come from :mod:`ketengraaf.errors`:
0 ok, 1 violations, 2 unreadable input, 3 configuration, 4 query, 5 store."""
from __future__ import annotations

import sys
import time
from functools import wraps

import click

from .errors import KetengraafError
from .settings import Settings, markdown_table


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


store_option = click.option("--store", "store_dir", type=click.Path(file_okay=False),
                            help="Store folder (setting store_dir).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ketengraaf")
def main():
    """ketengraaf: knowledge graph of chain collaboration in Dutch government."""


@main.command()
@store_option
@click.option("--force", is_flag=True, help="Write a new generation even when nothing changed.")
@click.option("--no-validate", "no_validate", is_flag=True,
              help="Skip SHACL validation (large catalogues); pages then say the data was not validated.")
@click.argument("paths", nargs=-1, type=click.Path())
@reports_errors
def load(store_dir, force, no_validate, paths):
    """Load PATHS (default: ontology/, shapes/, data/) into a new store generation, atomically."""
    from .loading import load_catalogue
    settings = _settings(store_dir=store_dir)
    started = time.perf_counter()
    gen, changed = load_catalogue(settings, force=force, paths=paths or None, validate=not no_validate)
    took = time.perf_counter() - started
    if changed:
        click.echo(f"loaded {gen.triples:,} triples from {len(gen.sources)} files "
                   f"into generation {gen.id} in {took:.2f} s")
    else:
        click.echo(f"unchanged: generation {gen.id} already holds these {len(gen.sources)} files "
                   f"({gen.triples:,} triples); use --force to reload")
    summary = gen.extra.get("validation") or {}
    if summary:
        click.echo("validation: " + ", ".join(f"{k} {v}" for k, v in summary.items()))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--lang", type=click.Choice(["nl", "en"]), help="Language of messages and labels (setting default_lang).")
@click.option("--format", "fmt", default="text", show_default=True, help="Report format: text, turtle or json-ld.")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@reports_errors
def validate(paths, lang, fmt, strict):
    """Validate PATHS (default: ontology/, shapes/, data/) against the shipped shapes and ontology.

    Exit 0 without violations (warnings allowed unless --strict), 1 on violations, 2 on unreadable input.
    The report's sh:conforms and its last line follow SHACL: any result, a warning too, means it does not conform."""
    from .errors import ValidationFailed
    from .loading import parse_sources
    from .validation import render, validate_sources
    settings = _settings()
    report = validate_sources(parse_sources(list(paths) or settings.sources))
    click.echo(render(report, fmt, lang or settings.default_lang), nl=False)
    if not report.acceptable(strict):
        counts = f"{report.violations} violation(s), {report.warnings} warning(s)"
        raise ValidationFailed("the data does not conform: " + counts + (" (--strict: warnings fail)" if strict else ""))


@main.command()
@store_option
@reports_errors
def stats(store_dir):
    """Triples per named graph and instances per class in the current generation."""
    from .store.oxigraph import OxigraphStore
    store = OxigraphStore(_settings(store_dir=store_dir).store_dir)
    gen = store.generation()
    click.echo(f"generation {gen.id} (version {gen.version[:12]}), created {gen.created:%Y-%m-%d %H:%M:%S} UTC")
    click.echo(f"\n{'triples':>9}  graph")
    for s in sorted(gen.sources, key=lambda s: s.graph):
        click.echo(f"{s.triples:>9,}  {s.graph}")
    click.echo(f"{gen.triples:>9,}  total")
    rows = store.select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c")
    click.echo(f"\n{'instances':>9}  class")
    for r in rows:
        click.echo(f"{int(r['n'].value):>9,}  {r['c'].value}")


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the settings table as Markdown (docs/settings.md).")
@reports_errors
def settings_cmd(markdown):
    """Show every setting with its current value, default and help."""
    if markdown:
        click.echo(markdown_table(), nl=False)
        return
    from .settings import SETTINGS
    current = _settings().as_dict()
    for s in SETTINGS:
        click.echo(f"{s.name} = {current[s.name]}\n    {s.help}\n    env {s.env}, default {s.default}")


@main.command()
@click.option("--host", help="Listen address (setting host).")
@click.option("--port", type=int, help="Port (setting port).")
@click.option("--threads", type=int, help="WSGI threads (setting threads).")
@store_option
@reports_errors
def serve(host, port, threads, store_dir):
    """Serve the catalogue (browser, SPARQL endpoint) with waitress."""
    import waitress

    from . import create_app
    from .store.oxigraph import current_generation
    settings = _settings(host=host, port=port, threads=threads, store_dir=store_dir)
    if store_dir and current_generation(settings.store_dir) is not None:
        settings = settings.replace(load_on_start=False)   # serve what `ketengraaf load --store` put there
    app = create_app(settings)
    sparql = app.extensions["ketengraaf.sparql"].start()   # query worker processes, stopped on exit
    click.echo(f"ketengraaf serving http://{settings.host}:{settings.port}/ "
               f"({settings.threads} threads, {settings.query_workers} query workers, store {settings.store_dir})")
    try:
        waitress.serve(app, host=settings.host, port=settings.port, threads=settings.threads,
                       ident="ketengraaf", clear_untrusted_proxy_headers=True,
                       max_request_body_size=settings.max_request_bytes)
    finally:
        sparql.close()


@main.command()
@click.argument("query")
@click.option("--endpoint", metavar="URL", help="Ask this SPARQL 1.1 endpoint instead of the embedded store.")
@click.option("--format", "fmt", metavar="NAME",
              help="Answer format: json, xml, csv, tsv (SELECT/ASK; default tsv); turtle, ntriples, jsonld, "
                   "rdfxml, trig, nquads (CONSTRUCT/DESCRIBE; default turtle).")
@store_option
@reports_errors
def query(query, endpoint, fmt, store_dir):
    """Run QUERY (text, @file.rq, or - for stdin) and print the answer."""
    from .sparql.command import read_query, run_local, run_remote
    settings = _settings(store_dir=store_dir)
    text = read_query(query)
    body = run_remote(text, endpoint, fmt, settings.query_timeout) if endpoint else run_local(text, settings, fmt)
    sys.stdout.buffer.write(body if body.endswith(b"\n") or not body else body + b"\n")
    sys.stdout.flush()


@main.group("import")
def import_group():
    """Import an outside source (ArchiMate, UPL, ...) as RDF; see app/importers/."""


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
def import_archimate(path, scope, out_dir, fmt, name, commit, source_url, strict, store_dir):
    """Import the ArchiMate model at PATH (Archi collaboration folder or exchange file).

    Writes archimate-<name>.ttl (raw content) and <name>.ttl (mapped onto keten:).
    Without --out they go to the setting import_dir and a new store generation
    is loaded; items that cannot be read are reported at the end."""
    from pathlib import Path

    from .importers import publish, write_files
    from .importers.archimate import run
    from .importers.progress import Progress
    settings = _settings(store_dir=store_dir)
    progress = Progress(label="archimate")
    started = time.perf_counter()
    target = out_dir or str(settings.import_dir / "archimate")
    command = " ".join(["ketengraaf import archimate", path, "--scope", scope]
                       + (["--commit", commit] if commit else []) + (["--out", out_dir] if out_dir else []))
    result = run(path, out_dir=target, scope=scope, fmt=fmt, name=name, commit=commit, source_url=source_url,
                 strict=strict, command=command, progress=progress)
    progress.done()
    if out_dir:
        status = write_files(out_dir, result.files)
    else:
        gen, changed, status = publish(settings, "archimate", result.files)
        click.echo(f"store: generation {gen.id} ({gen.triples:,} triples)" + ("" if changed else ", unchanged"))
    took = time.perf_counter() - started
    for file_name, what in status.items():
        click.echo(f"{what}: {Path(target) / file_name}")
    click.echo("imported " + ", ".join(f"{v:,} {k}" for k, v in result.counts.items()) + f" in {took:.2f} s")
    for problem in result.problems:
        click.echo(f"problem: {problem}", err=True)
    if result.problems:
        click.echo(f"{len(result.problems)} item(s) left out; see the problems above", err=True)


@import_group.command("upl")
@click.argument("path", type=click.Path())
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write the Turtle to this file (e.g. data/upl/upl.ttl) instead of importing into the store.")
@store_option
@reports_errors
def import_upl(path, out, store_dir):
    """Import the UPL product list (CSV at PATH) as CPSV-AP public services with candidate chains.

    Without --out the file goes to <import_dir>/upl/upl.ttl and a new store generation is loaded."""
    from .importers import publish
    from .importers.upl import import_upl as run, read_upl, serialize
    settings = _settings(store_dir=store_dir)
    started = time.perf_counter()
    if out:
        upl, status = run(path, out)
        click.echo(f"{status}: {out}")
    else:
        upl = read_upl(path)
        gen, changed, status_by = publish(settings, "upl", {"upl.ttl": serialize(upl)})
        click.echo(f"{status_by['upl.ttl']}: {settings.import_dir / 'upl' / 'upl.ttl'}")
        click.echo(f"store: generation {gen.id} ({gen.triples:,} triples)" + ("" if changed else ", unchanged"))
    click.echo(f"imported {upl.rows:,} rows, {len(upl.products):,} products, {len(upl.grondslagen):,} legal bases, "
               f"{len(upl.ranks):,} candidate chains in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
