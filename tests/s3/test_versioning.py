"""Versioning end to end: bucket state, version ids, the null version, delete markers, reads,
deletes, copies and sub-resources by version id, ListObjectVersions and its paginator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError
from rawhttp import XMLNS

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _headers(excinfo: pytest.ExceptionInfo[ClientError]) -> dict[str, str]:
    response: Any = excinfo.value.response
    headers: dict[str, str] = response["ResponseMetadata"]["HTTPHeaders"]
    return headers


def _enable(s3: S3Client, bucket: str, status: str = "Enabled") -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})  # type: ignore[typeddict-item]  # status is a plain str here


def _body(s3: S3Client, bucket: str, key: str, version: str | None = None) -> bytes:
    extra: Any = {"VersionId": version} if version is not None else {}
    return s3.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()


def _history(s3: S3Client, bucket: str, **kwargs: Any) -> list[tuple[str, str, bool, bool]]:
    """(key, version id, is latest, is delete marker) of every version, in S3's order."""
    response = s3.list_object_versions(Bucket=bucket, **kwargs)
    entries: list[tuple[Any, bool]] = [(v, False) for v in response.get("Versions", [])]
    entries += [(m, True) for m in response.get("DeleteMarkers", [])]
    order = {(e["Key"], e["VersionId"]): i for i, (e, _) in enumerate(_raw_order(s3, bucket, **kwargs))}
    entries.sort(key=lambda pair: order[(pair[0]["Key"], pair[0]["VersionId"])])
    return [(e["Key"], e["VersionId"], e["IsLatest"], marker) for e, marker in entries]


def _raw_order(s3: S3Client, bucket: str, **kwargs: Any) -> list[tuple[dict[str, str], str]]:
    """The Version and DeleteMarker elements of the raw ListVersionsResult, in document order."""
    captured: list[bytes] = []

    def keep(http_response: Any, **_: Any) -> None:
        captured.append(http_response.content)

    s3.meta.events.register("after-call.s3.ListObjectVersions", keep)
    try:
        s3.list_object_versions(Bucket=bucket, **kwargs)
    finally:
        s3.meta.events.unregister("after-call.s3.ListObjectVersions", keep)
    root = ElementTree.fromstring(captured[0])
    found = []
    for element in root:
        tag = element.tag.removeprefix(XMLNS)
        if tag in ("Version", "DeleteMarker"):
            found.append(({c.tag.removeprefix(XMLNS): c.text or "" for c in element}, tag))
    return found


# --- bucket state ------------------------------------------------------------------------------------


def test_never_versioned_bucket_has_no_status(s3: S3Client, s3_bucket: str) -> None:
    response = s3.get_bucket_versioning(Bucket=s3_bucket)
    assert "Status" not in response
    assert "MFADelete" not in response


def test_enable_and_suspend(s3: S3Client, s3_bucket: str) -> None:
    s3.put_bucket_versioning(
        Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Disabled"}
    )
    response = s3.get_bucket_versioning(Bucket=s3_bucket)
    assert (response["Status"], response["MFADelete"]) == ("Enabled", "Disabled")
    _enable(s3, s3_bucket, "Suspended")
    assert s3.get_bucket_versioning(Bucket=s3_bucket)["Status"] == "Suspended"
    # a configuration without Status leaves the state as it is: no way back to unversioned
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={})
    assert s3.get_bucket_versioning(Bucket=s3_bucket)["Status"] == "Suspended"


