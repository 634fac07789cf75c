"""The MLLP listener: monitors connect as TCP clients and push one framed message at a time.

Each connection is served in order: a message is read (`<VT> message <FS><CR>`), handed to
`receive`, and its ACK written only when `receive` returns, which it does
only after what the message changed has committed. A monitor that gets no ACK resends (a GE
B40 three times), and the same MSH-10 is answered again without a second reading.

Trust: only addresses in `VIGIL_MLLP_ALLOWED_SOURCES` may connect (the monitors' network, or the
gateway's address); others are closed at once and logged. MLLP itself has no authentication,
so the listener refuses to start without that list.
"""

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress

log = logging.getLogger(__name__)

Receive = Callable[[str, str], Awaitable[str]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# A PCD-01 message of one monitor is a few kilobytes; this bounds what one frame may hold.
MAX_FRAME = 1 << 20
START_BLOCK, END_BLOCK = b"\x0b", b"\x1c\r"


class NoTrust(ValueError):
    """The listener would accept anyone: refused."""


def trusted_networks(sources: Sequence[str]) -> list[Network]:
    if not sources:
        raise NoTrust(
            "VIGIL_MLLP_ALLOWED_SOURCES is empty: name the monitors' addresses or network "
            "(for example 10.20.0.0/24); MLLP has no authentication of its own"
        )
    try:
        return [ipaddress.ip_network(s, strict=False) for s in sources]
    except ValueError as exc:
        raise NoTrust(f"VIGIL_MLLP_ALLOWED_SOURCES: {exc}") from None


def is_trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


async def _serve(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    receive: Receive,
    networks: Sequence[Network],
) -> None:
    peer = writer.get_extra_info("peername")
    address = str(peer[0]) if peer else ""
    try:
        if not is_trusted(address, networks):
            log.warning("MLLP connection from untrusted address %s closed", address)
            return
        while True:
            try:
                data = await reader.readuntil(END_BLOCK)
            except asyncio.IncompleteReadError:
                return  # the monitor closed the connection (or died) mid-frame
            except asyncio.LimitOverrunError:
                log.warning(
                    "MLLP frame from %s over %d bytes: connection closed", address, MAX_FRAME
                )
                return
            # Bytes before the last start block are the rest of a broken frame (a monitor that
            # restarted mid-message): skipped, and the message after them read. (python-hl7's
            # reader drops the whole frame then, the good message with it.)
            start = data.rfind(START_BLOCK)
            if start < 0:
                log.warning("MLLP bytes from %s outside any frame skipped", address)
                continue
            text = data[start + 1 : -len(END_BLOCK)].decode("utf-8", errors="replace")
            answer = await receive(text, address)
            writer.write(START_BLOCK + answer.encode("utf-8") + END_BLOCK)
            await writer.drain()
    except (ConnectionError, OSError):
        return
    finally:
        writer.close()
        with suppress(ConnectionError, OSError):
            await writer.wait_closed()


async def start_listener(
    host: str, port: int, receive: Receive, networks: Sequence[Network]
) -> asyncio.Server:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _serve(reader, writer, receive, networks)

    return await asyncio.start_server(serve, host, port, limit=MAX_FRAME)
