"""Open311 output: one data shape, written as XML or as JSON by the Spark convention.

A document is a root name and a value: a list (services, service_requests, errors) or a mapping
(discovery, service_definition). In XML a list becomes one child per item, named by the singular
of its parent (`services` → `service`, `service_requests` → `request`); in JSON the root wrapper
is dropped, so a list root is a bare array. Keys whose value is None or "" are left out in both
formats (clients built on XML::Simple read an empty element as a truthy empty hash).

XML is built with xml.etree (text escaped by the library) and characters XML 1.0 forbids are
dropped, so user text can never break the document.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # writing only; parsing (tests) goes through defusedxml
from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
SINGULAR = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """Answer with `<errors>`: `status` is the HTTP status and each description's code."""

    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)
        self.retry_after = retry_after


def named(field: str, message: str) -> str:
    """An error description that names the parameter at fault."""
    return _("%(field)s: %(message)s") % {"field": field, "message": message}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | Promise) and str(value) == "")


def _plain(value: Any) -> Any:
    """The value with lazy strings made real and empty keys dropped (for JSON)."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if not _empty(v)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            if not _empty(child):
                _fill(ET.SubElement(element, str(key)), str(key), child)
    elif isinstance(value, list | tuple):
        item = SINGULAR[name]
        for child in value:
            _fill(ET.SubElement(element, item), item, child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Mapping[str, Any] | Sequence[Any]) -> bytes:
    element = ET.Element(root)
    _fill(element, root, value)
    ET.indent(element)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode") + "\n").encode()


def to_json(value: Mapping[str, Any] | Sequence[Any]) -> bytes:
    return json.dumps(_plain(value), ensure_ascii=False, indent=1).encode()


def respond(
    fmt: str, root: str, value: Mapping[str, Any] | Sequence[Any], status: int = 200
) -> HttpResponse:
    body = to_json(value) if fmt == "json" else to_xml(root, value)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    errors = [{"code": error.status, "description": d} for d in error.descriptions]
    response = respond(fmt, "errors", errors, status=error.status)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response