def test_unknown_status_is_malformed(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        _enable(s3, s3_bucket, "Disabled")
    assert _error(excinfo) == ("MalformedXML", 400)
    assert "Status" not in s3.get_bucket_versioning(Bucket=s3_bucket)


def test_versioning_of_missing_bucket(s3: S3Client, bucket_name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_versioning(Bucket=bucket_name)
    assert _error(excinfo) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as excinfo:
        _enable(s3, bucket_name)
    assert _error(excinfo) == ("NoSuchBucket", 404)


# --- version ids and the null version ----------------------------------------------------------------


def test_every_write_gets_a_version_id(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    first = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"two")["VersionId"]
    assert first != second
    assert "null" not in (first, second)
    assert _body(s3, s3_bucket, "k") == b"two"
    assert _body(s3, s3_bucket, "k", first) == b"one"
    assert s3.head_object(Bucket=s3_bucket, Key="k")["VersionId"] == second
    head = s3.head_object(Bucket=s3_bucket, Key="k", VersionId=first)
    assert (head["VersionId"], head["ContentLength"]) == (first, 3)
    assert s3.get_object(Bucket=s3_bucket, Key="k", VersionId=first)["VersionId"] == first
    # the current listing shows the newest version only
    listed = s3.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("k", 3)]


def test_unversioned_bucket_names_no_version(s3: S3Client, s3_bucket: str) -> None:
    assert "VersionId" not in s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    assert "VersionId" not in s3.head_object(Bucket=s3_bucket, Key="k")
    assert _body(s3, s3_bucket, "k", "null") == b"x"
    assert _history(s3, s3_bucket) == [("k", "null", True, False)]


def test_null_version_kept_when_versioning_is_enabled(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"before")
    _enable(s3, s3_bucket)
    after = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"after")["VersionId"]
    assert _history(s3, s3_bucket) == [("k", after, True, False), ("k", "null", False, False)]
    assert _body(s3, s3_bucket, "k", "null") == b"before"
    assert s3.head_object(Bucket=s3_bucket, Key="k", VersionId="null")["VersionId"] == "null"


def test_suspended_bucket_replaces_the_null_version(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    kept = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"kept")["VersionId"]
    _enable(s3, s3_bucket, "Suspended")
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"a")
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"b")
    assert _history(s3, s3_bucket) == [("k", "null", True, False), ("k", kept, False, False)]
    assert _body(s3, s3_bucket, "k", "null") == b"b"
    # enabled again: new ids, the null version stays where it was
    _enable(s3, s3_bucket)
    newest = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"c")["VersionId"]
    assert [v for _, v, _, _ in _history(s3, s3_bucket)] == [newest, "null", kept]


# --- delete markers ----------------------------------------------------------------------------------


def test_delete_creates_a_delete_marker(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    version = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")["VersionId"]
    deleted = s3.delete_object(Bucket=s3_bucket, Key="k")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    assert marker not in (version, "null")
    for read in (s3.get_object, s3.head_object):
        with pytest.raises(ClientError) as excinfo:
            read(Bucket=s3_bucket, Key="k")
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert _headers(excinfo)["x-amz-delete-marker"] == "true"
        assert _headers(excinfo)["x-amz-version-id"] == marker
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="k")
    assert _error(excinfo) == ("NoSuchKey", 404)
    assert "Contents" not in s3.list_objects_v2(Bucket=s3_bucket)
    assert _history(s3, s3_bucket) == [("k", marker, True, True), ("k", version, False, False)]
    assert _body(s3, s3_bucket, "k", version) == b"x"  # the old version is still there


def test_delete_of_a_missing_key_still_adds_a_marker(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    deleted = s3.delete_object(Bucket=s3_bucket, Key="never")
    assert deleted["DeleteMarker"] is True
    assert _history(s3, s3_bucket) == [("never", deleted["VersionId"], True, True)]


def test_reading_a_delete_marker_by_version_is_not_allowed(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=s3_bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="k", VersionId=marker)
    assert _error(excinfo) == ("MethodNotAllowed", 405)
    assert _headers(excinfo)["x-amz-delete-marker"] == "true"
    assert _headers(excinfo)["allow"] == "DELETE"
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=s3_bucket, Key="k", VersionId=marker)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405


def test_deleting_the_marker_brings_the_object_back(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    version = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"back")["VersionId"]
    marker = s3.delete_object(Bucket=s3_bucket, Key="k")["VersionId"]
    removed = s3.delete_object(Bucket=s3_bucket, Key="k", VersionId=marker)
    assert (removed["VersionId"], removed["DeleteMarker"]) == (marker, True)
    assert _body(s3, s3_bucket, "k") == b"back"
    assert _history(s3, s3_bucket) == [("k", version, True, False)]


