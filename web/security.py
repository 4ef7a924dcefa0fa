"""Security headers, set on every response: pages, JSON, files and error pages alike.

Bottle's `after_request` hook covers normal responses and raised HTTP errors,
but an unexpected exception replaces the response afterwards; the error
handlers therefore call `secure()` again.
"""

from __future__ import annotations

import bottle

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def secure(response: bottle.BaseResponse | None = None) -> None:
    """Put the security headers on `response` (the current one by default)."""
    target = response if response is not None else bottle.response
    for name, value in SECURITY_HEADERS.items():
        target.set_header(name, value)
