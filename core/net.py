"""The client's address, the same for every rule that counts per address.

One setting, TRUSTED_PROXIES, says which reverse proxies stand between the internet and the
application (see README, Settings and Security):

- empty or "0" (the default): nobody is trusted; the address is the connection's own
  (REMOTE_ADDR) and any X-Forwarded-For header is ignored;
- a number N: the connection always comes through N proxies, each appending the address it
  received the request from to X-Forwarded-For; the client is the N-th address from the right
  of that header (what the outermost trusted proxy saw);
- a list of addresses or networks ("10.0.0.5, 172.16.0.0/12"): X-Forwarded-For is read only
  when the connection comes from one of them, walking the header from the right past every
  trusted address; the first untrusted one is the client.

DRF's throttles, django-axes' lockout and the complaint form's hourly limit all call
`client_ip`, so changing the header never buys a fresh allowance.
"""

import ipaddress
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:  # settings import this module: keep it light
    from django.http import HttpRequest

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(raw: str) -> str | None:
    """The address in `raw` in its canonical text, or None when it is not an IP address."""
    raw = raw.strip()
    if raw.startswith("[") and "]" in raw:  # "[2001:db8::1]:443"
        raw = raw[1 : raw.index("]")]
    elif raw.count(":") == 1:  # "203.0.113.7:51234"
        raw = raw.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


@lru_cache(maxsize=16)
def parse_trusted_proxies(value: str) -> int | tuple[_Network, ...]:
    """`TRUSTED_PROXIES` as a proxy count or a tuple of networks. ValueError names a bad part."""
    text = (value or "").strip()
    if not text:
        return 0
    if text.isdigit():
        return int(text)
    networks = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"TRUSTED_PROXIES: {part!r} is neither a number of proxies nor an IP address "
                "or network."
            ) from None
    return tuple(networks)


def _trusted(address: str, networks: tuple[_Network, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == network.version and ip in network for network in networks)


def client_ip(request: "HttpRequest") -> str:
    """The address of the client that sent `request` (never taken from a header an untrusted
    party controls). "unknown" when even the connection's address is missing."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "") or "unknown"
    trusted = parse_trusted_proxies(str(getattr(settings, "TRUSTED_PROXIES", "") or ""))
    if not trusted:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [part for part in header.split(",") if part.strip()]
    if isinstance(trusted, int):
        if not chain:
            return remote
        candidate = _address(chain[-min(trusted, len(chain))])
        return candidate or remote
    # Addresses: only a trusted connection may speak for someone else.
    if remote == "unknown" or not _trusted(remote, trusted):
        return remote
    client = remote
    for part in reversed(chain):
        address = _address(part)
        if address is None:
            break  # garbage in the header: stop at the last address we could trust
        client = address
        if not _trusted(address, trusted):
            break
    return client


def axes_client_ip(request: "HttpRequest") -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE: None (stored as no address) when the request has
    none, as a test client's `force_login` request; the access log's column takes only IP
    addresses on PostgreSQL."""
    address = client_ip(request)
    return None if address == "unknown" else address