def test_delete_by_version_id_is_for_good(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"new")["VersionId"]
    removed = s3.delete_object(Bucket=s3_bucket, Key="k", VersionId=new)
    assert removed["VersionId"] == new
    assert "DeleteMarker" not in removed
    assert _body(s3, s3_bucket, "k") == b"old"  # the previous version is current again
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="k", VersionId=new)
    assert _error(excinfo) == ("NoSuchVersion", 404)
    s3.delete_object(Bucket=s3_bucket, Key="k", VersionId=old)
    assert "Versions" not in s3.list_object_versions(Bucket=s3_bucket)


def test_suspended_delete_makes_the_null_marker(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    kept = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"kept")["VersionId"]
    _enable(s3, s3_bucket, "Suspended")
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"null version")
    deleted = s3.delete_object(Bucket=s3_bucket, Key="k")
    assert (deleted["VersionId"], deleted["DeleteMarker"]) == ("null", True)
    # the null delete marker took the null version's place
    assert _history(s3, s3_bucket) == [("k", "null", True, True), ("k", kept, False, False)]


def test_unknown_and_malformed_version_ids(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    version = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")["VersionId"]
    unknown = "0" * len(version) if version != "0" * len(version) else "1" * len(version)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="k", VersionId=unknown)
    assert _error(excinfo) == ("NoSuchVersion", 404)
    for bad in ("not-a-version", ""):
        with pytest.raises(ClientError) as excinfo:
            s3.get_object(Bucket=s3_bucket, Key="k", VersionId=bad)
        assert _error(excinfo) == ("InvalidArgument", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=s3_bucket, Key="k", VersionId=unknown)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    # deleting a version that is not there succeeds
    assert s3.delete_object(Bucket=s3_bucket, Key="k", VersionId=unknown)["VersionId"] == unknown
    assert _body(s3, s3_bucket, "k") == b"x"


