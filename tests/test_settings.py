"""One settings table: every setting documented, environment and overrides honoured."""
from __future__ import annotations

import pytest

from ketengraaf.errors import ConfigError
from ketengraaf.settings import SETTINGS, Settings, markdown_table
from paths import ROOT


def test_every_setting_has_help_and_docs_are_generated_from_the_table():
    for s in SETTINGS:
        assert s.help.strip(), s.name
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert docs == markdown_table(), \
        "docs/settings.md is stale: run `ketengraaf settings --markdown > docs/settings.md`"


def test_precedence_override_then_environment_then_default():
    env = {"KETENGRAAF_QUERY_TIMEOUT": "2.5", "KETENGRAAF_PORT": "9000"}
    s = Settings.from_env({"port": 8123}, environ=env)
    assert s.port == 8123 and s.query_timeout == 2.5 and s.threads == 8


def test_bad_values_and_unknown_settings_are_config_errors():
    with pytest.raises(ConfigError, match="KETENGRAAF_PORT"):
        Settings.from_env(environ={"KETENGRAAF_PORT": "eighty"})
    with pytest.raises(ConfigError, match="allow_network"):
        Settings.from_env({"allow_network": "maybe"}, environ={})
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.from_env({"no_such_thing": 1}, environ={})


def test_the_remote_backend_is_used_and_its_absence_is_one_clear_error(tmp_path):
    """With store_backend = sparql the app reads the server the settings name (not the embedded store): a
    server that is not there is StoreUnavailable naming its URL; the embedded loader refuses these settings."""
    from ketengraaf import create_app
    from ketengraaf.errors import StoreUnavailable
    from ketengraaf.loading import load_catalogue
    settings = Settings.from_env({"store_dir": str(tmp_path), "store_backend": "sparql",
                                  "sparql_query_url": "http://127.0.0.1:9/query"}, environ={})
    with pytest.raises(StoreUnavailable, match="127.0.0.1:9/query does not answer"):
        create_app(settings)
    assert not any(tmp_path.iterdir())          # nothing written into the embedded store's folder
    with pytest.raises(ConfigError, match="writes the embedded store only"):
        load_catalogue(settings)
