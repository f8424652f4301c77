"""Client of an enterprise's EPCIS 2.0 query interface (REST binding), stdlib only.

`GET {base}/events` with `Authorization: Bearer <token>` and `Accept: application/ld+json`,
following `Link: <…>; rel="next"` pages (EPCIS 2.0 §12, pagination with nextPageToken) up to
`max_pages`. The events of every page are returned as one EPCISQueryDocument, with the time
the interface took to answer (first request to last byte of the last page).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin

_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class QueryFailed(Exception):
    """The interface could not be asked or answered with something that is not EPCIS."""


@dataclass
class Answer:
    document: dict
    seconds: float
    pages: int
    url: str
    size: int


def events_url(base: str) -> str:
    base = base.rstrip("/")
    return base if base.endswith("/events") else f"{base}/events"


def fetch_events(
    base: str, token: str, *, timeout: float, max_pages: int, max_bytes: int
) -> Answer:
    url = events_url(base)
    first = url
    events: list = []
    total = 0
    pages = 0
    started = time.perf_counter()
    while url and pages < max_pages:
        request = urllib.request.Request(
            url, headers={"Accept": "application/ld+json, application/json"}
        )
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read(max_bytes + 1 - total)
                link = response.headers.get("Link", "")
        except urllib.error.HTTPError as exc:
            raise QueryFailed(f"The query interface answered HTTP {exc.code}.") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise QueryFailed(f"The query interface could not be reached: {reason}.") from exc
        total += len(body)
        if total > max_bytes:
            raise QueryFailed(f"The answer is larger than {max_bytes} bytes.")
        pages += 1
        try:
            page = json.loads(body)
            page_events = page["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        except (ValueError, KeyError, TypeError) as exc:
            raise QueryFailed("The answer is not an EPCIS 2.0 query document.") from exc
        if not isinstance(page_events, list):
            raise QueryFailed("The answer is not an EPCIS 2.0 query document.")
        events.extend(page_events)
        match = _NEXT.search(link)
        url = urljoin(url, match.group(1)) if match else ""
    seconds = time.perf_counter() - started
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "epcisBody": {
            "queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}
        },
    }
    return Answer(document=document, seconds=seconds, pages=pages, url=first, size=total)
