"""Result dict + output shape -> (status, headers, body); and the one place errors become XML.

Headers come from members located in ``header``/``headers``; the body is either the payload member
(a stream or a document) or the remaining members written under the shape's root element.

Each operation's output shape is compiled once into a plan (:class:`_OutputPlan`): its header
members with their wire names, its payload, and a tree of :class:`_Struct` plans for the document.

Why documents are not written through xmltodict (STYLE.md asks for it): building xmltodict's
nested dicts and letting it walk them through ``XMLGenerator`` took 50-100 ms per ListObjectsV2
page of 1,000 keys, about the client's own cost of parsing it. The emitter below is just as
generic: it is driven by the shape plan alone (no per-operation code), escapes text exactly as
``xml.sax.saxutils`` does, and writes byte for byte what ``xmltodict.unparse`` wrote for the same
result (attribute order included; tests/unit/test_serializer_xml.py compares the two for every
output shape). Error documents and POST-object answers, which are small and not shape-driven,
still go through xmltodict (:func:`to_xml`).
"""

from __future__ import annotations

import base64
import functools
import os
import random
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import quoteattr

import xmltodict
from botocore.model import OperationModel, Shape

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
_XMLNS_ATTR = " xmlns=" + quoteattr(S3_XMLNS)

# request ids need no cryptographic randomness (os.urandom is a system call, ~10 us in a VM); an
# instance of our own leaves the random module's sequence to the code under test
_ids = random.Random()
if hasattr(os, "register_at_fork"):  # POSIX: a forked child must not repeat its parent's ids
    os.register_at_fork(after_in_child=_ids.seed)


def request_ids() -> tuple[str, str]:
    """A fresh (x-amz-request-id, x-amz-id-2) pair."""
    raw = _ids.getrandbits(320).to_bytes(40, "big")
    return raw[:8].hex().upper(), base64.b64encode(raw[8:]).decode()


def serialize(operation: OperationModel, result: Result) -> tuple[int, Headers, Body]:
    """The HTTP answer for a handler's result."""
    plan = _output_plan(operation)
    status = int(result.pop(STATUS, plan.status))
    headers: Headers = []
    if plan.empty:
        return status, headers, []
    get = result.get
    # the header members the result has, in model order (GetObject's output has 40 of them)
    positions = plan.header_positions
    found = sorted(positions[name] for name in result if name in positions)
    for position in found:
        name, wire, prefixed, iso = plan.headers[position]
        value = get(name)
        if value is None:
            continue
        if prefixed:
            headers.extend((wire + key, mail_safe(str(text))) for key, text in value.items())
        elif value.__class__ is str:
            headers.append((wire, value))
        else:
            headers.append((wire, _header_text(value, iso)))
    if plan.stream is not None:
        return status, headers, _payload_body(get(plan.stream))
    document = plan.document
    if document is None:
        return status, headers, []
    if plan.payload is not None:
        value = get(plan.payload)
        body = document.write(value) if value else []
    else:
        body = document.write(result)
    if body:
        headers.append(("Content-Type", "application/xml"))
    return status, headers, body