def test_bucket_not_empty_while_versions_or_markers_remain(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    version = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")["VersionId"]
    marker = s3.delete_object(Bucket=s3_bucket, Key="k")["VersionId"]
    for remaining in (version, marker):
        with pytest.raises(ClientError) as excinfo:
            s3.delete_bucket(Bucket=s3_bucket)
        assert _error(excinfo) == ("BucketNotEmpty", 409)
        s3.delete_object(Bucket=s3_bucket, Key="k", VersionId=remaining)
    s3.delete_bucket(Bucket=s3_bucket)
    assert s3_bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


# --- DeleteObjects -----------------------------------------------------------------------------------


def test_delete_objects_with_versions_and_markers(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    a = s3.put_object(Bucket=s3_bucket, Key="a", Body=b"a")["VersionId"]
    b = s3.put_object(Bucket=s3_bucket, Key="b", Body=b"b")["VersionId"]
    s3.put_object(Bucket=s3_bucket, Key="c", Body=b"c")
    c_marker = s3.delete_object(Bucket=s3_bucket, Key="c")["VersionId"]
    objects: Any = [{"Key": "a"}, {"Key": "b", "VersionId": b}, {"Key": "c", "VersionId": c_marker}]
    response = s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": objects})
    assert "Errors" not in response
    deleted = {d["Key"]: d for d in response["Deleted"]}
    assert deleted["a"]["DeleteMarker"] is True
    a_marker = deleted["a"]["DeleteMarkerVersionId"]
    assert a_marker not in (a, "null")
    assert "VersionId" not in deleted["a"]
    assert deleted["b"] == {"Key": "b", "VersionId": b}
    assert deleted["c"] == {
        "Key": "c",
        "VersionId": c_marker,
        "DeleteMarker": True,
        "DeleteMarkerVersionId": c_marker,
    }
    history = _history(s3, s3_bucket)
    assert history[:2] == [("a", a_marker, True, True), ("a", a, False, False)]
    assert [(k, latest, marker) for k, _, latest, marker in history[2:]] == [("c", True, False)]
    assert [k["Key"] for k in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]] == ["c"]


def test_delete_objects_malformed_version_is_a_key_error(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    s3.put_object(Bucket=s3_bucket, Key="a", Body=b"a")
    objects: Any = [{"Key": "a", "VersionId": "not-a-version"}]
    response = s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": objects})
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [(e["Key"], e["VersionId"]) for e in response["Errors"]] == [("a", "not-a-version")]
    assert _body(s3, s3_bucket, "a") == b"a"


# --- copies and sub-resources by version id --------------------------------------------------------


def test_copy_from_a_specific_version(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    old = s3.put_object(Bucket=s3_bucket, Key="src", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=s3_bucket, Key="src", Body=b"new")["VersionId"]
    copied = s3.copy_object(
        Bucket=s3_bucket, Key="dst", CopySource={"Bucket": s3_bucket, "Key": "src", "VersionId": old}
    )
    assert copied["CopySourceVersionId"] == old
    assert copied["VersionId"] not in (old, new, "null")
    assert _body(s3, s3_bucket, "dst") == b"old"
    latest = s3.copy_object(Bucket=s3_bucket, Key="dst2", CopySource={"Bucket": s3_bucket, "Key": "src"})
    assert latest["CopySourceVersionId"] == new
    assert _body(s3, s3_bucket, "dst2") == b"new"


def test_copy_from_a_delete_marker(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"x")
    marker = s3.delete_object(Bucket=s3_bucket, Key="src")["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource={"Bucket": s3_bucket, "Key": "src"})
    assert _error(excinfo) == ("NoSuchKey", 404)
    assert _headers(excinfo)["x-amz-delete-marker"] == "true"
    source: Any = {"Bucket": s3_bucket, "Key": "src", "VersionId": marker}
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=source)
    assert _error(excinfo) == ("InvalidRequest", 400)
    source["VersionId"] = ""
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=source)
    assert _error(excinfo) == ("InvalidArgument", 400)


def test_tagging_by_version_id(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"1", Tagging="v=old")["VersionId"]
    new = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"2")["VersionId"]
    tagged = s3.put_object_tagging(
        Bucket=s3_bucket, Key="k", VersionId=old, Tagging={"TagSet": [{"Key": "v", "Value": "changed"}]}
    )
    assert tagged["VersionId"] == old
    response = s3.get_object_tagging(Bucket=s3_bucket, Key="k", VersionId=old)
    assert (response["VersionId"], response["TagSet"]) == (old, [{"Key": "v", "Value": "changed"}])
    current = s3.get_object_tagging(Bucket=s3_bucket, Key="k")
    assert (current["VersionId"], current["TagSet"]) == (new, [])
    assert s3.delete_object_tagging(Bucket=s3_bucket, Key="k", VersionId=old)["VersionId"] == old
    assert s3.get_object_tagging(Bucket=s3_bucket, Key="k", VersionId=old)["TagSet"] == []
    marker = s3.delete_object(Bucket=s3_bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_tagging(Bucket=s3_bucket, Key="k", VersionId=marker)
    assert _error(excinfo) == ("MethodNotAllowed", 405)


def test_attributes_by_version_id(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"12345")["VersionId"]
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"1")
    response = s3.get_object_attributes(
        Bucket=s3_bucket, Key="k", VersionId=old, ObjectAttributes=["ObjectSize", "ETag"]
    )
    assert (response["VersionId"], response["ObjectSize"]) == (old, 5)
    s3.delete_object(Bucket=s3_bucket, Key="k")
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=s3_bucket, Key="k", ObjectAttributes=["ObjectSize"])
    assert _error(excinfo) == ("NoSuchKey", 404)
    assert (
        s3.get_object_attributes(Bucket=s3_bucket, Key="k", VersionId=old, ObjectAttributes=["ObjectSize"])[
            "ObjectSize"
        ]
        == 5
    )


# --- ListObjectVersions ------------------------------------------------------------------------------


