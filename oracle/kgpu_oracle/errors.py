"""Errors raised while verifying evidence; the service maps them to 4xx responses."""

from __future__ import annotations

__all__ = ["ConflictError", "EvidenceError"]


class EvidenceError(ValueError):
    """Raised when submitted evidence is invalid; `field` names the input at fault.

    The message states what is wrong and what the submitter should change. The service returns 422.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ConflictError(EvidenceError):
    """Raised when evidence collides with something already accepted (a reused id or sequence).

    The service returns 409.
    """
