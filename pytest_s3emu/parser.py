"""Request -> params keyed by model member names, driven by the operation's input shape.

Each member is read from where its ``location`` says (uri, querystring, header, headers) and
converted by its ``type_name``; the payload member is either the streaming body or an XML document
turned into dicts and lists by generic shape rules.
"""

from __future__ import annotations

import base64
import binascii
import functools
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from botocore.model import OperationModel, Shape, StructureShape

from .body import RequestBody
from .errors import InvalidArgument, MalformedXML, MissingContentLength
from .request import HttpRequest
from .router import Match

Params = dict[str, Any]

# Request documents are small (DeleteObjects of 1,000 keys is well under this); a bigger one is
# not a document S3 would accept either.
MAX_XML_BYTES = 20 * 1024 * 1024
# the model's integer is 32-bit and its long 64-bit: S3 rejects max-keys=99999999999
_INT_LIMITS = {"integer": 2**31, "long": 2**63}


def parse(request: HttpRequest, match: Match, body: RequestBody) -> Params:
    """The operation's input params: URI labels, query, headers and payload."""
    plan = _input_plan(match.operation)
    params: Params = {}
    if plan is None:
        return params
    query, headers = request.query, request.headers
    # only the members the request carries (and the URI ones), still in model order: PutObject
    # has 48 located members and a request names a handful of them
    found = list(plan.always)
    by_header, by_query = plan.by_header, plan.by_query
    for header in headers:
        found.extend(by_header.get(header, ()))
    for name in query:
        found.extend(by_query.get(name, ()))
    found.sort()
    located = plan.located
    for index in found:
        name, location, wire, lookup, member, item = located[index]
        if location == _HEADER:
            raw = headers.get(lookup)
            if raw is None:
                continue
            if item is not None:
                value: Any = [_scalar(item, v.strip(), wire) for v in raw.split(",")]
            else:
                value = raw if member.type_name == "string" else _scalar(member, raw, wire)
        elif location == _QUERY:
            values = query.get(wire)
            if values is None:
                continue
            if item is not None:
                value = [_scalar(item, v, wire) for v in values]
            else:
                value = _scalar(member, values[0], wire)
        elif location == _URI:
            value = match.bucket if wire == "Bucket" else match.key
        else:  # a prefix: x-amz-meta-*
            value = {h[len(lookup) :]: v for h, v in headers.items() if h.startswith(lookup)} or None
        if value is not None:
            params[name] = value
    if plan.payload is not None:
        value = _payload(plan.payload_member, body, plan.payload_required)
        if value is not None:
            params[plan.payload] = value
    return params


_URI, _QUERY, _HEADER, _HEADERS = range(4)
_LOCATIONS = {"uri": _URI, "querystring": _QUERY, "header": _HEADER, "headers": _HEADERS}


class _InputPlan:
    """The located members of an input shape, in model order, with their wire names; worked out once
    per operation instead of reading every member's serialization on every request."""

    __slots__ = (
        "always",
        "by_header",
        "by_query",
        "located",
        "payload",
        "payload_member",
        "payload_required",
    )

    def __init__(self, shape: StructureShape) -> None:
        # (member name, location, wire name, header/prefix name in lower case, member, list item)
        self.located: list[tuple[str, int, str, str, Shape, Shape | None]] = []
        for name, member in shape.members.items():
            location = _LOCATIONS.get(member.serialization.get("location"))  # type: ignore[arg-type]  # None: the body
            if location is None:
                continue
            wire = member.serialization.get("name", member.name)
            listed = member.type_name == "list" and location in (_QUERY, _HEADER)
            item = member.member if listed else None  # type: ignore[attr-defined]  # ListShape
            self.located.append((name, location, wire, wire.lower(), member, item))
        # indexes into ``located``: always read, by header name, by query parameter name
        self.always: list[int] = []
        self.by_header: dict[str, list[int]] = {}
        self.by_query: dict[str, list[int]] = {}
        for index, (_, location, wire, lookup, _, _) in enumerate(self.located):
            if location == _HEADER:
                self.by_header.setdefault(lookup, []).append(index)
            elif location == _QUERY:
                self.by_query.setdefault(wire, []).append(index)
            else:
                self.always.append(index)
        payload = shape.serialization.get("payload")
        self.payload: str | None = payload or None
        self.payload_member: Shape = shape.members[payload] if payload else shape
        self.payload_required = bool(payload) and payload in shape.required_members


@functools.cache
def _input_plan(operation: OperationModel) -> _InputPlan | None:
    shape = operation.input_shape
    return None if shape is None else _InputPlan(shape)


