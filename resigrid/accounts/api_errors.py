"""Turn domain errors into API answers: 422 with the error list, 403, 404; messages translated."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError

from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja answers a body it cannot parse with a bare 400; give it the same translated 422
        # shape as every other input error so that clients handle one kind of answer.
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            detail = [
                {
                    "loc": ["body"],
                    "msg": _("The request body is not valid JSON."),
                    "type": "json_invalid",
                }
            ]
            return api.create_response(request, {"detail": detail}, status=422)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(ValidationFailed)
    def on_validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
        detail = [
            {"loc": ["body", field], "msg": msg, "type": "value_error"}
            for field, messages in exc.errors.items()
            for msg in messages
        ] or [
            {
                "loc": ["body", exc.field or "__all__"],
                "msg": str(exc.message),
                "type": "value_error",
            }
        ]
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(PermissionDeniedError)
    def on_denied(request: HttpRequest, exc: PermissionDeniedError) -> HttpResponse:
        from resigrid.accounts.services import record_security_event

        record_security_event(
            kind="permission_denied",
            request=request,
            user=getattr(request, "auth", None) or request.user,
            detail={"message": str(exc.message)},
        )
        return api.create_response(request, {"detail": str(exc.message)}, status=403)

    @api.exception_handler(NotFoundError)
    def on_not_found(request: HttpRequest, exc: NotFoundError) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc.message)}, status=404)

    @api.exception_handler(ConflictError)
    def on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
        body: dict[str, str] = {"detail": str(exc.message)}
        if exc.state is not None:
            body["state"] = exc.state
        return api.create_response(request, body, status=409)
