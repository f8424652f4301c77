"""A local HTTP receiver for webhook tests: a stdlib http.server on 127.0.0.1 in a thread,
answering each POST with the next scripted status and keeping what it was sent."""

import http.server
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    status: int
    headers: dict[str, str]  # names in lower case (HTTP header names ignore case)
    body: bytes


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=list)  # answers, in order; then 200
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]


def start_receiver(statuses: list[int] | None = None) -> tuple[Receiver, http.server.HTTPServer]:
    receiver = Receiver(statuses=list(statuses or []))
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                status = receiver.next_status()
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append(Received(status, headers, body))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep the test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/txng"
    return receiver, server
