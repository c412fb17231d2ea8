"""Page titles and page IRIs, the way MediaWiki makes them.

MediaWiki turns a title into a URL path in two steps (``Title::getPrefixedDBkey`` and
``wfUrlencode``):

1. normalise: underscores and runs of white space become one space, leading and trailing
   space goes, the first letter is upper case (``$wgCapitalLinks``, on for GEMMA online and
   NORA online as for every default install); for a title in a known namespace
   (``Categorie:``, ``Category:``, ``Property:`` ...) the first letter after the colon too;
2. spaces become underscores and the result is percent-encoded as PHP's ``urlencode`` does,
   after which ``wfUrlencode`` puts back ``; @ $ ! * ( ) , / ~ :``. So ``/`` (sub pages such as
   ``GEMMA/id-…`` and ``Ketensturing/De_wereld_van_ketens``), ``:``, ``(``, ``)`` and ``,``
   stay as they are, while ``&`` (``%26``), ``'`` (``%27``), ``+`` (``%2B``), ``?`` and
   ``=`` are encoded, and so is every non-ASCII letter (``ë`` is ``%C3%AB``, UTF-8).

:func:`page_iri` is that rule; :func:`parse_page_iri` is its inverse, and also accepts the
variants found in the wild: ``http://``, no ``www.``, an unencoded ``ë`` (the ``NORA URL``
property of the GEMMA ArchiMate model holds such URLs), ``index.php?title=``, and the
other article path of the same wiki (``/wiki/`` on GEMMA online).

Semantic MediaWiki's RDF export names a page differently (``Exporter\\Escaper::encodePage``):
the same ``wfUrlencode`` text, then ``-`` becomes ``-2D`` and ``: " # & ' + ! %`` become
``-3A -22 -23 -26 -27 -2B -21 -``; so ``Rdf-3#Caractères`` is ``Rdf-2D3-23Caract-C3-A8res``
and a ``/`` stays a ``/`` (SMW's own test ``r-0008`` exports ``Example/R0008/1``).
:func:`smw_encode` and :func:`smw_decode` do that.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from collections.abc import Iterable
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ..errors import ConfigError
from ..namespaces import ID

# characters wfUrlencode() leaves unencoded besides PHP urlencode's own  A-Z a-z 0-9 - _ .
WF_SAFE = ";@$!*(),/~:"

# namespaces whose page part is capitalised too: MediaWiki's canonical names and the Dutch
# ones GEMMA online and NORA online show (Dutch is their content language), plus SMW's
NAMESPACES = {
    "Talk", "User", "User talk", "Project", "File", "Image", "MediaWiki", "Template", "Help", "Category",
    "Special", "Property", "Concept", "Form",
    "Overleg", "Gebruiker", "Overleg gebruiker", "Bestand", "Sjabloon", "Categorie", "Speciaal",
    "Eigenschap", "Formulier",
}

GEMMA = "gemma"
NORA = "nora"


@dataclass(frozen=True)
class Wiki:
    """One configured wiki: its short name, the base its page URLs start with, what it is called."""

    name: str
    base: str                                   # https://www.gemmaonline.nl/index.php/
    label: str = ""
    concept: str | None = None                  # id/wiki/gemma-online (the catalogue's concept)
    aliases: tuple[str, ...] = field(default=())   # other bases that reach the same pages

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc.lower()

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def origins(self) -> set[str]:
        """Every origin (scheme://host) a browser on this wiki may send: the base's and the aliases'."""
        out = {self.origin}
        for a in self.aliases:
            p = urlsplit(a)
            if p.scheme == "https":
                out.add(f"{p.scheme}://{p.netloc}".lower())
        return out

    @property
    def display(self) -> str:
        return self.label or self.name

    def page_iri(self, title: str) -> str:
        return page_iri(self, title)


# Known wikis: label, the catalogue's concept and the aliases we found, by name. The setting
# `wikis` decides which wikis there are and where; these fill in what it does not say.
KNOWN: dict[str, dict] = {
    GEMMA: {"label": "GEMMA online", "concept": str(ID) + "wiki/gemma-online",
            "aliases": ("https://gemmaonline.nl/index.php/", "http://gemmaonline.nl/index.php/",
                        "http://www.gemmaonline.nl/index.php/", "https://www.gemmaonline.nl/wiki/",
                        "https://gemmaonline.nl/wiki/")},
    NORA: {"label": "NORA online", "concept": str(ID) + "wiki/nora-online",
           "aliases": ("https://noraonline.nl/wiki/", "http://noraonline.nl/wiki/", "http://www.noraonline.nl/wiki/",
                       "https://www.noraonline.nl/index.php/")},
}

DEFAULT_WIKIS = "gemma=https://www.gemmaonline.nl/index.php/ nora=https://www.noraonline.nl/wiki/"


def parse_wikis(value) -> tuple[Wiki, ...]:
    """The setting ``wikis``: ``name=base`` pairs separated by spaces, commas or semicolons, or a JSON
    object ``{"name": "base"}`` / ``{"name": {"base": ..., "label": ..., "aliases": [...]}}``."""
    if isinstance(value, tuple) and all(isinstance(w, Wiki) for w in value):
        return value
    text = str(value or "").strip() or DEFAULT_WIKIS
    entries: dict[str, dict] = {}
    if text.startswith("{"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc.msg}") from None
        for name, spec in raw.items():
            entries[name] = spec if isinstance(spec, dict) else {"base": spec}
    else:
        for pair in re.split(r"[\s,;]+", text):
            if not pair:
                continue
            name, sep, base = pair.partition("=")
            if not sep or not name or not base:
                raise ValueError(f"{pair!r} is not name=base (e.g. gemma=https://www.gemmaonline.nl/index.php/)")
            entries[name.strip()] = {"base": base.strip()}
    wikis = []
    for name, spec in entries.items():
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
            raise ValueError(f"wiki name {name!r}: use lower-case letters, digits, - or _")
        base = str(spec.get("base", ""))
        if not re.match(r"https?://[^/]+/", base):
            raise ValueError(f"wiki {name}: base {base!r} is not an http(s) URL ending in the article path")
        if not base.endswith(("/", "=")):
            base += "/"
        known = KNOWN.get(name, {})
        aliases = tuple(spec.get("aliases", ())) or tuple(a for a in known.get("aliases", ()) if a != base)
        wikis.append(Wiki(name=name, base=base, label=spec.get("label") or known.get("label", name),
                          concept=spec.get("concept") or known.get("concept"), aliases=aliases))
    return tuple(wikis)


def wiki_by_name(wikis: Iterable[Wiki], name: str) -> Wiki:
    for w in wikis:
        if w.name == name:
            return w
    names = ", ".join(w.name for w in wikis)
    raise ConfigError(f"unknown wiki {name!r}; configured (setting wikis): {names}")


# -- titles ------------------------------------------------------------------------------

def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def normalize_title(title: str) -> str:
    """The title as MediaWiki stores it (with spaces): ``ketensturing/de_wereld`` -> ``Ketensturing/de wereld``."""
    text = re.sub(r"[\s_]+", " ", unquote_if_encoded(title)).strip()
    ns, sep, rest = text.partition(":")
    if sep and ns.strip() and _upper_first(ns.strip()) in NAMESPACES:
        return f"{_upper_first(ns.strip())}:{_upper_first(rest.strip())}"
    return _upper_first(text)


def unquote_if_encoded(text: str) -> str:
    return unquote(text) if re.search(r"%[0-9A-Fa-f]{2}", text) else text


def wf_urlencode(text: str) -> str:
    """MediaWiki's ``wfUrlencode`` (PHP ``urlencode``, then ``;@$!*(),/~:`` put back). Python's quote
    keeps ``~`` too and never writes ``+``; spaces are already underscores here."""
    return quote(text, safe=WF_SAFE)


def title_path(title: str) -> str:
    """The URL path of a title: ``Ketensturing/De wereld van ketens`` -> ``Ketensturing/De_wereld_van_ketens``."""
    return wf_urlencode(normalize_title(title).replace(" ", "_"))


def page_iri(wiki: Wiki, title: str) -> str:
    """The page's IRI (its real URL): the wiki's base followed by the encoded title."""
    if not normalize_title(title):
        raise ValueError("empty page title")
    return wiki.base + title_path(title)


@dataclass(frozen=True)
class PageRef:
    wiki: Wiki
    title: str                      # normalised, with spaces

    @property
    def iri(self) -> str:
        return page_iri(self.wiki, self.title)


def _bases(wiki: Wiki) -> list[str]:
    return sorted({wiki.base, *wiki.aliases}, key=len, reverse=True)


def parse_page_iri(iri: str, wikis: Iterable[Wiki]) -> PageRef | None:
    """The wiki and title of a page URL, or None when it is on none of the wikis.
    Accepts every alias of a wiki (``http``, no ``www``, the other article path), encoded or raw
    titles, and ``index.php?title=...``."""
    iri = iri.strip()
    for wiki in wikis:
        for base in _bases(wiki):
            if iri.lower().startswith(base.lower()):
                rest = iri[len(base):]
                return _ref(wiki, rest)
        # index.php?title=Title on the same host
        parts = urlsplit(iri)
        if parts.path.endswith("/index.php") and parts.query:
            hosts = {urlsplit(b).netloc.lower().removeprefix("www.") for b in _bases(wiki)}
            if parts.netloc.lower().removeprefix("www.") in hosts:
                title = parse_qs(parts.query).get("title", [""])[0]
                if title:
                    return PageRef(wiki, normalize_title(title))
    return None


def _ref(wiki: Wiki, rest: str) -> PageRef | None:
    rest = rest.split("#", 1)[0]
    if "?" in rest:
        rest = rest.split("?", 1)[0]
    title = normalize_title(unquote(rest))
    return PageRef(wiki, title) if title else None


def canonical_iri(iri: str, wikis: Iterable[Wiki]) -> str:
    """The IRI MediaWiki itself would write for the page ``iri`` names (unchanged when on no wiki)."""
    ref = parse_page_iri(iri, wikis)
    return ref.iri if ref else iri


def same_page(a: str, b: str, wikis: Iterable[Wiki]) -> bool:
    wikis = tuple(wikis)
    return canonical_iri(a, wikis) == canonical_iri(b, wikis)


# -- Semantic MediaWiki's export names ----------------------------------------------------

_SMW_ENCODE = (("-", "-2D"), (":", "-3A"), ('"', "-22"), ("#", "-23"), ("&", "-26"), ("'", "-27"),
               ("+", "-2B"), ("!", "-21"), ("%", "-"))


def smw_encode(title: str) -> str:
    """The local name SMW's RDF export gives a page (``Escaper::encodePage``)."""
    text = wf_urlencode(normalize_title(title).replace(" ", "_"))
    for a, b in _SMW_ENCODE:
        text = text.replace(a, b)
    return text


def smw_decode(local: str) -> str:
    """The title (with spaces) of an SMW export local name: every ``-`` starts a ``-XX`` escape."""
    text = re.sub(r"-([0-9A-Fa-f]{2})", r"%\1", local)
    return normalize_title(unquote(text)) if "#" not in unquote(text) else unquote(text).replace("_", " ")
