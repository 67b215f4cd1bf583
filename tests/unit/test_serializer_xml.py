"""The serializer's XML emitter writes byte for byte what xmltodict.unparse wrote for the same result.

The oracle below is the serializer's former document builder: nested dicts in xmltodict's
conventions, written by ``xmltodict.unparse``. Results are generated from every output shape of
the model, with text that needs escaping, empty and missing lists, attributes and ORDER keys.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.model import Shape

from pytest_s3emu import model, serializer

_MERGED = object()


class _Ordered(dict[str, Any]):
    def __init__(self, children: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.children = children

    def items(self) -> Any:
        return [*super().items(), *self.children]


def _oracle_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return serializer.iso8601(value)
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    return str(value)


def _oracle_structure(shape: Shape, values: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {}
    merged: list[tuple[Any, str, Any]] = []
    namespace = shape.serialization.get("xmlNamespace")
    if namespace and namespace.get("prefix"):
        node["@xmlns:" + namespace["prefix"]] = namespace["uri"]
    for name, member in shape.members.items():  # type: ignore[attr-defined]  # StructureShape
        value = values.get(name)
        if value is None or member.serialization.get("location"):
            continue
        wire = member.serialization.get("name", name)
        flattened = bool(member.serialization.get("flattened"))
        if member.serialization.get("xmlAttribute"):
            node["@" + wire] = _oracle_text(value)
        elif flattened and value and isinstance(value[0], dict) and serializer.ORDER in value[0]:
            merged.extend((item[serializer.ORDER], wire, _oracle_node(member.member, item)) for item in value)
            node[wire] = _MERGED
        elif member.type_name == "list" and not flattened:
            item = member.member
            items = [_oracle_node(item, v) for v in value]
            node[wire] = {item.serialization.get("name", "member"): items} if items else None
        else:
            node[wire] = _oracle_node(member, value)
    if not merged:
        return node
    at = merged[0][1]
    ordered = [(wire, value) for _, wire, value in sorted(merged, key=lambda item: item[0])]
    children: list[tuple[str, Any]] = []
    for wire, value in node.items():
        if wire == at:
            children.extend(ordered)
        elif value is not _MERGED:
            children.append((wire, value))
    return _Ordered(children)


def _oracle_node(shape: Shape, value: Any) -> Any:
    if shape.type_name == "structure":
        return _oracle_structure(shape, value)
    if shape.type_name == "list":
        return [_oracle_node(shape.member, v) for v in value]  # type: ignore[attr-defined]  # ListShape
    return _oracle_text(value)


def _oracle_document(shape: Shape, root: str, values: dict[str, Any]) -> bytes:
    members = {n: m for n, m in shape.members.items() if not m.serialization.get("location")}  # type: ignore[attr-defined]
    if not members:
        return b""
    text_member = members.get(root)
    if text_member is not None and len(members) == 1 and text_member.type_name == "string":
        node: Any = {"@xmlns": model.S3_XMLNS, "#text": values.get(root) or ""}
    else:
        node = _oracle_structure(shape, values)
        node["@xmlns"] = model.S3_XMLNS
    return serializer.to_xml({root: node})


def _oracle(operation_name: str, result: dict[str, Any]) -> bytes:
    shape = model.operation(operation_name).output_shape
    assert shape is not None
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        value = result.get(payload)
        return _oracle_document(member, member.serialization.get("name", payload), value) if value else b""
    return _oracle_document(shape, model.ROOT_TAGS.get(shape.name, shape.name), result)


TEXTS = ["", " ", "plain", "a <&> b", "q\"uo'te", "tab\there\nnew\rline", "ü/ß €", "]]>", "&amp;"]
WHEN = datetime(2021, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)


def _value(shape: Shape, rng: random.Random, depth: int) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return {
            name: _value(member, rng, depth + 1)
            for name, member in shape.members.items()  # type: ignore[attr-defined]
            if rng.random() < 0.8
        }
    if kind == "list":
        items = [_value(shape.member, rng, depth + 1) for _ in range(rng.choice([0, 1, 2, 3]))]  # type: ignore[attr-defined]
        if items and isinstance(items[0], dict) and rng.random() < 0.4:
            for item in items:
                item[serializer.ORDER] = rng.randrange(10)
        return items
    if kind == "map":
        return {rng.choice(TEXTS).strip() + "k": rng.choice(TEXTS) for _ in range(rng.randrange(3))}
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("integer", "long"):
        return rng.randrange(-5, 10**12)
    if kind == "timestamp":
        return WHEN + timedelta(seconds=rng.randrange(10**6), microseconds=rng.randrange(10**6))
    if kind == "blob":
        return bytes(rng.randrange(256) for _ in range(rng.randrange(5)))
    return rng.choice(TEXTS)


def _document_operations() -> list[str]:
    names = []
    for operation in model.all_operations():
        shape = operation.output_shape
        if shape is None:
            continue
        payload = shape.serialization.get("payload")
        if payload and shape.members[payload].type_name != "structure":
            continue
        names.append(operation.name)
    return names


@pytest.mark.parametrize("name", _document_operations())
def test_documents_match_xmltodict(name: str) -> None:
    shape = model.operation(name).output_shape
    assert shape is not None
    rng = random.Random(name)
    for _ in range(25):
        result = _value(shape, rng, 0)
        expected = _oracle(name, result)
        _, _, body = serializer.serialize(model.operation(name), dict(result))
        assert b"".join(body) == expected


def test_get_bucket_location_text_root() -> None:
    for value in (None, "", "eu-west-1", "a<&>b"):
        result = {"LocationConstraint": value}
        _, _, body = serializer.serialize(model.operation("GetBucketLocation"), dict(result))
        assert b"".join(body) == _oracle("GetBucketLocation", result)
