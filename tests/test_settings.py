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
