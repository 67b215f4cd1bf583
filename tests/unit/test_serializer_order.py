"""serializer.ORDER: items of several flattened lists of one structure written interleaved."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser

from pytest_s3emu import model, serializer

WHEN = datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
XMLNS = "{" + model.S3_XMLNS + "}"


def _version(key: str, version: str, order: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"Key": key, "VersionId": version, "IsLatest": False, "LastModified": WHEN}
    if order is not None:
        entry[serializer.ORDER] = order
    return entry


def _result(ordered: bool) -> dict[str, Any]:
    def at(position: int) -> int | None:
        return position if ordered else None

    return {
        "Name": "b",
        "IsTruncated": False,
        "MaxKeys": 1000,
        "Versions": [_version("a", "v3", at(0)), _version("a", "v1", at(2)), _version("b", "v4", at(3))],
        "DeleteMarkers": [_version("a", "m2", at(1)), _version("c", "m5", at(4))],
        "CommonPrefixes": [{"Prefix": "p/"}],
    }


def _serialize(result: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    operation = model.operation("ListObjectVersions")
    status, headers, body = serializer.serialize(operation, result)
    document = b"".join(body)
    root = ET.fromstring(document)
    assert root.tag == XMLNS + "ListVersionsResult"
    tags = [
        child.tag.removeprefix(XMLNS) + ":" + (child.findtext(XMLNS + "VersionId") or "") for child in root
    ]
    response = {"status_code": status, "headers": HeadersDict(headers), "body": document}
    shape = operation.output_shape
    assert shape is not None
    parsed: dict[str, Any] = create_parser("rest-xml").parse(response, shape)
    return tags, parsed


def _is_entry(tag: str) -> bool:
    return tag.startswith(("Version:", "DeleteMarker:"))


def test_ordered_items_are_interleaved_in_place() -> None:
    tags, parsed = _serialize(_result(ordered=True))
    plain, _ = _serialize(_result(ordered=False))
    entries = [t for t in tags if _is_entry(t)]
    assert entries == ["Version:v3", "DeleteMarker:m2", "Version:v1", "Version:v4", "DeleteMarker:m5"]
    # in one run, where the model's Versions list is written; the other elements stay in place
    first = tags.index(entries[0])
    assert tags[first : first + len(entries)] == entries
    assert first == plain.index("Version:v3")
    assert [t for t in tags if not _is_entry(t)] == [t for t in plain if not _is_entry(t)]
    # botocore reads the same lists back (the order key is never written)
    assert [v["VersionId"] for v in parsed["Versions"]] == ["v3", "v1", "v4"]
    assert [m["VersionId"] for m in parsed["DeleteMarkers"]] == ["m2", "m5"]
    assert serializer.ORDER not in parsed["Versions"][0]
    assert parsed["CommonPrefixes"] == [{"Prefix": "p/"}]


def test_without_order_keys_lists_keep_model_order() -> None:
    tags, parsed = _serialize(_result(ordered=False))
    versions = [t for t in tags if _is_entry(t)]
    assert versions == ["Version:v3", "Version:v1", "Version:v4", "DeleteMarker:m2", "DeleteMarker:m5"]
    assert len(parsed["Versions"]) == 3
