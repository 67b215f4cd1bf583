"""ListObjects and ListObjectsV2 end to end: prefix, delimiters, markers, tokens, encoding, pagination."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError
from rawhttp import XMLNS, send

from pytest_s3emu.blobs import MemoryBlob
from pytest_s3emu.server import S3Emulator
from pytest_s3emu.store import ObjectVersion

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

EMPTY_ETAG = '"d41d8cd98f00b204e9800998ecf8427e"'


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _fill(s3emu: S3Emulator, bucket: str, keys: list[str]) -> None:
    """Put empty objects straight into the store: thousands of PUTs over HTTP would be slow."""
    for key in keys:
        s3emu.app.store.put_object(bucket, ObjectVersion(key=key, blob=MemoryBlob(b""), etag=EMPTY_ETAG))


def _put(s3: S3Client, bucket: str, keys: list[str]) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")


def _keys(page: Any) -> list[str]:
    return [item["Key"] for item in page.get("Contents", [])]


def _prefixes(page: Any) -> list[str]:
    return [item["Prefix"] for item in page.get("CommonPrefixes", [])]


def _utf8_sorted(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda key: key.encode("utf-8"))


# --- basics ------------------------------------------------------------------------------------


def test_empty_bucket_lists_nothing(s3: S3Client, s3_bucket: str) -> None:
    v2 = s3.list_objects_v2(Bucket=s3_bucket)
    assert v2["KeyCount"] == 0
    assert v2["IsTruncated"] is False
    assert "Contents" not in v2
    assert v2["MaxKeys"] == 1000
    assert v2["Name"] == s3_bucket
    v1 = s3.list_objects(Bucket=s3_bucket)
    assert v1["IsTruncated"] is False
    assert "Contents" not in v1


def test_listing_entries_describe_the_objects(s3: S3Client, s3_bucket: str) -> None:
    put = s3.put_object(Bucket=s3_bucket, Key="doc.txt", Body=b"twelve bytes")
    (entry,) = s3.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert entry["Key"] == "doc.txt"
    assert entry["ETag"] == put["ETag"]
    assert entry["Size"] == 12
    assert entry["StorageClass"] == "STANDARD"
    assert entry["LastModified"] == s3.head_object(Bucket=s3_bucket, Key="doc.txt")["LastModified"]


def test_missing_bucket(s3: S3Client, bucket_name: str) -> None:
    for call in (s3.list_objects, s3.list_objects_v2):
        with pytest.raises(ClientError) as excinfo:
            call(Bucket=bucket_name)
        assert _error(excinfo) == ("NoSuchBucket", 404)


def test_keys_come_in_utf8_binary_order(s3: S3Client, s3_bucket: str) -> None:
    keys = ["a", "Z", "b", "é", "ÿ", "€", "\ue000", "𝄞", "a/b", "a0", "~", " lead", "日本"]
    _put(s3, s3_bucket, keys)
    expected = _utf8_sorted(keys)
    assert expected[-1] == "𝄞"  # 4-byte UTF-8 sorts after the BMP private use area (UTF-16 would not)
    assert _keys(s3.list_objects_v2(Bucket=s3_bucket)) == expected
    assert _keys(s3.list_objects(Bucket=s3_bucket)) == expected
    paginator = s3.get_paginator("list_objects_v2")
    paged = [
        key
        for page in paginator.paginate(Bucket=s3_bucket, PaginationConfig={"PageSize": 2})
        for key in _keys(page)
    ]
    assert paged == expected


def test_prefix_filters(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["photos/a.jpg", "photos/b.jpg", "photos2/c.jpg", "video/d.mp4", "photo"])
    v2 = s3.list_objects_v2(Bucket=s3_bucket, Prefix="photos/")
    assert _keys(v2) == ["photos/a.jpg", "photos/b.jpg"]
    assert v2["Prefix"] == "photos/"
    assert v2["KeyCount"] == 2
    assert _keys(s3.list_objects(Bucket=s3_bucket, Prefix="photo")) == [
        "photo",
        "photos/a.jpg",
        "photos/b.jpg",
        "photos2/c.jpg",
    ]
    assert _keys(s3.list_objects_v2(Bucket=s3_bucket, Prefix="nothing")) == []


# --- delimiters --------------------------------------------------------------------------------


def test_delimiter_groups_common_prefixes(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a/1", "a/2", "a/b/3", "b/4", "c", "d/"])
    v2 = s3.list_objects_v2(Bucket=s3_bucket, Delimiter="/")
    assert _keys(v2) == ["c"]
    assert _prefixes(v2) == ["a/", "b/", "d/"]
    assert v2["KeyCount"] == 4  # keys and common prefixes both count
    assert v2["Delimiter"] == "/"
    v1 = s3.list_objects(Bucket=s3_bucket, Delimiter="/")
    assert _keys(v1) == ["c"]
    assert _prefixes(v1) == ["a/", "b/", "d/"]


def test_delimiter_with_prefix(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a/1", "a/2", "a/b/3", "a/b/4", "a/c/5", "a/", "b/6"])
    page = s3.list_objects_v2(Bucket=s3_bucket, Prefix="a/", Delimiter="/")
    # the key equal to the prefix is an object: the delimiter is looked for after the prefix only
    assert _keys(page) == ["a/", "a/1", "a/2"]
    assert _prefixes(page) == ["a/b/", "a/c/"]
    assert page["Prefix"] == "a/"


def test_multi_character_delimiter(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["x--y--z", "x--w", "x-y", "q--", "plain", "x--y--zz"])
    page = s3.list_objects_v2(Bucket=s3_bucket, Delimiter="--")
    assert _prefixes(page) == ["q--", "x--"]
    assert _keys(page) == ["plain", "x-y"]
    nested = s3.list_objects_v2(Bucket=s3_bucket, Prefix="x--", Delimiter="--")
    assert _prefixes(nested) == ["x--y--"]
    assert _keys(nested) == ["x--w"]
    # any string is a delimiter, even one that is not a separator at all
    odd = s3.list_objects(Bucket=s3_bucket, Delimiter="y")
    assert _prefixes(odd) == ["x--y", "x-y"]
    assert _keys(odd) == ["plain", "q--", "x--w"]


def test_delimiter_pages_never_repeat_a_common_prefix(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a/1", "a/2", "a/3", "b", "c/1", "c/2", "d"])
    first = s3.list_objects_v2(Bucket=s3_bucket, Delimiter="/", MaxKeys=1)
    assert _prefixes(first) == ["a/"]
    assert first["IsTruncated"] is True
    second = s3.list_objects_v2(
        Bucket=s3_bucket, Delimiter="/", MaxKeys=2, ContinuationToken=first["NextContinuationToken"]
    )
    assert _keys(second) == ["b"]
    assert _prefixes(second) == ["c/"]
    third = s3.list_objects_v2(
        Bucket=s3_bucket, Delimiter="/", MaxKeys=2, ContinuationToken=second["NextContinuationToken"]
    )
    assert _keys(third) == ["d"]
    assert "CommonPrefixes" not in third
    assert third["IsTruncated"] is False
    assert "NextContinuationToken" not in third


# --- ListObjects (v1) markers --------------------------------------------------------------------


def test_v1_next_marker_only_with_a_delimiter(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a", "b", "c/1", "c/2", "d"])
    plain = s3.list_objects(Bucket=s3_bucket, MaxKeys=2)
    assert _keys(plain) == ["a", "b"]
    assert plain["IsTruncated"] is True
    assert "NextMarker" not in plain  # clients continue from the last key
    grouped = s3.list_objects(Bucket=s3_bucket, MaxKeys=3, Delimiter="/")
    assert _keys(grouped) == ["a", "b"]
    assert _prefixes(grouped) == ["c/"]
    assert grouped["IsTruncated"] is True
    assert grouped["NextMarker"] == "c/"
    rest = s3.list_objects(Bucket=s3_bucket, Delimiter="/", Marker=grouped["NextMarker"])
    assert _keys(rest) == ["d"]
    assert "CommonPrefixes" not in rest
    assert rest["Marker"] == "c/"
    assert rest["IsTruncated"] is False
    assert "NextMarker" not in rest


def test_v1_marker_is_exclusive_and_need_not_exist(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a", "b", "c", "d"])
    assert _keys(s3.list_objects(Bucket=s3_bucket, Marker="b")) == ["c", "d"]
    assert _keys(s3.list_objects(Bucket=s3_bucket, Marker="bb")) == ["c", "d"]
    assert _keys(s3.list_objects(Bucket=s3_bucket, Marker="z")) == []


def test_v1_owner_is_always_listed(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["k"])
    (entry,) = s3.list_objects(Bucket=s3_bucket)["Contents"]
    assert entry["Owner"]["ID"]


# --- ListObjectsV2 tokens and options ----------------------------------------------------------


def test_v2_start_after(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a", "b", "c", "d/1", "d/2"])
    page = s3.list_objects_v2(Bucket=s3_bucket, StartAfter="b")
    assert _keys(page) == ["c", "d/1", "d/2"]
    assert page["StartAfter"] == "b"
    assert _keys(s3.list_objects_v2(Bucket=s3_bucket, StartAfter="d/1")) == ["d/2"]
    # a StartAfter inside a common prefix still reports that prefix for the keys after it
    grouped = s3.list_objects_v2(Bucket=s3_bucket, StartAfter="d/1", Delimiter="/")
    assert _prefixes(grouped) == ["d/"]
    empty = s3.list_objects_v2(Bucket=s3_bucket, StartAfter="zzz")
    assert empty["KeyCount"] == 0
    assert empty["IsTruncated"] is False


def test_v2_start_after_a_deeper_path_keeps_its_common_prefix(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a/b/", "a/b/c", "b"])
    page = s3.list_objects_v2(Bucket=s3_bucket, StartAfter="a/b/", Delimiter="/")
    # "a/b/c" comes after "a/b/" and rolls up into "a/"; "a/b/" is no common prefix of this listing
    assert _prefixes(page) == ["a/"]
    assert _keys(page) == ["b"]


def test_v2_continuation_token_wins_over_start_after(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a", "b", "c", "d"])
    first = s3.list_objects_v2(Bucket=s3_bucket, MaxKeys=1, StartAfter="a")
    assert _keys(first) == ["b"]
    token = first["NextContinuationToken"]
    second = s3.list_objects_v2(Bucket=s3_bucket, StartAfter="a", ContinuationToken=token)
    assert _keys(second) == ["c", "d"]
    assert second["ContinuationToken"] == token
    assert second["StartAfter"] == "a"


def test_v2_invalid_continuation_token(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.list_objects_v2(Bucket=s3_bucket, ContinuationToken="!!not a token!!")
    assert _error(excinfo) == ("InvalidArgument", 400)


def test_v2_fetch_owner(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["k"])
    (plain,) = s3.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert "Owner" not in plain
    (owned,) = s3.list_objects_v2(Bucket=s3_bucket, FetchOwner=True)["Contents"]
    assert owned["Owner"]["ID"]


def test_max_keys_zero(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a", "b"])
    v2 = s3.list_objects_v2(Bucket=s3_bucket, MaxKeys=0)
    assert v2["KeyCount"] == 0
    assert "Contents" not in v2
    assert v2["MaxKeys"] == 0
    # as ceph/s3-tests' test_bucket_list_maxkeys_zero expects of AWS: nothing, and not truncated
    assert v2["IsTruncated"] is False
    assert "NextContinuationToken" not in v2
    v1 = s3.list_objects(Bucket=s3_bucket, MaxKeys=0)
    assert "Contents" not in v1
    assert v1["IsTruncated"] is False


def test_max_keys_above_1000_is_clamped(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _fill(s3emu, s3_bucket, [f"k{i:04d}" for i in range(1005)])
    for call in (s3.list_objects_v2, s3.list_objects):
        page = call(Bucket=s3_bucket, MaxKeys=5000)
        assert len(page["Contents"]) == 1000
        assert page["IsTruncated"] is True
    rest = s3.list_objects_v2(Bucket=s3_bucket, StartAfter="k0999", MaxKeys=5000)
    assert _keys(rest) == [f"k{i:04d}" for i in range(1000, 1005)]


@pytest.mark.http_only  # hand-made requests only
def test_negative_max_keys(s3emu: S3Emulator, s3_bucket: str) -> None:
    response = send(s3emu, "GET", f"/{s3_bucket}?list-type=2&max-keys=-1")
    assert response.status == 400
    assert response.error()["Code"] == "InvalidArgument"


# --- encoding-type=url ---------------------------------------------------------------------------

AWKWARD_KEYS = [
    "with space",
    "plus+sign",
    "per%cent",
    "per%25cent",
    "amp&er",
    "q?mark",
    "hash#tag",
    "tilde~",
    "star*",
    "ctl\x01char",
    "dir with space/file+1",
    "ünï/cødé",
]


def test_awkward_keys_round_trip_through_botocore(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, AWKWARD_KEYS)
    expected = _utf8_sorted(AWKWARD_KEYS)
    assert _keys(s3.list_objects_v2(Bucket=s3_bucket)) == expected  # botocore sends encoding-type=url
    assert _keys(s3.list_objects(Bucket=s3_bucket)) == expected
    grouped = s3.list_objects_v2(Bucket=s3_bucket, Delimiter="/", Prefix="dir with space/")
    assert _keys(grouped) == ["dir with space/file+1"]
    assert grouped["Prefix"] == "dir with space/"
    top = s3.list_objects_v2(Bucket=s3_bucket, Delimiter="/")
    assert _prefixes(top) == ["dir with space/", "ünï/"]
    after = s3.list_objects_v2(Bucket=s3_bucket, StartAfter="per%cent")
    assert after["StartAfter"] == "per%cent"
    assert _keys(after) == [key for key in expected if key > "per%cent"]
    v1 = s3.list_objects(Bucket=s3_bucket, Delimiter="/", MaxKeys=1, Marker="ctl\x01char")
    assert _prefixes(v1) == ["dir with space/"]
    assert v1["NextMarker"] == "dir with space/"
    assert v1["Marker"] == "ctl\x01char"


def test_every_awkward_key_pages_exactly_once(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, AWKWARD_KEYS)
    operations: list[Any] = ["list_objects", "list_objects_v2"]
    for operation in operations:
        pages = s3.get_paginator(operation).paginate(Bucket=s3_bucket, PaginationConfig={"PageSize": 2})
        assert [key for page in pages for key in _keys(page)] == _utf8_sorted(AWKWARD_KEYS)


def _raw_listing(s3emu: S3Emulator, bucket: str, query: str) -> ElementTree.Element:
    response = send(s3emu, "GET", f"/{bucket}?{query}")
    assert response.status == 200, response.body
    return ElementTree.fromstring(response.body)


def _texts(root: ElementTree.Element, path: str) -> list[str]:
    return [element.text or "" for element in root.iterfind(path.replace("{}", XMLNS))]


def test_raw_keys_are_url_encoded_only_when_asked(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a b+c%d", "dir/x y"])
    plain = _raw_listing(s3emu, s3_bucket, "list-type=2")
    assert _texts(plain, "{}Contents/{}Key") == ["a b+c%d", "dir/x y"]
    assert _texts(plain, "{}EncodingType") == []
    encoded = _raw_listing(s3emu, s3_bucket, "list-type=2&encoding-type=url")
    # S3 encodes like an HTML form (space as "+", "+" as "%2B") and leaves "/" alone: which is why
    # botocore decodes these fields with unquote_plus
    assert _texts(encoded, "{}Contents/{}Key") == ["a+b%2Bc%25d", "dir/x+y"]
    assert _texts(encoded, "{}EncodingType") == ["url"]


def test_raw_prefix_delimiter_and_markers_are_encoded(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _put(s3, s3_bucket, ["p q/a b/1", "p q/a b/2", "p q/c"])
    prefix, delimiter = quote("p q/"), quote("b/")
    v1 = _raw_listing(s3emu, s3_bucket, f"prefix={prefix}&delimiter={delimiter}&max-keys=1&encoding-type=url")
    assert _texts(v1, "{}Prefix") == ["p+q/"]
    assert _texts(v1, "{}Delimiter") == ["b/"]
    assert _texts(v1, "{}CommonPrefixes/{}Prefix") == ["p+q/a+b/"]
    assert _texts(v1, "{}NextMarker") == ["p+q/a+b/"]
    v2 = _raw_listing(s3emu, s3_bucket, f"list-type=2&start-after={quote('p q/a')}&encoding-type=url")
    assert _texts(v2, "{}StartAfter") == ["p+q/a"]
    assert _texts(v2, "{}Contents/{}Key") == ["p+q/a+b/1", "p+q/a+b/2", "p+q/c"]
    unencoded = _raw_listing(s3emu, s3_bucket, f"prefix={prefix}&delimiter={delimiter}")
    assert _texts(unencoded, "{}CommonPrefixes/{}Prefix") == ["p q/a b/"]


@pytest.mark.http_only  # hand-made requests only
def test_unknown_encoding_type(s3emu: S3Emulator, s3_bucket: str) -> None:
    response = send(s3emu, "GET", f"/{s3_bucket}?list-type=2&encoding-type=base64")
    assert response.status == 400
    assert response.error()["Code"] == "InvalidArgument"


# --- big buckets ---------------------------------------------------------------------------------

BIG_TOP = 5000  # keys without a "/"
BIG_DIRS = 300  # common prefixes


@pytest.fixture
def big_bucket(s3emu: S3Emulator, s3_bucket: str) -> list[str]:
    """20,000 keys (15,000 under 300 "directories"), put into the store in random order."""
    keys = [f"k{i:05d}" for i in range(BIG_TOP)]
    keys += [f"d{i % BIG_DIRS:03d}/f{i:05d}" for i in range(15000)]
    keys.append("dé/unicode")
    shuffled = keys[:]
    random.Random(7).shuffle(shuffled)
    _fill(s3emu, s3_bucket, shuffled)
    return _utf8_sorted(keys)


@pytest.mark.http_only  # heavy: run once; the transport cannot change a listing (see the tests above)
def test_paginating_a_big_bucket_returns_every_key_once(
    s3: S3Client, s3_bucket: str, big_bucket: list[str]
) -> None:
    paginator = s3.get_paginator("list_objects_v2")
    pages = list(paginator.paginate(Bucket=s3_bucket, PaginationConfig={"PageSize": 1000}))
    assert len(pages) == 21
    assert all(len(_keys(page)) == 1000 for page in pages[:-1])
    assert [key for page in pages for key in _keys(page)] == big_bucket


@pytest.mark.http_only  # heavy: run once; the transport cannot change a listing (see the tests above)
def test_paginating_a_big_bucket_v1_without_a_delimiter(
    s3: S3Client, s3_bucket: str, big_bucket: list[str]
) -> None:
    # no NextMarker here: botocore's paginator continues from the last key of each page
    paginator = s3.get_paginator("list_objects")
    pages = list(paginator.paginate(Bucket=s3_bucket, Prefix="d1", PaginationConfig={"PageSize": 1000}))
    assert len(pages) == 5
    assert all("NextMarker" not in page for page in pages)
    assert [key for page in pages for key in _keys(page)] == [k for k in big_bucket if k.startswith("d1")]


@pytest.mark.http_only  # heavy: run once; the transport cannot change a listing (see the tests above)
@pytest.mark.parametrize("operation", ["list_objects", "list_objects_v2"])
def test_paginating_a_big_bucket_with_a_delimiter(
    s3: S3Client, s3_bucket: str, big_bucket: list[str], operation: Any
) -> None:
    pages = list(
        s3.get_paginator(operation).paginate(
            Bucket=s3_bucket, Delimiter="/", PaginationConfig={"PageSize": 1000}
        )
    )
    keys = [key for page in pages for key in _keys(page)]
    prefixes = [prefix for page in pages for prefix in _prefixes(page)]
    assert keys == [f"k{i:05d}" for i in range(BIG_TOP)]
    assert prefixes == [f"d{i:03d}/" for i in range(BIG_DIRS)] + ["dé/"]
    # every page but the last is full: common prefixes count towards max-keys
    assert all(len(_keys(page)) + len(_prefixes(page)) == 1000 for page in pages[:-1])


@pytest.mark.http_only  # heavy: run once; the transport cannot change a listing (see the tests above)
def test_one_page_from_the_middle_of_a_big_bucket(
    s3: S3Client, s3_bucket: str, big_bucket: list[str]
) -> None:
    page = s3.list_objects_v2(Bucket=s3_bucket, Prefix="d150/", MaxKeys=3)
    assert _keys(page) == [key for key in big_bucket if key.startswith("d150/")][:3]
    assert page["IsTruncated"] is True
    # a StartAfter equal to a common prefix resumes after it, as a v1 NextMarker does
    inner = s3.list_objects_v2(Bucket=s3_bucket, StartAfter="d150/", Delimiter="/", MaxKeys=2)
    assert _prefixes(inner) == ["d151/", "d152/"]


# --- echoed request parameters ----------------------------------------------------------------------


def test_an_empty_delimiter_is_not_echoed(s3: S3Client, s3_bucket: str) -> None:
    # as recorded from AWS (LocalStack test_s3_list_operations.py::test_list_objects_with_prefix[])
    _put(s3, s3_bucket, ["test/foo/bar/123"])
    s3.create_multipart_upload(Bucket=s3_bucket, Key="test/upload")
    listings: list[Any] = [
        s3.list_objects(Bucket=s3_bucket, Prefix="test/", Delimiter=""),
        s3.list_objects_v2(Bucket=s3_bucket, Prefix="test/", Delimiter=""),
        s3.list_object_versions(Bucket=s3_bucket, Prefix="test/", Delimiter=""),
        s3.list_multipart_uploads(Bucket=s3_bucket, Prefix="test/", Delimiter=""),
    ]
    for listing in listings:
        assert "Delimiter" not in listing
        assert listing["Prefix"] == "test/"
        assert "CommonPrefixes" not in listing


@pytest.mark.parametrize("control", ["\x01", "\t", "\n", "\x7f"])
def test_control_characters_in_echoed_parameters(s3: S3Client, s3_bucket: str, control: str) -> None:
    prefix = f"p{control}q/"
    keys = [f"{prefix}a{control}1", f"{prefix}b{control}/2", f"{prefix}c"]
    _put(s3, s3_bucket, keys)
    v1 = s3.list_objects(Bucket=s3_bucket, Prefix=prefix, Delimiter=control, Marker=prefix, MaxKeys=1)
    # S3 encodes v1's Prefix too, but botocore decodes only Delimiter, Marker and NextMarker of v1
    assert (v1["Prefix"], v1["Delimiter"], v1["Marker"]) == (quote_plus(prefix, safe="/"), control, prefix)
    assert v1["NextMarker"] == f"{prefix}a{control}"
    assert _prefixes(v1) == [f"{prefix}a{control}"]
    v2 = s3.list_objects_v2(Bucket=s3_bucket, Prefix=prefix, Delimiter=control, StartAfter=keys[0])
    assert (v2["Prefix"], v2["Delimiter"], v2["StartAfter"]) == (prefix, control, keys[0])
    assert _prefixes(v2) == [f"{prefix}b{control}"]
    versions = s3.list_object_versions(Bucket=s3_bucket, Prefix=prefix, KeyMarker=keys[0], MaxKeys=1)
    assert (versions["Prefix"], versions["KeyMarker"]) == (prefix, keys[0])
    assert versions["NextKeyMarker"] == keys[1]
    assert [v["Key"] for v in versions["Versions"]] == [keys[1]]
    if control == "\x01":
        return  # CreateMultipartUpload echoes its key in XML, where U+0001 cannot be written
    s3.create_multipart_upload(Bucket=s3_bucket, Key=keys[0])
    uploads = s3.list_multipart_uploads(Bucket=s3_bucket, Prefix=prefix, Delimiter=control, KeyMarker=prefix)
    assert (uploads["Prefix"], uploads["Delimiter"], uploads["KeyMarker"]) == (prefix, control, prefix)
    assert _prefixes(uploads) == [f"{prefix}a{control}"]


def test_raw_control_characters_are_percent_encoded(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a\x01b c"])
    encoded = _raw_listing(s3emu, s3_bucket, "list-type=2&prefix=a%01&delimiter=%09&encoding-type=url")
    assert _texts(encoded, "{}Prefix") == ["a%01"]
    assert _texts(encoded, "{}Delimiter") == ["%09"]
    assert _texts(encoded, "{}Contents/{}Key") == ["a%01b+c"]
    empty = _raw_listing(s3emu, s3_bucket, "list-type=2&delimiter=&encoding-type=url")
    assert _texts(empty, "{}Delimiter") == []
