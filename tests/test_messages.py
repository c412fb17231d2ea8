"""The one message catalogue (ketengraaf.messages): complete in nl and en, every key used exists,
no text tables or hard-coded links left elsewhere."""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from ketengraaf import errors, messages
from ketengraaf.messages import LANGS, MESSAGES, text
from paths import ROOT

PACKAGE = Path(messages.__file__).resolve().parent
TEMPLATES = sorted((PACKAGE / "templates").glob("*.html"))
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "messages.py")

# t('key') / t("key", n=...) in templates; t('prefix.' ~ name) builds a key from a known family
TEMPLATE_CALL = re.compile(r"""(?<![\w.])t\(\s*(['"])([^'"]+)\1\s*(~)?""")
# message lookups in Python: t(...), text(...), say(...), _safe_t(...) with a literal key
PYTHON_CALL = re.compile(r"""(?<![\w.])(?:t|text|say|_safe_t)\(\s*(['"])([^'"]+)\1""")
# keys written as data next to their lookup (title_key = "error.x", (SH.minCount, "rule.min"), ...)
PYTHON_KEY = re.compile(r"""(['"])((?:error|rule|severity|report|cli|nav)\.[\w.-]+)\1""")
FILE_NAME = re.compile(r"\.(html|ttl|rq|js|css|json|csv|xml|py|txt)$")


def _placeholders(message: str) -> set[str]:
    return {name.split("!")[0].split(":")[0] for _, name, _, _ in string.Formatter().parse(message) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_dutch_and_english_with_the_same_placeholders(key):
    texts = MESSAGES[key]
    assert set(texts) == set(LANGS), f"{key}: languages {sorted(texts)}, expected {LANGS}"
    for lang in LANGS:
        assert isinstance(texts[lang], str) and texts[lang].strip(), f"{key} is empty in {lang}"
    assert _placeholders(texts["nl"]) == _placeholders(texts["en"]), key


def test_text_fills_placeholders_and_falls_back():
    assert text("gemma.count", "nl", n=3) == "3 stuks"
    assert text("gemma.count", "en", n=3) == "3 items"
    assert text("gemma.count", "en-GB", n=3) == "3 items"        # a regional variant
    assert text("gemma.count", "de", n=3) == "3 stuks"           # the interface falls back to Dutch
    assert text("cli.load.loaded", "en", triples=1234, files=2, generation=7, took=0.5) \
        == "loaded 1,234 triples from 2 files into generation 7 in 0.50 s"


def test_unknown_key_and_missing_placeholder_say_what_is_wrong():
    with pytest.raises(KeyError, match="no message 'home.nonsense'"):
        text("home.nonsense", "nl")
    with pytest.raises(KeyError, match="'gemma.count' needs a value for 'n'"):
        text("gemma.count", "nl", m=1)


def test_the_catalogue_imports_nothing_from_the_app_or_flask():
    """Bottom layer: errors, validation and the CLI import it without pulling in the web."""
    tree = ast.parse((PACKAGE / "messages.py").read_text(encoding="utf-8"))
    imported = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert all(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in imported), \
        [ast.unparse(n) for n in imported]


def _used_keys() -> tuple[dict[str, str], dict[str, str]]:
    """(key -> where, prefix -> where) of every message lookup in templates and code."""
    keys: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for path in TEMPLATES:
        for m in TEMPLATE_CALL.finditer(path.read_text(encoding="utf-8")):
            (prefixes if m.group(3) else keys)[m.group(2)] = path.name
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        for pattern in (PYTHON_CALL, PYTHON_KEY):
            for m in pattern.finditer(source):
                key = m.group(2)
                if not FILE_NAME.search(key):       # a key that ends in "." is the start of built keys
                    (prefixes if key.endswith(".") else keys)[key] = str(path.relative_to(PACKAGE))
    return keys, prefixes


def test_every_key_used_in_templates_and_code_exists():
    keys, prefixes = _used_keys()
    assert len(keys) > 100 and "site.tagline" in keys and "upl.title" in keys     # the scan sees them
    assert "rule.min" in keys and "error.not_found" in keys and "cli.load.loaded" in keys
    missing = {k: where for k, where in keys.items() if k not in MESSAGES}
    assert not missing, f"keys used but not in ketengraaf.messages: {missing}"
    for prefix, where in prefixes.items():
        assert any(k.startswith(prefix) for k in MESSAGES), f"{where}: no message starts with {prefix!r}"


def test_keys_built_from_names_exist_for_every_name():
    """Templates build some keys from a value: each value those come from has its message."""
    from ketengraaf.validation.render import _words
    from ketengraaf.web.describe import GROUPS
    from ketengraaf.web.overview import SORTS
    for name, _ in GROUPS:                                   # resource.html: t('resource.' ~ name)
        text("resource." + name, "en")
    for sort in SORTS:                                       # class.html: t('sort.' ~ s)
        text("sort." + sort, "en")
    for severity in ("Violation", "Warning", "Info"):        # _macros.html: t('severity.' ~ s)
        text("severity." + severity, "en")
    assert _words("nl")["Violation"] == ("overtreding", "overtredingen")
    assert _words("en")["conforms"] == "The data conforms to the shapes."


def _error_classes(cls=errors.KetengraafError):
    yield cls
    for sub in cls.__subclasses__():
        yield from _error_classes(sub)


def test_every_error_has_a_title_in_both_languages():
    for cls in _error_classes():
        assert cls.title_key in MESSAGES, cls.__name__
        err = cls.__new__(cls)
        assert err.title_in("nl") and err.title_in("en"), cls.__name__
    assert errors.NotFound("x").title_in("nl") == "Niet gevonden"
    assert errors.NotFound("x").to_dict("en")["title"] == "Not found"


def test_every_message_is_used_somewhere():
    """No dead text: each key is looked up literally or belongs to a family built from names."""
    keys, prefixes = _used_keys()
    built = ("resource.group_", "sort.", "severity.", "report.") + tuple(prefixes)
    unused = [k for k in MESSAGES if k not in keys and not k.startswith(built)]
    assert not unused, f"messages nobody uses: {unused}"


def test_no_text_tables_left_outside_the_catalogue():
    """No module but ketengraaf.messages holds a table of nl/en text: any dict literal with both an "nl"
    and an "en" key (directly, or one level down) elsewhere is a second catalogue."""
    package = ROOT / "app" / "ketengraaf"
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.parent == package and path.name in ("messages.py", "labels.py"):
            continue            # labels.py: labels of vocabulary terms (data about terms), not interface text
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            inner = [v for v in node.values if isinstance(v, ast.Dict)]
            if {"nl", "en"} <= keys or any({"nl", "en"} <= {k.value for k in d.keys if isinstance(k, ast.Constant)}
                                           for d in inner):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"text tables outside ketengraaf.messages (move them there): {found}"


def test_templates_build_their_links():
    """Links go through url_for (or web/urls.py), so the site works under a path prefix."""
    hard = re.compile(r"""\b(href|src|action)=(['"])(/(?!/)|\?|\2)""")
    found = [f"{p.name}: {m.group(0)}" for p in TEMPLATES for m in hard.finditer(p.read_text(encoding="utf-8"))]
    assert not found, found
    for script in sorted((PACKAGE / "static").glob("*.js")):
        assert not re.search(r"""['"]/[a-z]""", script.read_text(encoding="utf-8")), \
            f"{script.name}: static JS takes its URLs from the page"