def _scalar(shape: Shape, raw: str, wire_name: str) -> Any:
    kind = shape.type_name
    if kind == "string":
        return raw
    if kind in ("integer", "long"):
        try:
            value = int(raw)
            if not -_INT_LIMITS[kind] <= value < _INT_LIMITS[kind]:
                raise ValueError(raw)
            return value
        except ValueError:
            raise InvalidArgument(
                f"Provided {wire_name} not an integer or within integer range",
                ArgumentName=wire_name,
                ArgumentValue=raw,
            ) from None
    if kind == "boolean":
        return raw.strip().lower() == "true"
    if kind == "timestamp":
        return parse_timestamp(raw)
    return raw


def parse_timestamp(raw: str) -> datetime | None:
    """An HTTP date (RFC 7231) or ISO 8601 timestamp; None when it is neither, as S3 then ignores it."""
    raw = raw.strip()
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _payload(member: Shape, body: RequestBody, required: bool) -> Any:
    if member.type_name in ("blob", "string") and (
        member.serialization.get("streaming") or member.type_name == "blob"
    ):
        if member.serialization.get("streaming") and not body.framed:
            # an upload (PutObject, UploadPart) must say how long it is, by Content-Length or
            # Transfer-Encoding; XML-bodied operations do without either
            raise MissingContentLength()
        return body
    if member.type_name == "string":
        # losslessly: the operation judges a text that is not UTF-8 (a policy is then malformed)
        return body.read_all(MAX_XML_BYTES).decode("utf-8", "surrogateescape")
    data = body.read_all(MAX_XML_BYTES)
    if not data.strip():
        if required:
            raise MalformedXML()
        return None
    return parse_document(member, data)


def parse_document(shape: Shape, data: bytes) -> Any:
    """Parse an XML document whose root element is ``shape``'s wire name."""
    try:
        # keep whitespace: keys and tag values may start or end with spaces (DeleteObjects, Tagging)
        document = xmltodict.parse(data, disable_entities=True, strip_whitespace=False)
    except (ExpatError, ValueError, LookupError):  # LookupError: an unknown declared encoding
        raise MalformedXML() from None
    if not isinstance(document, dict) or len(document) != 1:
        raise MalformedXML()
    ((root, node),) = document.items()
    if _local(root) != shape.serialization.get("name", shape.name):
        raise MalformedXML()
    return _value(shape, node)


def _local(tag: str) -> str:
    return tag.rsplit(":", 1)[-1]


def _value(shape: Shape, node: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, node)  # type: ignore[arg-type]  # checked by type_name
    if kind == "list":
        items = node if isinstance(node, list) else [node]
        return [_value(shape.member, item) for item in items]  # type: ignore[attr-defined]  # ListShape
    if isinstance(node, dict):
        if any(not tag.startswith(("@", "#")) for tag in node):
            raise MalformedXML()  # an element where text was expected
        node = node.get("#text", "")
    return _xml_scalar(shape, "" if node is None else str(node))


def _blank(node: Any) -> bool:
    """No content, or only the whitespace of pretty-printed XML between elements."""
    return node is None or (isinstance(node, str) and not node.strip())


def _structure(shape: StructureShape, node: Any) -> dict[str, Any]:
    if _blank(node):
        node = {}
    if not isinstance(node, dict) or not _blank(node.get("#text")):
        raise MalformedXML()  # text where elements were expected
    children = {_local(tag): value for tag, value in node.items() if not tag.startswith(("@", "#"))}
    result: dict[str, Any] = {}
    seen: set[str] = set()
    for name, member in shape.members.items():
        wire = member.serialization.get("name", name)
        if member.serialization.get("xmlAttribute"):
            attr = node.get("@" + wire, node.get("@" + _local(wire)))
            if attr is not None:
                result[name] = attr
            continue
        if wire not in children:
            continue
        seen.add(wire)
        result[name] = _member_value(member, children[wire])
    if set(children) - seen:
        raise MalformedXML()
    if any(required not in result for required in shape.required_members):
        raise MalformedXML()
    return result


def _member_value(member: Shape, node: Any) -> Any:
    if member.type_name != "list" or member.serialization.get("flattened"):
        return _value(member, node)
    # a wrapped list: <Wrapper><Item/><Item/></Wrapper>; an empty wrapper is an empty list
    item_shape: Shape = member.member  # type: ignore[attr-defined]  # ListShape
    item_tag = item_shape.serialization.get("name", "member")
    if _blank(node):
        return []
    if not isinstance(node, dict) or not _blank(node.get("#text")):
        raise MalformedXML()
    extra = [tag for tag in node if _local(tag) != item_tag and not tag.startswith(("@", "#"))]
    if extra:
        raise MalformedXML()
    items: Any = next((v for tag, v in node.items() if _local(tag) == item_tag), [])
    return _value(member, items)


def _xml_scalar(shape: Shape, text: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
        if kind == "boolean":
            if text.strip() not in ("true", "false"):
                raise MalformedXML()
            return text.strip() == "true"
        if kind == "timestamp":
            parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        if kind == "blob":
            return base64.b64decode(text.strip(), validate=True)
    except (ValueError, binascii.Error):
        raise MalformedXML() from None
    return text
