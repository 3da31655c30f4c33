"""Domain errors raised by services; pages and the API turn them into translated messages."""

from collections.abc import Mapping

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain refused the change. `field` names the input at fault, if any."""

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """Input is malformed or breaks an invariant; nothing was written."""

    def __init__(
        self,
        message: str | Promise,
        *,
        field: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.errors: dict[str, list[str]] = dict(errors or {})


class PermissionDeniedError(DomainError):
    """The user may not do this here (outside their scope or role)."""


class NotFoundError(DomainError):
    """The object does not exist or is not visible to the user."""


class ConflictError(DomainError):
    """The object changed under the request (e.g. a case already moved on); retry after reading
    it again. `state` names the current state when there is one."""

    def __init__(
        self, message: str | Promise, *, field: str | None = None, state: str | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.state = state
