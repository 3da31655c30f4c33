"""A placeholder page for response pages still being built (removed when the last one lands)."""

from django.http import HttpRequest, HttpResponse


def pending(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=501)
