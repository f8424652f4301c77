import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()


def _load_urlconf() -> None:
    """The URLconf (and so every view module) is loaded now rather than by the first request,
    and belongs to what start-up loaded (frozen below)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


_load_urlconf()

# Garbage collection in a web worker. Everything loaded at start-up lives as long as the
# process: gc.freeze() keeps the collector from walking it again on every full collection.
# A request allocates thousands of objects, so with Python's default first threshold (700) a
# full collection of some 200,000 objects ran every few requests and made the slowest twentieth
# of the pages two to three times slower than the median; with 10,000 it is a rare event.
# Cycles are still collected, just in larger batches (see README, Benchmarks).
gc.freeze()
gc.set_threshold(10_000, 10, 10)
