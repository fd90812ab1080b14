"""Who is asking: the client's network, never more precise than needed."""

from __future__ import annotations

import ipaddress

from flask import request


def client_network(address: str | None = None) -> str:
    """The client's network: IPv4 /24, IPv6 /48. Enough to count, too coarse to track.

    The address is the one ProxyFix settled on, so X-Forwarded-For counts only from the
    configured number of trusted proxies (ZIRKEL_TRUSTED_PROXIES).
    """
    raw = address if address is not None else (request.remote_addr or "")
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
