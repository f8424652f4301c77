"""Errors the domain raises. Views and the API translate them to HTTP (409 for DomainError)."""


class DomainError(Exception):
    """An action is impossible in the object's current state or a guard forbids it.

    `message` is shown to the user (already in their language); `code` is stable and
    machine-readable (part of the API contract, e.g. ``"scope_missing"``).
    """

    def __init__(self, message: str, *, code: str = "invalid_state") -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code

    def __str__(self) -> str:
        return self.message
