"""S3 Metadata configurations (V2 and the older V1 "metadata table" calls): stored and answered.

No S3 Tables table is made or filled: the answers name the tables S3 would make (in the AWS managed
table bucket ``aws-s3``, namespace ``b_<bucket>``) as ACTIVE.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..errors import MetadataConfigurationNotFound, MethodNotAllowed
from ..store import Bucket
from . import Context, Params, Result, operation
from .bucket_config import ACCOUNT_ID, document, write

V1, V2 = "V1", "V2"
V1_NAMESPACE = "aws_s3_metadata"
_TABLES = {  # result member -> (configuration member, the table's name)
    "InventoryTableConfigurationResult": ("InventoryTableConfiguration", "inventory"),
    "AnnotationTableConfigurationResult": ("AnnotationTableConfiguration", "annotation"),
}


def _stored(ctx: Context, params: Params) -> tuple[Bucket, dict[str, Any]]:
    """The bucket and its metadata configuration ({"version", "config"}); 404 when it has none."""
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        stored: dict[str, Any] | None = bucket.configs.get("metadata")
    if stored is None:
        raise MetadataConfigurationNotFound(BucketName=params["Bucket"])
    return bucket, stored


def _table_arn(table_bucket: str, namespace: str, name: str) -> str:
    table_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{table_bucket}/{namespace}/{name}")
    return f"{table_bucket}/table/{table_id}"


def _v2_result(bucket: Bucket, config: dict[str, Any]) -> dict[str, Any]:
    table_bucket = f"arn:aws:s3tables:{bucket.region}:{ACCOUNT_ID}:bucket/aws-s3"
    namespace = f"b_{bucket.name}"
    result: dict[str, Any] = {
        "DestinationResult": {
            "TableBucketType": "aws",
            "TableBucketArn": table_bucket,
            "TableNamespace": namespace,
        },
        "JournalTableConfigurationResult": {
            "TableStatus": "ACTIVE",
            "TableName": "journal",
            "TableArn": _table_arn(table_bucket, namespace, "journal"),
            "RecordExpiration": config["JournalTableConfiguration"]["RecordExpiration"],
        },
    }
    for member, (source, name) in _TABLES.items():
        table = config.get(source)
        if table is None:
            continue
        entry: dict[str, Any] = {"ConfigurationState": table["ConfigurationState"], "Role": table.get("Role")}
        if table["ConfigurationState"] == "ENABLED":
            entry.update(
                TableStatus="ACTIVE", TableName=name, TableArn=_table_arn(table_bucket, namespace, name)
            )
        result[member] = entry
    return result


def _v1_result(config: dict[str, Any]) -> dict[str, Any]:
    destination = config["S3TablesDestination"]
    return {
        "DestinationResult": {
            "TableBucketType": "customer",
            "TableBucketArn": destination["TableBucketArn"],
            "TableNamespace": V1_NAMESPACE,
        },
        "JournalTableConfigurationResult": {
            "TableStatus": "ACTIVE",
            "TableName": destination["TableName"],
            "TableArn": _table_arn(destination["TableBucketArn"], V1_NAMESPACE, destination["TableName"]),
            "RecordExpiration": {"Expiration": "DISABLED"},
        },
    }


@operation("CreateBucketMetadataConfiguration")
def create_bucket_metadata_configuration(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "CreateBucketMetadataConfiguration")
    write(ctx, params, "metadata", {"version": V2, "config": config})
    return {}


@operation("GetBucketMetadataConfiguration")
def get_bucket_metadata_configuration(ctx: Context, params: Params) -> Result:
    bucket, stored = _stored(ctx, params)
    config = stored["config"]
    result = _v2_result(bucket, config) if stored["version"] == V2 else _v1_result(config)
    return {"GetBucketMetadataConfigurationResult": {"MetadataConfigurationResult": result}}


@operation("DeleteBucketMetadataConfiguration")
def delete_bucket_metadata_configuration(ctx: Context, params: Params) -> Result:
    bucket, _ = _stored(ctx, params)
    with ctx.store.lock:
        bucket.configs.pop("metadata", None)
    return {}


def _update(ctx: Context, params: Params, operation_name: str, member: str) -> Result:
    update = document(ctx, params, operation_name)
    _, stored = _stored(ctx, params)
    if stored["version"] != V2:
        raise MetadataConfigurationNotFound(BucketName=params["Bucket"])
    with ctx.store.lock:
        stored["config"][member] = update
    return {}


@operation("UpdateBucketMetadataJournalTableConfiguration")
def update_bucket_metadata_journal_table_configuration(ctx: Context, params: Params) -> Result:
    return _update(ctx, params, "UpdateBucketMetadataJournalTableConfiguration", "JournalTableConfiguration")


@operation("UpdateBucketMetadataInventoryTableConfiguration")
def update_bucket_metadata_inventory_table_configuration(ctx: Context, params: Params) -> Result:
    return _update(
        ctx, params, "UpdateBucketMetadataInventoryTableConfiguration", "InventoryTableConfiguration"
    )


@operation("UpdateBucketMetadataAnnotationTableConfiguration")
def update_bucket_metadata_annotation_table_configuration(ctx: Context, params: Params) -> Result:
    return _update(
        ctx, params, "UpdateBucketMetadataAnnotationTableConfiguration", "AnnotationTableConfiguration"
    )


# --- V1: one journal table in a table bucket of the caller's ----------------------------------------


@operation("CreateBucketMetadataTableConfiguration")
def create_bucket_metadata_table_configuration(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "CreateBucketMetadataTableConfiguration")
    write(ctx, params, "metadata", {"version": V1, "config": config})
    return {}


@operation("GetBucketMetadataTableConfiguration")
def get_bucket_metadata_table_configuration(ctx: Context, params: Params) -> Result:
    _, stored = _stored(ctx, params)
    if stored["version"] != V1:
        # S3 answers the V1 call about a V2 configuration with 405
        raise MethodNotAllowed(Method="GET", ResourceType="METADATATABLECONFIGURATION")
    destination = stored["config"]["S3TablesDestination"]
    result = {
        "S3TablesDestinationResult": {
            "TableBucketArn": destination["TableBucketArn"],
            "TableName": destination["TableName"],
            "TableArn": _table_arn(destination["TableBucketArn"], V1_NAMESPACE, destination["TableName"]),
            "TableNamespace": V1_NAMESPACE,
        }
    }
    return {
        "GetBucketMetadataTableConfigurationResult": {
            "MetadataTableConfigurationResult": result,
            "Status": "ACTIVE",
        }
    }


@operation("DeleteBucketMetadataTableConfiguration")
def delete_bucket_metadata_table_configuration(ctx: Context, params: Params) -> Result:
    return delete_bucket_metadata_configuration(ctx, params)
