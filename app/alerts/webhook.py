"""Where an escalation leaves the room: a notifier interface and its webhook implementation."""

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

# Enough for a receiver on the clinic's network or a paging service; a slower one is retried
# rather than holding the dispatcher.
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Delivery:
    ok: bool
    status: int | None = None  # the receiver's HTTP status, if it answered
    error: str | None = None  # why it failed, in a line fit for the audit log


class Notifier(Protocol):
    async def send(self, url: str, payload: dict[str, Any]) -> Delivery: ...


class WebhookNotifier:
    """A JSON POST; any 2xx is delivered. Redirects are not followed: the admin set the URL,
    and a receiver that moves should be set again rather than send patient data onwards."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def send(self, url: str, payload: dict[str, Any]) -> Delivery:
        try:
            answer = await self._client.post(url, json=payload)
        except httpx.HTTPError as exc:
            return Delivery(False, error=f"{type(exc).__name__}: {exc}"[:300])
        if answer.is_success:
            return Delivery(True, answer.status_code)
        return Delivery(False, answer.status_code, f"HTTP {answer.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
