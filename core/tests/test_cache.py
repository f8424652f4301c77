"""The Redis cache backend keeps one client per connection pool (core/cache.py)."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from core.cache import RedisCache

ROOT = Path(__file__).resolve().parents[2]


def test_the_redis_backend_reuses_its_client_where_django_makes_a_new_one():
    # Neither connects before a command is sent: no Redis server is needed.
    ours = RedisCache("redis://127.0.0.1:6379/2", {})
    assert ours._cache.get_client() is ours._cache.get_client()
    assert ours._cache.get_client(write=True) is ours._cache.get_client()
    django = DjangoRedisCache("redis://127.0.0.1:6379/2", {})
    assert django._cache.get_client() is not django._cache.get_client()


def test_a_redis_cache_url_selects_this_backend():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "CACHE_URL": "rediscache://127.0.0.1:6379/2",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "core.cache.RedisCache"
