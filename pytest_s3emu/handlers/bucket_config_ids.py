"""Bucket configurations kept by id: analytics, metrics, inventory and S3 Intelligent-Tiering.

Each kind has Put/Get/Delete by ``?id=`` and a List paged with continuation tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import (
    IdMismatch,
    InvalidS3DestinationBucket,
    MalformedXML,
    NoSuchConfiguration,
)
from . import Context, Params, Result, operation
from .bucket_config import document
from .tokens import decode_token, encode_token

PAGE_SIZE = 100  # configurations per List page, as S3 pages them


@dataclass(frozen=True, slots=True)
class _Kind:
    name: str  # the key in Bucket.configs
    member: str  # the configuration's member in Put/Get (and its item name in List)
    put: str  # the Put operation, for its document's shape


ANALYTICS = _Kind("analytics", "AnalyticsConfiguration", "PutBucketAnalyticsConfiguration")
METRICS = _Kind("metrics", "MetricsConfiguration", "PutBucketMetricsConfiguration")
INVENTORY = _Kind("inventory", "InventoryConfiguration", "PutBucketInventoryConfiguration")
TIERING = _Kind(
    "intelligent_tiering", "IntelligentTieringConfiguration", "PutBucketIntelligentTieringConfiguration"
)


def _configurations(ctx: Context, params: Params, kind: _Kind) -> dict[str, Any]:
    """The bucket's configurations of ``kind`` by id (call with the store lock held)."""
    configs = ctx.store.bucket(params["Bucket"]).configs
    found: dict[str, Any] = configs.setdefault(kind.name, {})
    return found


def _check_inventory(config: dict[str, Any], wanted: str) -> None:
    if config["Id"] != wanted:
        raise IdMismatch()
    if not config["Destination"]["S3BucketDestination"]["Bucket"].startswith("arn:"):
        raise InvalidS3DestinationBucket()


def _put(ctx: Context, params: Params, kind: _Kind) -> Result:
    config = document(ctx, params, kind.put)
    wanted: str = params["Id"]
    if kind is INVENTORY:
        _check_inventory(config, wanted)
    elif config["Id"] != wanted:
        raise MalformedXML()  # the document's Id must be the one of the query
    with ctx.store.lock:
        _configurations(ctx, params, kind)[wanted] = config
    return {}


def _get(ctx: Context, params: Params, kind: _Kind) -> Result:
    with ctx.store.lock:
        config = _configurations(ctx, params, kind).get(params["Id"])
    if config is None:
        raise NoSuchConfiguration()
    return {kind.member: config}


def _delete(ctx: Context, params: Params, kind: _Kind) -> Result:
    with ctx.store.lock:
        if _configurations(ctx, params, kind).pop(params["Id"], None) is None:
            raise NoSuchConfiguration()
    return {}


def _after(token: str | None) -> str | None:
    return None if token is None else decode_token(token)


def _list(ctx: Context, params: Params, kind: _Kind) -> Result:
    token: str | None = params.get("ContinuationToken")
    after = _after(token)
    with ctx.store.lock:
        configs = _configurations(ctx, params, kind)
        ids = sorted(key for key in configs if after is None or key > after)
        page = [configs[key] for key in ids[:PAGE_SIZE]]
    result: Result = {"IsTruncated": len(ids) > PAGE_SIZE, "ContinuationToken": token}
    if len(ids) > PAGE_SIZE:
        result["NextContinuationToken"] = encode_token(ids[PAGE_SIZE - 1])
    result[f"{kind.member}List"] = page or None
    return result


@operation("PutBucketAnalyticsConfiguration")
def put_bucket_analytics_configuration(ctx: Context, params: Params) -> Result:
    return _put(ctx, params, ANALYTICS)


@operation("GetBucketAnalyticsConfiguration")
def get_bucket_analytics_configuration(ctx: Context, params: Params) -> Result:
    return _get(ctx, params, ANALYTICS)


@operation("DeleteBucketAnalyticsConfiguration")
def delete_bucket_analytics_configuration(ctx: Context, params: Params) -> Result:
    return _delete(ctx, params, ANALYTICS)


@operation("ListBucketAnalyticsConfigurations")
def list_bucket_analytics_configurations(ctx: Context, params: Params) -> Result:
    return _list(ctx, params, ANALYTICS)


@operation("PutBucketMetricsConfiguration")
def put_bucket_metrics_configuration(ctx: Context, params: Params) -> Result:
    return _put(ctx, params, METRICS)


@operation("GetBucketMetricsConfiguration")
def get_bucket_metrics_configuration(ctx: Context, params: Params) -> Result:
    return _get(ctx, params, METRICS)


@operation("DeleteBucketMetricsConfiguration")
def delete_bucket_metrics_configuration(ctx: Context, params: Params) -> Result:
    return _delete(ctx, params, METRICS)


@operation("ListBucketMetricsConfigurations")
def list_bucket_metrics_configurations(ctx: Context, params: Params) -> Result:
    return _list(ctx, params, METRICS)


@operation("PutBucketInventoryConfiguration")
def put_bucket_inventory_configuration(ctx: Context, params: Params) -> Result:
    return _put(ctx, params, INVENTORY)


@operation("GetBucketInventoryConfiguration")
def get_bucket_inventory_configuration(ctx: Context, params: Params) -> Result:
    return _get(ctx, params, INVENTORY)


@operation("DeleteBucketInventoryConfiguration")
def delete_bucket_inventory_configuration(ctx: Context, params: Params) -> Result:
    return _delete(ctx, params, INVENTORY)


@operation("ListBucketInventoryConfigurations")
def list_bucket_inventory_configurations(ctx: Context, params: Params) -> Result:
    return _list(ctx, params, INVENTORY)


@operation("PutBucketIntelligentTieringConfiguration")
def put_bucket_intelligent_tiering_configuration(ctx: Context, params: Params) -> Result:
    return _put(ctx, params, TIERING)


@operation("GetBucketIntelligentTieringConfiguration")
def get_bucket_intelligent_tiering_configuration(ctx: Context, params: Params) -> Result:
    return _get(ctx, params, TIERING)


@operation("DeleteBucketIntelligentTieringConfiguration")
def delete_bucket_intelligent_tiering_configuration(ctx: Context, params: Params) -> Result:
    return _delete(ctx, params, TIERING)


@operation("ListBucketIntelligentTieringConfigurations")
def list_bucket_intelligent_tiering_configurations(ctx: Context, params: Params) -> Result:
    return _list(ctx, params, TIERING)
