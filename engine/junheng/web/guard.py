"""Who may talk to the workbench.

* Bound to a loopback address (the default), only requests whose ``Host`` is a loopback name are
  answered: a web page elsewhere cannot reach the server through DNS rebinding.
* A form or API call (POST) whose ``Origin`` is another site is refused (cross-site requests).
* With a token (required for a non-loopback ``--host``), every request must carry it: once as
  ``?token=...`` (the server then sets an HttpOnly cookie and drops it from the address), or as the
  ``X-Junheng-Token`` header. Tokens are compared in constant time.
"""
from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

COOKIE = "junheng_token"
HEADER = "X-Junheng-Token"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def is_loopback(host: str) -> bool:
    h = (host or "").strip("[]")
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def _hostname(host_header: str) -> str:
    h = (host_header or "").strip().lower()
    if h.startswith("["):
        return h[: h.find("]") + 1] if "]" in h else h
    return h.rsplit(":", 1)[0] if ":" in h else h


def host_allowed(host_header: str, bound_host: str) -> bool:
    """On a loopback bind, the Host header must name a loopback address too."""
    if not is_loopback(bound_host):
        return True
    name = _hostname(host_header)
    return name in LOOPBACK_NAMES or is_loopback(name)


def same_origin(origin: str | None, host_header: str) -> bool:
    """A POST with an Origin header must come from the workbench's own pages."""
    if not origin:
        return True  # same-origin form posts from older browsers, or non-browser clients
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == (host_header or "").lower()


def token_ok(given: str | None, expected: str | None) -> bool:
    if not expected:
        return True
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