def _header_text(value: Any, iso: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso8601(value) if iso else http_date(value)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def mail_safe(text: str) -> str:
    """A user metadata value as S3 answers it: RFC 2047 encoded (UTF-8) if it has a character that is
    not printable US-ASCII (tab, CR and LF aside), as is otherwise."""
    if text.isascii() and text.isprintable():
        return text  # nearly every value
    unsafe = sum(1 for char in text if _unsafe(char))
    if not unsafe:
        return text
    data = text.encode("utf-8", "surrogateescape")
    # S3 picks the encoding by the characters' mix, as JavaMail's MimeUtility.encodeText does:
    # mostly ASCII is Q-encoded ("=?UTF-8?Q?Mini=C3=83=C2=B6?=" for "Mini\xc3\xb6" sent as UTF-8
    # bytes: S3 reads header bytes as ISO-8859-1), anything else B-encoded
    if len(text) - unsafe > unsafe:
        return "=?UTF-8?Q?" + "".join(_Q_BYTES[byte] for byte in data) + "?="
    return "=?UTF-8?B?" + base64.b64encode(data).decode() + "?="


def _unsafe(char: str) -> bool:
    code = ord(char)
    return code >= 0x7F or (code < 0x20 and char not in "\t\r\n")


# each byte as Q-encoded text (RFC 2047 section 4.2): space as "_", "=", "?", "_" and bytes outside
# printable ASCII as =XX
_Q_BYTES = [
    "_"
    if byte == 0x20
    else f"={byte:02X}"
    if byte < 0x20 or byte >= 0x7F or chr(byte) in "=?_"
    else chr(byte)
    for byte in range(256)
]


@functools.lru_cache(maxsize=1024)
def http_date(value: datetime) -> str:
    # cached: a pure function of the instant, and objects keep their Last-Modified
    return format_datetime(value.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


@functools.lru_cache(maxsize=4096)
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


def to_xml(document: dict[str, Any]) -> bytes:
    text: str = xmltodict.unparse(document, full_document=False, short_empty_elements=False)
    return XML_DECLARATION + xml10(text).encode("utf-8")


# Characters XML 1.0 cannot carry in text, and CR, which a parser would read back as LF. Neither
# emitter writes any of them in markup (no pretty-printing; attributes go through quoteattr), so
# every one found in a finished document belongs to a value.
_NOT_XML10 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\r]")


def _xml10_char(found: re.Match[str]) -> str:
    # S3 writes CR as &#13; (its "XML related object key constraints"). It writes the other
    # control characters as references such as &#x1; too, which XML 1.0 forbids: every strict
    # parser, botocore's included, rejects that answer (boto/botocore#3496). A document here stays
    # well-formed: those characters (and a lone surrogate, from a name sent undecodable) become
    # U+FFFD; the exact name comes back where S3 offers encoding-type=url, as botocore asks.
    return "&#13;" if found.group() == "\r" else "\ufffd"


def xml10(text: str) -> str:
    """``text`` (a whole document) as well-formed XML 1.0 that reads back as written, CR included."""
    return _NOT_XML10.sub(_xml10_char, text) if _NOT_XML10.search(text) else text


# ---- plans ----------------------------------------------------------------------------------------


class _OutputPlan:
    """What :func:`serialize` needs of an operation's output shape, worked out once."""

    __slots__ = ("document", "empty", "header_positions", "headers", "payload", "status", "stream")

    def __init__(self, operation: OperationModel) -> None:
        self.status = operation.http.get("responseCode", 200)
        shape = operation.output_shape
        self.empty = shape is None
        # (member name, wire name, "headers" location (a prefix), ISO 8601 timestamps)
        self.headers: list[tuple[str, str, bool, bool]] = []
        self.header_positions: dict[str, int] = {}
        self.stream: str | None = None  # a payload member that is not a structure
        self.payload: str | None = None  # a structure payload member
        self.document: _Document | None = None
        if shape is None:
            return
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            if location in ("header", "headers"):
                wire = member.serialization.get("name", name)
                iso = member.serialization.get("timestampFormat") == "iso8601"
                self.headers.append((name, wire, location == "headers", iso))
        self.header_positions = {entry[0]: position for position, entry in enumerate(self.headers)}
        payload = shape.serialization.get("payload")
        if payload and shape.members[payload].type_name != "structure":
            self.stream = payload
        elif payload:
            member = shape.members[payload]
            self.payload = payload
            self.document = _Document.of(member, member.serialization.get("name", payload))
        else:
            self.document = _Document.of(shape, ROOT_TAGS.get(shape.name, shape.name))


@functools.cache
def _output_plan(operation: OperationModel) -> _OutputPlan:
    return _OutputPlan(operation)


# member kinds in a structure plan
_SCALAR, _STRUCT, _WRAPPED, _FLAT, _ATTR, _GROUP = range(6)
_Entry = tuple[str, int, str, str, "_Struct | None", str, str, tuple[Any, ...]]


class _Struct:
    """A structure's members in model order, without those located in headers or the URI.

    Each entry: (name, kind, open tag, close tag, item plan, item open tag, item close tag,
    alternatives); the item plan is the structure plan of a nested structure or list item (None
    for scalars); a _GROUP entry's alternatives are the entries sharing its wire name, last first.
    """

    __slots__ = ("attrs", "members", "orderable", "simple")

    def __init__(self) -> None:
        self.members: list[_Entry] = []
        self.attrs: list[str] = []  # attributes written whatever the values (xmlns:xsi)
        self.orderable = False  # has a flattened list of structures, which ORDER may merge
        self.simple = False  # no attributes and nothing to merge: children are written straight out


def _compile(shape: Shape, memo: dict[Any, _Struct]) -> _Struct:
    key = (shape.name, repr(sorted(shape.serialization.items())))
    found = memo.get(key)
    if found is not None:
        return found
    plan = memo[key] = _Struct()
    namespace = shape.serialization.get("xmlNamespace")
    if namespace and namespace.get("prefix"):
        # declared on the structure (Grantee: xmlns:xsi for its xsi:type attribute)
        plan.attrs.append(f" xmlns:{namespace['prefix']}={quoteattr(namespace['uri'])}")
    for name, member in shape.members.items():  # type: ignore[attr-defined]  # a StructureShape
        if member.serialization.get("location"):
            continue
        wire = member.serialization.get("name", name)
        open_tag, close_tag = f"<{wire}>", f"</{wire}>"
        if member.serialization.get("xmlAttribute"):
            plan.members.append((name, _ATTR, f" {wire}=", "", None, "", "", ()))
        elif member.type_name == "list":
            item: Shape = member.member
            item_plan = _compile(item, memo) if item.type_name == "structure" else None
            if member.serialization.get("flattened"):
                plan.orderable = plan.orderable or item_plan is not None
                plan.members.append((name, _FLAT, open_tag, close_tag, item_plan, open_tag, close_tag, ()))
            else:
                item_tag = item.serialization.get("name", "member")
                plan.members.append(
                    (name, _WRAPPED, open_tag, close_tag, item_plan, f"<{item_tag}>", f"</{item_tag}>", ())
                )
        elif member.type_name == "structure":
            plan.members.append((name, _STRUCT, open_tag, close_tag, _compile(member, memo), "", "", ()))
        else:
            plan.members.append((name, _SCALAR, open_tag, close_tag, None, "", "", ()))
    plan.members = _grouped(plan.members)
    plan.simple = not plan.attrs and not plan.orderable and all(m[1] < _ATTR for m in plan.members)
    return plan


def _grouped(members: list[_Entry]) -> list[_Entry]:
    """Members sharing a wire name as one entry, where the first of them is: the last one with a
    value is written (GetBucketNotification's deprecated Event and its Events list, both <Event>)."""
    by_wire: dict[tuple[bool, str], list[_Entry]] = {}
    for entry in members:
        by_wire.setdefault((entry[1] == _ATTR, entry[2]), []).append(entry)
    grouped: list[_Entry] = []
    for entry in members:
        same = by_wire[(entry[1] == _ATTR, entry[2])]
        if len(same) == 1:
            grouped.append(entry)
        elif entry is same[0]:
            grouped.append(("", _GROUP, entry[2], "", None, "", "", tuple(same[::-1])))
    return grouped


class _Document:
    """Writes one document: the root element and the structure below it."""

    __slots__ = ("plan", "root", "text_root")

    def __init__(self, root: str, plan: _Struct | None, text_root: bool) -> None:
        self.root = root
        self.plan = plan
        self.text_root = text_root

    @classmethod
    def of(cls, shape: Shape, root: str) -> _Document | None:
        members = {n: m for n, m in shape.members.items() if not m.serialization.get("location")}  # type: ignore[attr-defined]  # a StructureShape
        if not members:
            return None
        text_member = members.get(root)
        if text_member is not None and len(members) == 1 and text_member.type_name == "string":
            # GetBucketLocation: the value is the root element's text
            return cls(root, None, True)
        return cls(root, _compile(shape, {}), False)

    def write(self, values: dict[str, Any]) -> list[bytes]:
        root = self.root
        if self.plan is None:
            text = values.get(root) or ""
            out = [f"<{root}{_XMLNS_ATTR}>", _escape(text if isinstance(text, str) else _value_text(text))]
        elif self.plan.simple:
            out = [f"<{root}{_XMLNS_ATTR}>"]
            _write_children(out, self.plan, values)
        else:
            attrs, children, merged = _parts(self.plan, values)
            # xmltodict wrote the root's xmlns after the structure's attributes, unless ORDER merged
            # lists (its ordered element put the xmlns first)
            head = [_XMLNS_ATTR, *attrs] if merged else [*attrs, _XMLNS_ATTR]
            out = [f"<{root}{''.join(head)}>", *children]
        out.append(f"</{root}>")
        return [XML_DECLARATION + xml10("".join(out)).encode("utf-8")]


def _escape(text: str) -> str:
    # xml.sax.saxutils.escape, without its entity table
    if "&" in text:
        text = text.replace("&", "&amp;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    return text


def _text(value: Any) -> str:
    if value.__class__ is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso8601(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def _value_text(value: Any) -> str:
    # xmltodict's conversion of a non-string value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _write_children(out: list[str], plan: _Struct, values: dict[str, Any]) -> None:
    """A simple structure's children (no attributes, nothing merged), straight into ``out``."""
    get = values.get
    for name, kind, open_tag, close_tag, item_plan, item_open, item_close, _ in plan.members:
        value = get(name)
        if value is None:
            continue
        if kind == _SCALAR:
            # _escape(_text(value)), inlined: this loop writes every field of every listed key
            text = value if value.__class__ is str else _text(value)
            if "&" in text or "<" in text or ">" in text:
                text = _escape(text)
            out.append(open_tag + text + close_tag)
        else:
            _write_member(out, kind, open_tag, close_tag, item_plan, item_open, item_close, value)


def _write_member(
    out: list[str],
    kind: int,
    open_tag: str,
    close_tag: str,
    item_plan: _Struct | None,
    item_open: str,
    item_close: str,
    value: Any,
) -> None:
    if kind == _SCALAR:
        out.append(open_tag + _escape(_text(value)) + close_tag)
    elif kind == _STRUCT:
        _write_element(out, open_tag, close_tag, item_plan, value)
    elif kind == _FLAT:
        # an empty flattened list is no element at all
        for item in value:
            _write_item(out, open_tag, close_tag, item_plan, item)
    elif not value:
        out.append(open_tag + close_tag)  # a wrapped list with no items is an empty wrapper
    else:
        out.append(open_tag)
        for item in value:
            _write_item(out, item_open, item_close, item_plan, item)
        out.append(close_tag)


def _write_item(out: list[str], open_tag: str, close_tag: str, plan: _Struct | None, item: Any) -> None:
    if plan is not None:
        _write_element(out, open_tag, close_tag, plan, item)
    else:
        out.append(open_tag + _escape(_text(item)) + close_tag)


def _write_element(out: list[str], open_tag: str, close_tag: str, plan: Any, values: dict[str, Any]) -> None:
    if plan.simple:
        out.append(open_tag)
        _write_children(out, plan, values)
    else:
        attrs, children, _ = _parts(plan, values)
        out.append(open_tag[:-1] + "".join(attrs) + ">" if attrs else open_tag)
        out.extend(children)
    out.append(close_tag)


def _parts(plan: _Struct, values: dict[str, Any]) -> tuple[list[str], list[str], bool]:
    """(attributes, children, whether ORDER merged lists) of a structure with attributes or lists
    ORDER may merge: the merged items go, sorted, where the first merged list belongs."""
    attrs = list(plan.attrs)
    children: list[str] = []
    merged: list[tuple[Any, str, str, _Struct | None, Any]] = []
    at = -1
    for entry in plan.members:
        if entry[1] == _GROUP:
            entry = next((e for e in entry[7] if values.get(e[0]) is not None), entry)
        name, kind, open_tag, close_tag, item_plan, item_open, item_close, _ = entry
        value = values.get(name) if kind != _GROUP else None
        if value is None:
            continue
        if kind == _ATTR:
            attrs.append(open_tag + quoteattr(_text(value)))
        elif kind == _FLAT and value and isinstance(value[0], dict) and ORDER in value[0]:
            if at < 0:
                at = len(children)
            merged.extend((item[ORDER], open_tag, close_tag, item_plan, item) for item in value)
        else:
            _write_member(children, kind, open_tag, close_tag, item_plan, item_open, item_close, value)
    if merged:
        written: list[str] = []
        for _, open_tag, close_tag, item_plan, item in sorted(merged, key=lambda entry: entry[0]):
            _write_item(written, open_tag, close_tag, item_plan, item)
        children[at:at] = written
    return attrs, children, bool(merged)


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
