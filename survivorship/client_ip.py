"""The client's address, for the access log and django-axes lockouts.

Behind the TLS proxy the README asks for, REMOTE_ADDR is the proxy: one attacker would
lock out the whole clinic and every log entry would show the proxy. ``X-Forwarded-For``
is read only when the request arrives from an address in ``TRUSTED_PROXIES`` (addresses
or networks); the header is walked from the right, skipping trusted hops, so a client
cannot forge its address by sending its own header.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _networks():
    networks = []
    for entry in getattr(settings, "TRUSTED_PROXIES", ()):
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return networks


def _valid(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = _networks()

    def trusted(address) -> bool:
        return any(address in network for network in networks)

    if not networks or not trusted(remote):
        return str(remote)
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _valid(hop)
        if address is None:
            return str(remote)  # a garbled header: keep what we know
        if not trusted(address):
            return str(address)
    return str(remote)