def _populate(s3: S3Client, bucket: str) -> dict[str, list[tuple[str, bool]]]:
    """Keys with versions and delete markers in between; returns each key's (id, marker) newest first."""
    _enable(s3, bucket)
    made: dict[str, list[tuple[str, bool]]] = {}
    plan = ["a", "b/1", "a", "b/2", "c", "a", "b/1", "d/x/1", "c"]
    for step, key in enumerate(plan):
        if step % 4 == 3 or (key == "c" and key in made):
            version = s3.delete_object(Bucket=bucket, Key=key)["VersionId"]
            made.setdefault(key, []).insert(0, (version, True))
        else:
            version = s3.put_object(Bucket=bucket, Key=key, Body=f"{step}".encode())["VersionId"]
            made.setdefault(key, []).insert(0, (version, False))
    return made


def test_versions_and_markers_come_newest_first_per_key(s3: S3Client, s3_bucket: str) -> None:
    made = _populate(s3, s3_bucket)
    expected = [
        (key, version, index == 0, marker)
        for key in sorted(made)
        for index, (version, marker) in enumerate(made[key])
    ]
    assert _history(s3, s3_bucket) == expected
    # the XML itself interleaves <Version> and <DeleteMarker> in that order, as S3 writes it
    raw = [
        (entry["Key"], entry["VersionId"], tag == "DeleteMarker") for entry, tag in _raw_order(s3, s3_bucket)
    ]
    assert raw == [(key, version, marker) for key, version, _, marker in expected]
    assert any(marker for *_, marker in expected) and not all(marker for *_, marker in expected)


def test_list_versions_prefix_and_delimiter(s3: S3Client, s3_bucket: str) -> None:
    made = _populate(s3, s3_bucket)
    response = s3.list_object_versions(Bucket=s3_bucket, Prefix="b/")
    keys = sorted({v["Key"] for v in response.get("Versions", []) + response.get("DeleteMarkers", [])})
    assert keys == ["b/1", "b/2"]
    response = s3.list_object_versions(Bucket=s3_bucket, Delimiter="/")
    assert [p["Prefix"] for p in response["CommonPrefixes"]] == ["b/", "d/"]
    listed = response.get("Versions", []) + response.get("DeleteMarkers", [])
    assert len(listed) == len(made["a"]) + len(made["c"])
    response = s3.list_object_versions(Bucket=s3_bucket, Prefix="d/", Delimiter="/")
    assert [p["Prefix"] for p in response["CommonPrefixes"]] == ["d/x/"]
    assert "Versions" not in response


def test_key_marker_and_version_id_marker(s3: S3Client, s3_bucket: str) -> None:
    made = _populate(s3, s3_bucket)
    first = s3.list_object_versions(Bucket=s3_bucket, MaxKeys=2)
    assert first["IsTruncated"] is True
    assert (first["NextKeyMarker"], first["NextVersionIdMarker"]) == ("a", made["a"][1][0])
    rest = s3.list_object_versions(
        Bucket=s3_bucket, KeyMarker="a", VersionIdMarker=first["NextVersionIdMarker"], MaxKeys=1
    )
    assert (rest["KeyMarker"], rest["VersionIdMarker"]) == ("a", made["a"][1][0])
    listed = rest.get("Versions", []) + rest.get("DeleteMarkers", [])
    assert [(v["Key"], v["VersionId"]) for v in listed] == [("a", made["a"][2][0])]
    # a key marker alone starts after every version of that key
    after = s3.list_object_versions(Bucket=s3_bucket, KeyMarker="a")
    keys = {v["Key"] for v in after.get("Versions", []) + after.get("DeleteMarkers", [])}
    assert "a" not in keys and "b/1" in keys


