"""The OASIS CAP 1.2 XSD and safe parsing of untrusted CAP documents.

Parsing is defused: no DTD (a document with a DOCTYPE is refused outright, which stops entity
bombs and external entities), no entity resolution, no network, no huge trees, and a size limit
checked before the parser sees a byte."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

from resigrid.core.errors import ValidationFailed

NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
XSD_PATH = Path(__file__).with_name("CAP-v1.2.xsd")
DEFAULT_MAX_BYTES = 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "ALERT_CAP_MAX_BYTES", DEFAULT_MAX_BYTES))


@functools.cache
def xml_schema() -> etree.XMLSchema:
    # The XSD is our own file: parsed with the same locked-down parser.
    return etree.XMLSchema(etree.parse(str(XSD_PATH), _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
    )


@dataclass(frozen=True)
class SchemaError:
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return _("Line %(line)d, column %(column)d: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class CapInvalid(ValidationFailed):
    """The document is not a valid CAP 1.2 alert; `schema_errors` lists each problem with its
    line and column (empty for a document that did not even parse as XML)."""

    def __init__(self, message: str, schema_errors: list[SchemaError] | None = None) -> None:
        found = list(schema_errors or [])
        super().__init__(message, field="xml", errors={"xml": [str(e) for e in found] or [message]})
        self.schema_errors = found


def parse_xml(data: bytes) -> etree._Element:
    """The root element of an untrusted XML document (CAP or Atom), or CapInvalid."""
    limit = max_bytes()
    if not data.strip():
        raise CapInvalid(_("The document is empty."))
    if len(data) > limit:
        raise CapInvalid(_("The document is larger than %(limit)d bytes.") % {"limit": limit})
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise CapInvalid(
            _("The document is not well-formed XML."),
            [SchemaError(line, column, str(exc.msg))],
        ) from None
    docinfo: Any = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise CapInvalid(_("Documents with a DTD (DOCTYPE) are refused."))
    return tree.getroot()


def validate(root: etree._Element) -> None:
    """CapInvalid unless `root` is a CAP 1.2 <alert> that the OASIS XSD accepts."""
    if root.tag != f"{{{NS}}}alert":
        raise CapInvalid(
            _("The root element is %(tag)s, not a CAP 1.2 <alert> in the namespace %(ns)s.")
            % {"tag": root.tag, "ns": NS}
        )
    schema = xml_schema()
    if not schema.validate(root):
        log: Any = schema.error_log
        found = [SchemaError(e.line, e.column, e.message) for e in log]
        raise CapInvalid(_("The document does not follow the CAP 1.2 schema."), found)


def parse_cap(data: bytes) -> etree._Element:
    """Parse and validate one CAP 1.2 document."""
    root = parse_xml(data)
    validate(root)
    return root
