"""L6: production is the default. Without DEBUG=1 the application refuses to start with the
public development key (or without a key at all)."""

from core.tests.test_settings import GOOD_PRODUCTION, start

DEV_KEY = "dev-only-insecure-key-not-for-production-use-0123456789"


def test_without_debug_the_app_does_not_start_on_the_development_key():
    result = start()  # no DEBUG, no SECRET_KEY: nothing set at all
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1]


def test_the_development_key_is_refused_even_when_given_explicitly():
    result = start(**{**GOOD_PRODUCTION, "SECRET_KEY": DEV_KEY})
    assert result.returncode != 0
    assert "development key" in result.stderr.strip().splitlines()[-1]


def test_debug_1_is_the_explicit_development_mode():
    assert start(DEBUG="1").returncode == 0


def test_bad_security_settings_stop_start_up_naming_the_variable():
    for name, value in (("TRUSTED_PROXIES", "10.0.0.0/8, nginx"), ("API_TOKEN_TTL_HOURS", "0")):
        result = start(**{**GOOD_PRODUCTION, name: value})
        assert result.returncode != 0, name
        assert name in result.stderr.strip().splitlines()[-1]
