"""Result dict + output shape -> (status, headers, body); and the one place errors become XML.

Headers come from members located in ``header``/``headers``; the body is either the payload member
(a stream or a document) or the remaining members written under the shape's root element.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import xmltodict
from botocore.model import OperationModel, Shape, StructureShape

from .errors import S3Error
from .model import ROOT_TAGS, S3_XMLNS

Result = dict[str, Any]
Headers = list[tuple[str, str]]
Body = Iterable[bytes]

# A handler sets this key to answer with another status than the operation's (206 for a range).
STATUS = "$status"
# A handler sets this key in the items of flattened lists to have the items of all such lists of one
# structure written interleaved, sorted by its value, where the first of those lists belongs (the
# model keeps one list per element name: ListObjectVersions' Versions and DeleteMarkers, which S3
# writes newest first per key, whatever their kind). Lists whose items lack it keep model order.
ORDER = "$order"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def request_ids() -> tuple[str, str]:
    """A fresh (x-amz-request-id, x-amz-id-2) pair."""
    raw = os.urandom(40)
    return raw[:8].hex().upper(), base64.b64encode(raw[8:]).decode()


def serialize(operation: OperationModel, result: Result) -> tuple[int, Headers, Body]:
    """The HTTP answer for a handler's result."""
    status = int(result.pop(STATUS, operation.http.get("responseCode", 200)))
    shape = operation.output_shape
    headers: Headers = []
    if shape is None:
        return status, headers, []
    for name, member in shape.members.items():
        value = result.get(name)
        if value is not None:
            _add_header(headers, member, value)
    payload = shape.serialization.get("payload")
    if payload and shape.members[payload].type_name != "structure":
        return status, headers, _payload_body(result.get(payload))
    if payload:
        member = shape.members[payload]
        value = result.get(payload)
        body = _document(member, member.serialization.get("name", payload), value) if value else []
    else:
        body = _document(shape, ROOT_TAGS.get(shape.name, shape.name), result)
    if body:
        headers.append(("Content-Type", "application/xml"))
    return status, headers, body


def _add_header(headers: Headers, member: Shape, value: Any) -> None:
    location = member.serialization.get("location")
    wire = member.serialization.get("name", member.name)
    if location == "header":
        headers.append((wire, _header_text(member, value)))
    elif location == "headers":
        headers.extend((wire + key, str(text)) for key, text in value.items())


def _header_text(member: Shape, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if member.serialization.get("timestampFormat") == "iso8601":
            return iso8601(value)
        return http_date(value)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def iso8601(value: datetime) -> str:
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _payload_body(value: Any) -> Body:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.encode("utf-8")]
    if isinstance(value, bytes):
        return [value]
    stream: Body = value
    return stream


def _document(shape: Shape, root: str, values: dict[str, Any]) -> Body:
    assert isinstance(shape, StructureShape)
    members = {n: m for n, m in shape.members.items() if not m.serialization.get("location")}
    if not members:
        return []
    text_member = members.get(root)
    if text_member is not None and len(members) == 1 and text_member.type_name == "string":
        # GetBucketLocation: the value is the root element's text
        node: Any = {"@xmlns": S3_XMLNS, "#text": values.get(root) or ""}
    else:
        node = _structure(shape, values)
        node["@xmlns"] = S3_XMLNS  # attributes go apart from children: its place does not matter
    return [to_xml({root: node})]


def to_xml(document: dict[str, Any]) -> bytes:
    text: str = xmltodict.unparse(document, full_document=False, short_empty_elements=False)
    return XML_DECLARATION + text.encode("utf-8")


_MERGED = object()  # the place of a list written by _ordered


class _Ordered(dict[str, Any]):
    """An element whose children xmltodict writes from ``children``, in order, names repeating
    (xmltodict reads an element through ``items()``); keys set on the dict are written first."""

    def __init__(self, children: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.children = children

    def items(self) -> Any:
        return [*super().items(), *self.children]


def _ordered(node: dict[str, Any], merged: list[tuple[Any, str, Any]]) -> dict[str, Any]:
    """``node`` with the ORDER-sorted ``merged`` items at the place of the first merged list."""
    at = merged[0][1]
    items = [(wire, value) for _, wire, value in sorted(merged, key=lambda item: item[0])]
    children: list[tuple[str, Any]] = []
    for wire, value in node.items():
        if wire == at:
            children.extend(items)
        elif value is not _MERGED:
            children.append((wire, value))
    return _Ordered(children)


def _carries_order(member: Shape, value: Any) -> bool:
    flattened = bool(member.serialization.get("flattened"))
    return flattened and bool(value) and isinstance(value[0], dict) and ORDER in value[0]


def _structure(shape: Shape, values: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {}
    merged: list[tuple[Any, str, Any]] = []
    namespace = shape.serialization.get("xmlNamespace")
    if namespace and namespace.get("prefix"):
        # declared on the structure (Grantee: xmlns:xsi for its xsi:type attribute)
        node["@xmlns:" + namespace["prefix"]] = namespace["uri"]
    for name, member in shape.members.items():  # type: ignore[attr-defined]  # StructureShape
        value = values.get(name)
        if value is None or member.serialization.get("location"):
            continue
        wire = member.serialization.get("name", name)
        if member.serialization.get("xmlAttribute"):
            node["@" + wire] = _text(member, value)
        elif _carries_order(member, value):
            merged.extend((item[ORDER], wire, _node(member.member, item)) for item in value)
            node[wire] = _MERGED
        elif member.type_name == "list" and not member.serialization.get("flattened"):
            item = member.member  # a ListShape (members come untyped from shape.members)
            items = [_node(item, v) for v in value]
            node[wire] = {item.serialization.get("name", "member"): items} if items else None
        else:
            node[wire] = _node(member, value)
    return _ordered(node, merged) if merged else node


def _node(shape: Shape, value: Any) -> Any:
    if shape.type_name == "structure":
        return _structure(shape, value)
    if shape.type_name == "list":
        return [_node(shape.member, v) for v in value]  # type: ignore[attr-defined]  # ListShape
    return _text(shape, value)


def _text(shape: Shape, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso8601(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def serialize_error(error: S3Error, request_id: str, host_id: str, method: str) -> tuple[int, Headers, Body]:
    """The S3 ``<Error>`` answer; HEAD requests (and 304) get the status and headers only."""
    headers: Headers = list(error.headers.items())
    if method == "HEAD" or error.status == 304:
        return error.status, headers, []
    node: dict[str, Any] = {"Code": error.code, "Message": error.text}
    node.update(error.fields)
    node["RequestId"] = request_id
    node["HostId"] = host_id
    headers.append(("Content-Type", "application/xml"))
    return error.status, headers, [to_xml({"Error": node})]
