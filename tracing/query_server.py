"""A small EPCIS 2.0 query interface (stdlib http.server) serving the events of one document.

For the connected-system path of the trace test: tests start it on 127.0.0.1, and a demo can
run it by hand:

    python -m tracing.query_server tracing/fixtures/coffee_chu_se.jsonld --port 8765 --token demo

`GET /events` (optionally under a prefix, e.g. /epcis/events) answers an EPCISQueryDocument of
`perPage` events (default 50) with `Link: <…?nextPageToken=N>; rel="next"` while more remain;
`Authorization: Bearer <token>` is required when a token is set (401 otherwise).
"""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def _handler(events: list, token: str, per_page: int):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # quiet in tests
            pass

        def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            parts = urlsplit(self.path)
            if not parts.path.rstrip("/").endswith("/events"):
                self._send(404, {"type": "epcisException:NoSuchResourceException"})
                return
            if token and self.headers.get("Authorization") != f"Bearer {token}":
                self._send(401, {"type": "epcisException:SecurityException"})
                return
            query = parse_qs(parts.query)
            start = int((query.get("nextPageToken") or ["0"])[0])
            size = int((query.get("perPage") or [str(per_page)])[0])
            page = events[start : start + size]
            headers = {}
            if start + size < len(events):
                headers["Link"] = f'<{parts.path}?nextPageToken={start + size}>; rel="next"'
            self._send(
                200,
                {
                    "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
                    "type": "EPCISQueryDocument",
                    "schemaVersion": "2.0",
                    "epcisBody": {
                        "queryResults": {
                            "queryName": "SimpleEventQuery",
                            "resultsBody": {"eventList": page},
                        }
                    },
                },
                headers,
            )

    return Handler


class QueryServer:
    """`with QueryServer(document_path, token=…) as server: server.url` → http://127.0.0.1:…"""

    def __init__(
        self, document: Path | dict, *, token: str = "", per_page: int = 50, port: int = 0
    ) -> None:
        data = document if isinstance(document, dict) else json.loads(Path(document).read_text())
        self.events = data["epcisBody"]["eventList"]
        self.httpd = ThreadingHTTPServer(
            ("127.0.0.1", port), _handler(self.events, token, per_page)
        )
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/epcis"

    def __enter__(self) -> QueryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("document", type=Path)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="")
    args = parser.parse_args()
    server = QueryServer(args.document, token=args.token, port=args.port)
    print(f"EPCIS query interface on {server.url} ({len(server.events)} events)")  # noqa: T201
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
