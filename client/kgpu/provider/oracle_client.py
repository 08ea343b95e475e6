"""HTTP calls of the agent to ``kgpu-oracle`` instances, with retries on network errors.

A transport error, a 5xx response or a 429 is retried after a delay that starts at
``retry_base_seconds`` and doubles up to ``retry_max_seconds`` (a 429's ``Retry-After`` is used
when it is longer). Any other 4xx is final and raises :class:`OracleRejectedError`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import httpx2

from kgpu.provider.metering import Clock

__all__ = ["OracleClient", "OracleRejectedError", "OracleUnavailableError", "RetryPolicy"]

logger = logging.getLogger("kgpu.provider")


class OracleRejectedError(Exception):
    """An oracle returned a final 4xx status for a request."""

    def __init__(self, url: str, status: int, field: str | None, detail: str) -> None:
        super().__init__(f"{url} returned {status}: {detail}" + (f" (field {field})" if field else ""))
        self.url = url
        self.status = status
        self.field = field
        self.detail = detail


class OracleUnavailableError(Exception):
    """Every attempt failed, or the agent was stopped while retrying."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"oracle {url} unavailable: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class RetryPolicy:
    """Delays between attempts, in seconds, and the attempt limit (None retries until stopped)."""

    base_seconds: float = 1.0
    max_seconds: float = 60.0
    max_attempts: int | None = None

    def delay(self, attempt: int) -> float:
        """Return the delay after failed attempt number ``attempt`` (1-based)."""
        return min(self.base_seconds * 2 ** (attempt - 1), self.max_seconds)


class OracleClient:
    """Challenge and receipt requests to a set of oracle base URLs."""

    def __init__(
        self,
        urls: tuple[str, ...],
        *,
        clock: Clock,
        stop: threading.Event,
        retry: RetryPolicy,
        timeout: float = 10.0,
        http: httpx2.Client | None = None,
    ) -> None:
        if not urls:
            raise ValueError("at least one oracle URL is required")
        self.urls = urls
        self.clock = clock
        self.stop = stop
        self.retry = retry
        self.http = http or httpx2.Client(timeout=timeout)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def request_challenge(self, provider: str, *, first: int = 0) -> tuple[str, dict[str, Any]]:
        """Request a challenge, trying the oracles in turn from index ``first``.

        Returns the issuing oracle's URL and the challenge view. A full round of failed oracles
        counts as one attempt of the retry policy.
        """
        attempt = 0
        while True:
            attempt += 1
            errors = []
            waits = []
            for offset in range(len(self.urls)):
                url = self.urls[(first + offset) % len(self.urls)]
                try:
                    response = self._post_once(url, "/v1/challenges", {"provider": provider})
                except _Retryable as error:
                    errors.append(f"{url}: {error}")
                    if error.retry_after is not None:
                        waits.append(error.retry_after)
                    continue
                return url, self._json_or_raise(url, response)
            # The round waits for the first rate-limited oracle to take requests again.
            self._wait_before_retry(" ".join(self.urls), attempt, "; ".join(errors), min(waits, default=None))

    def answer_challenge(self, url: str, challenge_id: str, answer_b64: str) -> dict[str, Any] | None:
        """Post the answer to the oracle that issued the challenge and return the challenge view.

        Returns None when a retried post finds the challenge already answered: an earlier attempt
        reached the oracle, and the receipt check will tell whether that answer passed.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._post_once(url, f"/v1/challenges/{challenge_id}/answer", {"answer": answer_b64})
            except _Retryable as error:
                self._wait_before_retry(url, attempt, str(error), error.retry_after)
                continue
            if response.status_code == 409 and attempt > 1:
                logger.info("challenge %s already answered by an earlier attempt at %s", challenge_id, url)
                return None
            return self._json_or_raise(url, response)

    def submit_receipt(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        """Post a signed receipt to ``url`` and return the attestation view (202).

        Resending the identical receipt is safe: the oracle returns the existing attestation.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._post_once(url, "/v1/receipts", body)
            except _Retryable as error:
                self._wait_before_retry(url, attempt, str(error), error.retry_after)
                continue
            return self._json_or_raise(url, response)

    def _post_once(self, url: str, path: str, body: dict[str, Any]) -> httpx2.Response:
        logger.debug("POST %s%s", url, path)
        try:
            response = self.http.post(f"{url}{path}", json=body)
        except httpx2.TransportError as error:
            raise _Retryable(f"{type(error).__name__}: {error}") from error
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code == 429:
            raise _Retryable("HTTP 429", retry_after=_retry_after(response))
        return response

    def _wait_before_retry(self, url: str, attempt: int, reason: str, retry_after: float | None) -> None:
        if self.retry.max_attempts is not None and attempt >= self.retry.max_attempts:
            logger.error("oracle request to %s failed after %d attempts: %s", url, attempt, reason)
            raise OracleUnavailableError(url, f"{attempt} attempts failed, last: {reason}")
        delay = max(self.retry.delay(attempt), retry_after or 0.0)
        logger.warning("oracle request to %s failed (attempt %d): %s, retrying in %.1f s", url, attempt, reason, delay)
        if not self.clock.sleep(delay, self.stop):
            raise OracleUnavailableError(url, "stopped while waiting to retry")

    @staticmethod
    def _json_or_raise(url: str, response: httpx2.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = {"detail": response.text[:200]}
        if response.status_code >= 400:
            detail = data.get("detail") if isinstance(data, dict) else None
            field = data.get("field") if isinstance(data, dict) else None
            raise OracleRejectedError(url, response.status_code, field, str(detail))
        return data


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None
