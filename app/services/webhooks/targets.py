"""Where a webhook may point (SSRF): https outside development and test, and no address inside the network —
loopback, private, link-local, multicast, reserved, unspecified — unless `webhook_allowed_hosts` names the host,
the address or a network holding it. Every address the host resolves to is checked, at subscription and again
before each delivery (a name may be pointed elsewhere later), and a delivery connects to an address it checked
(`pinned`): a name that resolves to a public address for the check and to an internal one a moment later (DNS
rebinding) never gets the connection there."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from app.core.config import Settings
from app.core.errors import Unprocessable
from app.domain.errors import Message

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(message.code)
        self.message = message


def _internal(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _allowed(host: str, address: IPAddress, allow: list[str]) -> bool:
    for entry in allow:
        if entry.lower() == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


async def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(Message("host_does_not_resolve", host=host)) from exc
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


async def check_target(url: str, settings: Settings) -> IPAddress:
    """The address to connect to, checked; raises TargetRefused with the reason the URL may not be a webhook
    target."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused(Message("invalid_url")) from exc
    schemes = {"https", "http"} if settings.env in ("development", "test") else {"https"}
    if parts.scheme not in schemes:
        raise TargetRefused(Message("url_must_be_https"))
    if not parts.hostname or parts.username or parts.password:
        raise TargetRefused(Message("url_host_required"))
    addresses = await _resolve(parts.hostname, port)
    for address in addresses:
        if _internal(address) and not _allowed(parts.hostname, address, settings.webhook_allowed_hosts):
            raise TargetRefused(Message("internal_address_refused", address=str(address)))
    return addresses[0]


def pinned(url: str, address: IPAddress) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL with its host replaced by the checked address, the Host header the server expects, and the TLS
    name httpx must present and verify the certificate against (`sni_hostname`): the same request, to that
    address only."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    original = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc).geturl(), {"host": original}, {"sni_hostname": host}


async def check_target_or_422(url: str, settings: Settings) -> None:
    try:
        await check_target(url, settings)
    except TargetRefused as exc:
        raise Unprocessable(exc.message, errors=[(["body", "url"], exc.message)]) from exc