def test_version_id_marker_needs_a_key_marker(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.list_object_versions(Bucket=s3_bucket, VersionIdMarker="null")
    assert _error(excinfo) == ("InvalidArgument", 400)


@pytest.mark.parametrize("delimiter", [None, "/"])
def test_paginator_lists_every_version_once(s3: S3Client, s3_bucket: str, delimiter: str | None) -> None:
    made = _populate(s3, s3_bucket)
    for key in ("e/1", "e/2", "f"):
        s3.put_object(Bucket=s3_bucket, Key=key, Body=b"x")
        made.setdefault(key, []).insert(
            0, (s3.put_object(Bucket=s3_bucket, Key=key, Body=b"y")["VersionId"], False)
        )
    extra: Any = {"Delimiter": delimiter} if delimiter else {}
    seen: list[tuple[str, str]] = []
    prefixes: list[str] = []
    pages = 0
    for page in s3.get_paginator("list_object_versions").paginate(
        Bucket=s3_bucket, PaginationConfig={"PageSize": 2}, **extra
    ):
        pages += 1
        entries = page.get("Versions", []) + page.get("DeleteMarkers", [])
        assert len(entries) + len(page.get("CommonPrefixes", [])) <= 2
        seen += [(v["Key"], v["VersionId"]) for v in entries]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    all_versions = s3.list_object_versions(Bucket=s3_bucket)
    total = len(all_versions.get("Versions", [])) + len(all_versions.get("DeleteMarkers", []))
    assert len(seen) == len(set(seen))
    if delimiter is None:
        assert len(seen) == total
        assert prefixes == []
        assert sorted(seen) == sorted(
            (v["Key"], v["VersionId"]) for v in all_versions["Versions"] + all_versions["DeleteMarkers"]
        )
    else:
        assert prefixes == ["b/", "d/", "e/"]
        assert {k for k, _ in seen} == {"a", "c", "f"}
        assert len(seen) == len(made["a"]) + len(made["c"]) + 2
    assert pages > 3


def test_acl_by_version_id(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"1")["VersionId"]
    assert "Owner" in s3.get_object_acl(Bucket=s3_bucket, Key="k", VersionId=old)
    marker = s3.delete_object(Bucket=s3_bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_acl(Bucket=s3_bucket, Key="k", VersionId=marker)
    assert _error(excinfo) == ("MethodNotAllowed", 405)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_acl(Bucket=s3_bucket, Key="k")
    assert _error(excinfo) == ("NoSuchKey", 404)


def test_copying_an_old_version_onto_its_key_restores_it(s3: S3Client, s3_bucket: str) -> None:
    # the AWS user guide's way to restore a previous version ("Restoring previous versions")
    _enable(s3, s3_bucket)
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"new")["VersionId"]
    restored = s3.copy_object(
        Bucket=s3_bucket, Key="k", CopySource={"Bucket": s3_bucket, "Key": "k", "VersionId": old}
    )
    assert restored["CopySourceVersionId"] == old
    assert restored["VersionId"] not in (old, new)
    assert _body(s3, s3_bucket, "k") == b"old"
    versions = s3.list_object_versions(Bucket=s3_bucket, Prefix="k")["Versions"]
    assert [v["VersionId"] for v in versions] == [restored["VersionId"], new, old]


def test_copying_the_current_version_onto_itself_is_still_refused(s3: S3Client, s3_bucket: str) -> None:
    _enable(s3, s3_bucket)
    current = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")["VersionId"]
    for source in (
        {"Bucket": s3_bucket, "Key": "k"},
        {"Bucket": s3_bucket, "Key": "k", "VersionId": current},
    ):
        with pytest.raises(ClientError) as excinfo:
            s3.copy_object(Bucket=s3_bucket, Key="k", CopySource=source, MetadataDirective="COPY")
        assert _error(excinfo) == ("InvalidRequest", 400)


@pytest.mark.parametrize("status", [None, "Enabled"])
def test_delete_objects_reports_an_unknown_version(s3: S3Client, s3_bucket: str, status: str | None) -> None:
    # AWS answers NoSuchVersion per key here, where DeleteObject answers InvalidArgument
    if status:
        _enable(s3, s3_bucket, status)
    s3.put_object(Bucket=s3_bucket, Key="a", Body=b"a")
    unknown = "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD"
    objects: Any = [{"Key": "a", "VersionId": unknown}, {"Key": "b", "VersionId": "0" * 32}]
    response = s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": objects})
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Deleted" not in response
    errors = [(e["Key"], e["VersionId"], e["Code"], e["Message"]) for e in response["Errors"]]
    assert errors == [
        ("a", unknown, "NoSuchVersion", "The specified version does not exist."),
        ("b", "0" * 32, "NoSuchVersion", "The specified version does not exist."),
    ]
    assert _body(s3, s3_bucket, "a") == b"a"
