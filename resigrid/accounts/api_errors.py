"""Turn domain errors into API answers: 422 with the error list, 403, 404; messages translated."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed


def install_error_handlers(api: NinjaAPI) -> None:
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
