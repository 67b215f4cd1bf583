"""Object tags: the x-amz-tagging header on writes, and Put/Get/DeleteObjectTagging."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from ..errors import BadRequest, InvalidArgument, InvalidTag
from . import Context, Params, Result, operation

MAX_OBJECT_TAGS = 10
MAX_KEY_CHARS = 128
MAX_VALUE_CHARS = 256


def validate_tags(
    pairs: list[tuple[str, str]],
    limit: int = MAX_OBJECT_TAGS,
    too_many: str = "Object tags cannot be greater than 10",
) -> dict[str, str]:
    """The tags as a dict, after S3's checks: each tag in turn (key and value lengths, unique keys,
    InvalidTag), then their count (BadRequest, with ``too_many`` as its message)."""
    tags: dict[str, str] = {}
    for key, value in pairs:
        if not key or len(key) > MAX_KEY_CHARS:
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if len(value) > MAX_VALUE_CHARS:
            raise InvalidTag("The TagValue you have provided is invalid", TagKey=key, TagValue=value)
        if key in tags:
            raise InvalidTag("Cannot provide multiple Tags with the same key", TagKey=key)
        tags[key] = value
    if len(tags) > limit:
        raise BadRequest(too_many)
    return tags


def tags_from_header(value: str | None) -> dict[str, str]:
    """Tags from ``x-amz-tagging`` (URL query encoded: ``k1=v1&k2=v2``)."""
    if not value:
        return {}
    try:
        pairs = parse_qsl(value, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        pairs = []
    names = [name for name, _ in pairs]
    if not pairs or len(set(names)) != len(names):
        # the header's own error: a duplicate name here is not the InvalidTag of PutObjectTagging
        raise InvalidArgument(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters "
            "without tag name duplicates.",
            ArgumentName="x-amz-tagging",
            ArgumentValue=value,
        )
    return validate_tags(pairs)


def tag_set(tags: dict[str, str]) -> list[dict[str, Any]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


@operation("PutObjectTagging")
def put_object_tagging(ctx: Context, params: Params) -> Result:
    tagging: dict[str, Any] = params["Tagging"]
    pairs = [(tag["Key"], tag["Value"]) for tag in tagging.get("TagSet") or []]
    tags = validate_tags(pairs)
    with ctx.store.lock:
        obj = ctx.store.get_object(params["Bucket"], params["Key"], params.get("VersionId"))
        obj.tags = tags
    return {"VersionId": ctx.store.bucket(params["Bucket"]).version_header(obj)}


@operation("GetObjectTagging")
def get_object_tagging(ctx: Context, params: Params) -> Result:
    obj = ctx.store.get_object(params["Bucket"], params["Key"], params.get("VersionId"))
    version = ctx.store.bucket(params["Bucket"]).version_header(obj)
    return {"VersionId": version, "TagSet": tag_set(obj.tags)}


@operation("DeleteObjectTagging")
def delete_object_tagging(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        obj = ctx.store.get_object(params["Bucket"], params["Key"], params.get("VersionId"))
        obj.tags = {}
    return {"VersionId": ctx.store.bucket(params["Bucket"]).version_header(obj)}
