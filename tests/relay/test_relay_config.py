"""Configuration: one precedence (flags > environment > file > defaults), errors that name the
option and its source, and a --help that covers every option."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from relayproc import ROOT  # tests/support, on sys.path via conftest

from relay.cli import build_parser, config_from_args
from relay.config import OPTIONS
from relay.errors import ConfigError
from relay.server import RelayConfig


def load(argv: list[str], env: dict[str, str] | None = None) -> RelayConfig:
    return config_from_args(build_parser().parse_args(argv), env or {})


def test_defaults_without_any_source() -> None:
    config = load([])
    assert (config.host, config.port, config.max_rooms) == ("127.0.0.1", 8765, 10_000)
    assert config.tokens == () and config.redis_url is None and config.stealth


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    toml = tmp_path / "relay.toml"
    toml.write_text('port = 1111\nmax_rooms = 5\nrate = 10\nstealth = true\n'
                    'trusted_proxies = ["10.0.0.0/8"]\n')
    env = {"MAJLIS_RELAY_PORT": "2222", "MAJLIS_RELAY_MAX_ROOMS": "6"}
    config = load(["--config", str(toml), "--port", "3333"], env)
    assert config.port == 3333  # flag
    assert config.max_rooms == 6  # environment over file
    assert config.rate_messages == 10.0  # file over default
    assert config.stealth is True
    assert config.trusted_proxies == ("10.0.0.0/8",)


def test_config_file_from_the_environment(tmp_path: Path) -> None:
    toml = tmp_path / "relay.toml"
    toml.write_text('token = ["alpha", "beta"]\nredis = "redis://127.0.0.1:6390/2"\n')
    config = load([], {"MAJLIS_RELAY_CONFIG": str(toml), "MAJLIS_RELAY_STEALTH": "yes"})
    assert config.tokens == ("alpha", "beta")
    assert config.redis_url == "redis://127.0.0.1:6390/2"
    assert config.stealth is True


def test_zero_turns_keepalive_off_from_any_source() -> None:
    assert load(["--keepalive", "0"]).ping_interval == 0.0
    assert load([], {"MAJLIS_RELAY_KEEPALIVE": "0"}).ping_interval == 0.0
    assert load(["--keepalive", "7.5"]).ping_interval == 7.5


def test_list_options_from_flags_and_environment() -> None:
    config = load(["--token", "one,two"], {"MAJLIS_RELAY_TRUSTED_PROXIES": "127.0.0.1, ::1"})
    assert config.tokens == ("one", "two")
    assert config.trusted_proxies == ("127.0.0.1", "::1")


@pytest.mark.parametrize(
    ("file_text", "env", "message"),
    [
        ("", {"MAJLIS_RELAY_PORT": "http"}, "MAJLIS_RELAY_PORT: 'http' is not a port number"),
        ("", {"MAJLIS_RELAY_MAX_ROMS": "3"}, "MAJLIS_RELAY_MAX_ROMS: unknown option"),
        ("", {"MAJLIS_RELAY_STEALTH": "maybe"}, "MAJLIS_RELAY_STEALTH: 'maybe' is not true"),
        ("max_roms = 3\n", {}, "relay.toml: unknown option 'max_roms'"),
        ("port = 'http'\n", {}, "relay.toml: port: 'http' is not a port number"),
        ("stealth = 1\n", {}, "relay.toml: stealth: 1 is not true or false"),
        ("max_rooms = true\n", {}, "relay.toml: max_rooms: True is not a valid value"),
        ("port = [\n", {}, "relay.toml: not valid TOML"),
        ("trusted_proxies = ['nonsense']\n", {}, "trusted_proxies: 'nonsense' is not an address"),
        ("redis = 'http://x'\n", {}, "redis: 'http://x' is not a redis://"),
        ("metrics_listen = '9100'\n", {}, "metrics_listen '9100' is not HOST:PORT"),
        ("path = 'secret'\n", {}, "path 'secret' must start with /"),
        ("rate_bytes = 100\n", {}, "rate_bytes 100 is too low"),
    ],
)
def test_bad_values_name_the_option_and_its_source(
        tmp_path: Path, file_text: str, env: dict[str, str], message: str) -> None:
    toml = tmp_path / "relay.toml"
    toml.write_text(file_text)
    with pytest.raises(ConfigError) as info:
        load(["--config", str(toml)], env)
    assert message in str(info.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.toml: cannot read"):
        load(["--config", str(tmp_path / "nowhere.toml")])


def test_a_bad_environment_variable_stops_the_relay_before_it_listens() -> None:
    result = subprocess.run([sys.executable, "-m", "relay", "--port", "0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30,
                            env={"PATH": "/usr/bin:/bin", "MAJLIS_RELAY_RATE": "fast"})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "majlis-relay: error: MAJLIS_RELAY_RATE: 'fast' is not a number (see --help)")


def test_help_explains_every_option_and_where_to_set_it() -> None:
    result = subprocess.run([sys.executable, "-m", "relay", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # argparse wraps lines anywhere
    assert "--config" in text
    for option in OPTIONS:
        assert option.flag in text, option.flag
        assert option.env in text.replace("- ", "-"), option.env
        assert option.help.split()[0] in text
    assert "randomised +-25%;" in text  # a % in a help text is printed, not interpreted
