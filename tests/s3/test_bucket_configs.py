"""Bucket configurations end to end through boto3: defaults, round trips, deletes and their 404s."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

KMS_KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
ENCRYPTION = {
    "Rules": [
        {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KMS_KEY},
            "BucketKeyEnabled": True,
        }
    ]
}
CORS = {
    "CORSRules": [
        {
            "ID": "web",
            "AllowedOrigins": ["https://example.com", "http://*.example.org"],
            "AllowedMethods": ["GET", "PUT"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3000,
        },
        {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]},
    ]
}
WEBSITE = {
    "IndexDocument": {"Suffix": "index.html"},
    "ErrorDocument": {"Key": "error.html"},
    "RoutingRules": [
        {"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": "documents/"}}
    ],
}
LIFECYCLE = {
    "Rules": [
        {
            "ID": "logs",
            "Filter": {"Prefix": "logs/"},
            "Status": "Enabled",
            "Transitions": [
                {"Days": 30, "StorageClass": "STANDARD_IA"},
                {"Days": 90, "StorageClass": "GLACIER"},
            ],
            "Expiration": {"Days": 365},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 7},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3},
        },
        {
            "ID": "tmp",
            "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "k", "Value": "v"}]}},
            "Status": "Disabled",
            "Expiration": {"Date": datetime(2030, 1, 1, tzinfo=timezone.utc)},
        },
    ]
}
NOTIFICATION = {
    "QueueConfigurations": [
        {
            "Id": "queue",
            "QueueArn": "arn:aws:sqs:us-east-1:123456789012:q",
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}},
        }
    ],
    "TopicConfigurations": [
        {
            "Id": "topic",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
            "Events": ["s3:ObjectRemoved:Delete"],
        }
    ],
    "EventBridgeConfiguration": {},
}
ANALYTICS = {
    "Id": "a1",
    "Filter": {"Prefix": "p/"},
    "StorageClassAnalysis": {
        "DataExport": {
            "OutputSchemaVersion": "V_1",
            "Destination": {"S3BucketDestination": {"Format": "CSV", "Bucket": "arn:aws:s3:::dest"}},
        }
    },
}
METRICS = {"Id": "m1", "Filter": {"Prefix": "p/"}}
INVENTORY = {
    "Id": "i1",
    "IsEnabled": True,
    "Destination": {"S3BucketDestination": {"Bucket": "arn:aws:s3:::dest", "Format": "CSV"}},
    "IncludedObjectVersions": "Current",
    "OptionalFields": ["Size", "ETag"],
    "Schedule": {"Frequency": "Daily"},
}
TIERING = {"Id": "t1", "Status": "Enabled", "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]}
PRIVATE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::BUCKET/*",
        }
    ],
}
METADATA = {
    "JournalTableConfiguration": {"RecordExpiration": {"Expiration": "ENABLED", "Days": 7}},
    "InventoryTableConfiguration": {"ConfigurationState": "ENABLED"},
}

# every operation of the area with valid arguments besides Bucket (Put documents are valid)
OPERATIONS: dict[str, dict[str, Any]] = {
    "put_bucket_encryption": {"ServerSideEncryptionConfiguration": ENCRYPTION},
    "get_bucket_encryption": {},
    "delete_bucket_encryption": {},
    "put_bucket_cors": {"CORSConfiguration": CORS},
    "get_bucket_cors": {},
    "delete_bucket_cors": {},
    "put_bucket_lifecycle_configuration": {"LifecycleConfiguration": LIFECYCLE},
    "get_bucket_lifecycle_configuration": {},
    "delete_bucket_lifecycle": {},
    "put_bucket_policy": {"Policy": json.dumps(PRIVATE_POLICY)},
    "get_bucket_policy": {},
    "get_bucket_policy_status": {},
    "delete_bucket_policy": {},
    "put_bucket_notification_configuration": {"NotificationConfiguration": NOTIFICATION},
    "get_bucket_notification_configuration": {},
    "put_bucket_logging": {"BucketLoggingStatus": {}},
    "get_bucket_logging": {},
    "put_bucket_website": {"WebsiteConfiguration": WEBSITE},
    "get_bucket_website": {},
    "delete_bucket_website": {},
    "put_bucket_replication": {
        "ReplicationConfiguration": {
            "Role": "arn:aws:iam::123456789012:role/r",
            "Rules": [{"Status": "Enabled", "Prefix": "", "Destination": {"Bucket": "arn:aws:s3:::dest"}}],
        }
    },
    "get_bucket_replication": {},
    "delete_bucket_replication": {},
    "put_bucket_accelerate_configuration": {"AccelerateConfiguration": {"Status": "Enabled"}},
    "get_bucket_accelerate_configuration": {},
    "put_bucket_request_payment": {"RequestPaymentConfiguration": {"Payer": "Requester"}},
    "get_bucket_request_payment": {},
    "put_public_access_block": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
    "get_public_access_block": {},
    "delete_public_access_block": {},
    "put_bucket_ownership_controls": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}},
    "get_bucket_ownership_controls": {},
    "delete_bucket_ownership_controls": {},
    "put_bucket_tagging": {"Tagging": {"TagSet": [{"Key": "team", "Value": "data"}]}},
    "get_bucket_tagging": {},
    "delete_bucket_tagging": {},
    "put_bucket_abac": {"AbacStatus": {"Status": "Enabled"}},
    "get_bucket_abac": {},
    "put_bucket_analytics_configuration": {"Id": "a1", "AnalyticsConfiguration": ANALYTICS},
    "get_bucket_analytics_configuration": {"Id": "a1"},
    "delete_bucket_analytics_configuration": {"Id": "a1"},
    "list_bucket_analytics_configurations": {},
    "put_bucket_metrics_configuration": {"Id": "m1", "MetricsConfiguration": METRICS},
    "get_bucket_metrics_configuration": {"Id": "m1"},
    "delete_bucket_metrics_configuration": {"Id": "m1"},
    "list_bucket_metrics_configurations": {},
    "put_bucket_inventory_configuration": {"Id": "i1", "InventoryConfiguration": INVENTORY},
    "get_bucket_inventory_configuration": {"Id": "i1"},
    "delete_bucket_inventory_configuration": {"Id": "i1"},
    "list_bucket_inventory_configurations": {},
    "put_bucket_intelligent_tiering_configuration": {"Id": "t1", "IntelligentTieringConfiguration": TIERING},
    "get_bucket_intelligent_tiering_configuration": {"Id": "t1"},
    "delete_bucket_intelligent_tiering_configuration": {"Id": "t1"},
    "list_bucket_intelligent_tiering_configurations": {},
    "create_bucket_metadata_configuration": {"MetadataConfiguration": METADATA},
    "get_bucket_metadata_configuration": {},
    "delete_bucket_metadata_configuration": {},
    "update_bucket_metadata_inventory_table_configuration": {
        "InventoryTableConfiguration": {"ConfigurationState": "DISABLED"}
    },
    "update_bucket_metadata_journal_table_configuration": {
        "JournalTableConfiguration": {"RecordExpiration": {"Expiration": "DISABLED"}}
    },
    "update_bucket_metadata_annotation_table_configuration": {
        "AnnotationTableConfiguration": {"ConfigurationState": "DISABLED"}
    },
    "create_bucket_metadata_table_configuration": {
        "MetadataTableConfiguration": {
            "S3TablesDestination": {
                "TableBucketArn": "arn:aws:s3tables:us-east-1:123456789012:bucket/tables",
                "TableName": "journal",
            }
        }
    },
    "get_bucket_metadata_table_configuration": {},
    "delete_bucket_metadata_table_configuration": {},
}


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _body(response: Any) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def _call(s3: S3Client, method: str, bucket: str) -> Any:
    return getattr(s3, method)(Bucket=bucket, **OPERATIONS[method])


@pytest.mark.parametrize("method", sorted(OPERATIONS))
def test_every_operation_on_a_missing_bucket_is_no_such_bucket(s3: S3Client, method: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        _call(s3, method, f"missing-{uuid.uuid4().hex[:12]}")
    assert _error(excinfo) == ("NoSuchBucket", 404)


@pytest.mark.parametrize(
    ("method", "code"),
    [
        ("get_bucket_cors", "NoSuchCORSConfiguration"),
        ("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
        ("get_bucket_policy", "NoSuchBucketPolicy"),
        ("get_bucket_policy_status", "NoSuchBucketPolicy"),
        ("get_bucket_website", "NoSuchWebsiteConfiguration"),
        ("get_bucket_replication", "ReplicationConfigurationNotFoundError"),
        ("get_bucket_tagging", "NoSuchTagSet"),
        ("get_bucket_analytics_configuration", "NoSuchConfiguration"),
        ("delete_bucket_analytics_configuration", "NoSuchConfiguration"),
        ("get_bucket_metrics_configuration", "NoSuchConfiguration"),
        ("delete_bucket_metrics_configuration", "NoSuchConfiguration"),
        ("get_bucket_inventory_configuration", "NoSuchConfiguration"),
        ("delete_bucket_inventory_configuration", "NoSuchConfiguration"),
        ("get_bucket_intelligent_tiering_configuration", "NoSuchConfiguration"),
        ("delete_bucket_intelligent_tiering_configuration", "NoSuchConfiguration"),
        ("get_bucket_metadata_configuration", "MetadataConfigurationNotFound"),
        ("delete_bucket_metadata_configuration", "MetadataConfigurationNotFound"),
        ("update_bucket_metadata_inventory_table_configuration", "MetadataConfigurationNotFound"),
        ("get_bucket_metadata_table_configuration", "MetadataConfigurationNotFound"),
    ],
)
def test_missing_configuration_errors(s3: S3Client, s3_bucket: str, method: str, code: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        _call(s3, method, s3_bucket)
    assert _error(excinfo) == (code, 404)


def test_new_bucket_defaults(s3: S3Client, s3_bucket: str) -> None:
    # since 2023 S3 encrypts, blocks public access and disables ACLs on every new bucket
    encryption = s3.get_bucket_encryption(Bucket=s3_bucket)["ServerSideEncryptionConfiguration"]
    assert encryption == {
        "Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
        ]
    }
    block = s3.get_public_access_block(Bucket=s3_bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    ownership = s3.get_bucket_ownership_controls(Bucket=s3_bucket)["OwnershipControls"]
    assert ownership == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert _body(s3.get_bucket_request_payment(Bucket=s3_bucket)) == {"Payer": "BucketOwner"}
    assert _body(s3.get_bucket_accelerate_configuration(Bucket=s3_bucket)) == {}
    assert _body(s3.get_bucket_logging(Bucket=s3_bucket)) == {}
    assert _body(s3.get_bucket_notification_configuration(Bucket=s3_bucket)) == {}
    assert s3.get_bucket_abac(Bucket=s3_bucket)["AbacStatus"] == {"Status": "Disabled"}
    for kind in ("analytics", "metrics", "inventory", "intelligent_tiering"):
        listed = getattr(s3, f"list_bucket_{kind}_configurations")(Bucket=s3_bucket)
        assert _body(listed) == {"IsTruncated": False}


@pytest.mark.parametrize(
    ("kind", "member", "config"),
    [
        ("encryption", "ServerSideEncryptionConfiguration", ENCRYPTION),
        ("cors", "CORSConfiguration", CORS),
        ("website", "WebsiteConfiguration", WEBSITE),
    ],
)
def test_put_get_delete_round_trip(
    s3: S3Client, s3_bucket: str, kind: str, member: str, config: dict[str, Any]
) -> None:
    put = getattr(s3, f"put_bucket_{kind}")(Bucket=s3_bucket, **{member: config})
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = _body(getattr(s3, f"get_bucket_{kind}")(Bucket=s3_bucket))
    assert got.get(member, got) == config
    deleted = getattr(s3, f"delete_bucket_{kind}")(Bucket=s3_bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    if kind == "encryption":
        # deleting the configuration goes back to SSE-S3, never to unencrypted
        rule = s3.get_bucket_encryption(Bucket=s3_bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        return
    with pytest.raises(ClientError) as excinfo:
        getattr(s3, f"get_bucket_{kind}")(Bucket=s3_bucket)
    assert _error(excinfo)[1] == 404


def test_lifecycle_round_trip(s3: S3Client, s3_bucket: str) -> None:
    put = s3.put_bucket_lifecycle_configuration(Bucket=s3_bucket, LifecycleConfiguration=LIFECYCLE)  # type: ignore[arg-type]  # plain dicts
    assert put["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    got = s3.get_bucket_lifecycle_configuration(Bucket=s3_bucket)
    assert got["Rules"] == LIFECYCLE["Rules"]
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    s3.delete_bucket_lifecycle(Bucket=s3_bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_lifecycle_configuration(Bucket=s3_bucket)
    assert _error(excinfo) == ("NoSuchLifecycleConfiguration", 404)


def test_lifecycle_rules_without_id_get_one(s3: S3Client, s3_bucket: str) -> None:
    rules: Any = [{"Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}]
    s3.put_bucket_lifecycle_configuration(
        Bucket=s3_bucket,
        LifecycleConfiguration={"Rules": rules},
        TransitionDefaultMinimumObjectSize="varies_by_storage_class",
    )
    got = s3.get_bucket_lifecycle_configuration(Bucket=s3_bucket)
    assert len(got["Rules"][0]["ID"]) > 10
    assert got["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"


def test_deprecated_lifecycle_calls_share_the_configuration(s3: S3Client, s3_bucket: str) -> None:
    # put_bucket_lifecycle (rule-level Prefix) is the same request as the current call
    rule: Any = {"ID": "old", "Prefix": "a/", "Status": "Enabled", "Expiration": {"Days": 2}}
    s3.put_bucket_lifecycle(Bucket=s3_bucket, LifecycleConfiguration={"Rules": [rule]})
    assert s3.get_bucket_lifecycle(Bucket=s3_bucket)["Rules"] == [rule]
    assert s3.get_bucket_lifecycle_configuration(Bucket=s3_bucket)["Rules"] == [rule]


def test_tagging_round_trip(s3: S3Client, s3_bucket: str) -> None:
    tags = [{"Key": f"k{i}", "Value": f"v{i}"} for i in range(50)]
    s3.put_bucket_tagging(Bucket=s3_bucket, Tagging={"TagSet": tags})  # type: ignore[typeddict-item]  # plain dicts
    assert s3.get_bucket_tagging(Bucket=s3_bucket)["TagSet"] == tags
    assert s3.delete_bucket_tagging(Bucket=s3_bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_tagging(Bucket=s3_bucket)
    assert _error(excinfo) == ("NoSuchTagSet", 404)
    # an empty TagSet removes the tags as well
    s3.put_bucket_tagging(Bucket=s3_bucket, Tagging={"TagSet": tags[:1]})  # type: ignore[typeddict-item]  # plain dicts
    s3.put_bucket_tagging(Bucket=s3_bucket, Tagging={"TagSet": []})
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_tagging(Bucket=s3_bucket)
    assert _error(excinfo) == ("NoSuchTagSet", 404)


def test_public_access_block_and_ownership_delete(s3: S3Client, s3_bucket: str) -> None:
    s3.put_public_access_block(
        Bucket=s3_bucket,
        PublicAccessBlockConfiguration={"BlockPublicAcls": True, "RestrictPublicBuckets": True},
    )
    block = s3.get_public_access_block(Bucket=s3_bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True,
    }
    s3.delete_public_access_block(Bucket=s3_bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.get_public_access_block(Bucket=s3_bucket)
    assert _error(excinfo) == ("NoSuchPublicAccessBlockConfiguration", 404)
    _call(s3, "put_bucket_ownership_controls", s3_bucket)
    ownership = s3.get_bucket_ownership_controls(Bucket=s3_bucket)["OwnershipControls"]
    assert ownership == {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    s3.delete_bucket_ownership_controls(Bucket=s3_bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_ownership_controls(Bucket=s3_bucket)
    assert _error(excinfo) == ("OwnershipControlsNotFoundError", 404)


def test_small_settings_round_trip(s3: S3Client, s3_bucket: str) -> None:
    for method in ("put_bucket_accelerate_configuration", "put_bucket_request_payment", "put_bucket_abac"):
        _call(s3, method, s3_bucket)
    assert _body(s3.get_bucket_accelerate_configuration(Bucket=s3_bucket)) == {"Status": "Enabled"}
    assert _body(s3.get_bucket_request_payment(Bucket=s3_bucket)) == {"Payer": "Requester"}
    assert s3.get_bucket_abac(Bucket=s3_bucket)["AbacStatus"] == {"Status": "Enabled"}
    s3.put_bucket_accelerate_configuration(Bucket=s3_bucket, AccelerateConfiguration={"Status": "Suspended"})
    assert _body(s3.get_bucket_accelerate_configuration(Bucket=s3_bucket)) == {"Status": "Suspended"}


def test_logging_round_trip(s3: S3Client, s3_bucket: str) -> None:
    target = f"logs-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=target)
    enabled: Any = {"TargetBucket": target, "TargetPrefix": "access/"}
    s3.put_bucket_logging(Bucket=s3_bucket, BucketLoggingStatus={"LoggingEnabled": enabled})
    assert s3.get_bucket_logging(Bucket=s3_bucket)["LoggingEnabled"] == enabled
    # an empty status turns logging off
    s3.put_bucket_logging(Bucket=s3_bucket, BucketLoggingStatus={})
    assert _body(s3.get_bucket_logging(Bucket=s3_bucket)) == {}


def test_notification_round_trip(s3: S3Client, s3_bucket: str) -> None:
    s3.put_bucket_notification_configuration(Bucket=s3_bucket, NotificationConfiguration=NOTIFICATION)  # type: ignore[arg-type]  # plain dicts
    assert _body(s3.get_bucket_notification_configuration(Bucket=s3_bucket)) == NOTIFICATION
    # a configuration sent without an Id gets one
    queue: Any = {"QueueArn": "arn:aws:sqs:us-east-1:123456789012:q", "Events": ["s3:ObjectCreated:Put"]}
    s3.put_bucket_notification_configuration(
        Bucket=s3_bucket, NotificationConfiguration={"QueueConfigurations": [queue]}
    )
    got = s3.get_bucket_notification_configuration(Bucket=s3_bucket)
    assert got["QueueConfigurations"][0]["Id"]
    assert "TopicConfigurations" not in got


def test_replication_needs_versioning(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        _call(s3, "put_bucket_replication", s3_bucket)
    assert _error(excinfo) == ("InvalidRequest", 400)
    assert "Versioning must be 'Enabled' on the bucket" in str(excinfo.value)
    # PutBucketVersioning is another area's; set the bucket's state directly
    s3emu.app.store.buckets[s3_bucket].versioning = "Enabled"
    with pytest.raises(ClientError) as excinfo:
        _call(s3, "put_bucket_replication", s3_bucket)
    assert _error(excinfo) == ("InvalidRequest", 400)
    assert "Destination bucket must exist" in str(excinfo.value)
    destination = f"dest-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=destination)
    config: Any = {
        "Role": "arn:aws:iam::123456789012:role/r",
        "Rules": [
            {
                "ID": "all",
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": f"arn:aws:s3:::{destination}", "StorageClass": "STANDARD_IA"},
            }
        ],
    }
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_replication(Bucket=s3_bucket, ReplicationConfiguration=config)
    assert "Destination bucket must have versioning enabled." in str(excinfo.value)
    s3emu.app.store.buckets[destination].versioning = "Enabled"
    s3.put_bucket_replication(Bucket=s3_bucket, ReplicationConfiguration=config)
    assert s3.get_bucket_replication(Bucket=s3_bucket)["ReplicationConfiguration"] == config
    s3.delete_bucket_replication(Bucket=s3_bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_replication(Bucket=s3_bucket)
    assert _error(excinfo) == ("ReplicationConfigurationNotFoundError", 404)


@pytest.mark.parametrize(
    ("kind", "config"),
    [
        ("analytics", ANALYTICS),
        ("metrics", METRICS),
        ("inventory", INVENTORY),
        ("intelligent_tiering", TIERING),
    ],
)
def test_configurations_by_id(s3: S3Client, s3_bucket: str, kind: str, config: dict[str, Any]) -> None:
    member = {"intelligent_tiering": "IntelligentTiering"}.get(kind, kind.capitalize()) + "Configuration"
    getattr(s3, f"put_bucket_{kind}_configuration")(Bucket=s3_bucket, Id=config["Id"], **{member: config})
    other = {**config, "Id": "zz"}
    getattr(s3, f"put_bucket_{kind}_configuration")(Bucket=s3_bucket, Id="zz", **{member: other})
    got = getattr(s3, f"get_bucket_{kind}_configuration")(Bucket=s3_bucket, Id=config["Id"])
    assert got[member] == config
    listed = getattr(s3, f"list_bucket_{kind}_configurations")(Bucket=s3_bucket)
    assert listed[f"{member}List"] == [config, other]
    assert listed["IsTruncated"] is False
    getattr(s3, f"delete_bucket_{kind}_configuration")(Bucket=s3_bucket, Id=config["Id"])
    with pytest.raises(ClientError) as excinfo:
        getattr(s3, f"get_bucket_{kind}_configuration")(Bucket=s3_bucket, Id=config["Id"])
    assert _error(excinfo) == ("NoSuchConfiguration", 404)


def test_configuration_list_pages(s3: S3Client, s3_bucket: str) -> None:
    for number in range(101):
        s3.put_bucket_metrics_configuration(
            Bucket=s3_bucket, Id=f"m{number:03d}", MetricsConfiguration={"Id": f"m{number:03d}"}
        )
    first = s3.list_bucket_metrics_configurations(Bucket=s3_bucket)
    assert first["IsTruncated"] is True
    assert [c["Id"] for c in first["MetricsConfigurationList"]] == [f"m{n:03d}" for n in range(100)]
    token = first["NextContinuationToken"]
    second = s3.list_bucket_metrics_configurations(Bucket=s3_bucket, ContinuationToken=token)
    assert [c["Id"] for c in second["MetricsConfigurationList"]] == ["m100"]
    assert second["IsTruncated"] is False
    assert second["ContinuationToken"] == token
    with pytest.raises(ClientError) as excinfo:
        s3.list_bucket_metrics_configurations(Bucket=s3_bucket, ContinuationToken="%%%")
    assert _error(excinfo) == ("InvalidArgument", 400)


def test_metadata_configuration(s3: S3Client, s3_bucket: str) -> None:
    _call(s3, "create_bucket_metadata_configuration", s3_bucket)
    result = s3.get_bucket_metadata_configuration(Bucket=s3_bucket)["GetBucketMetadataConfigurationResult"]
    found = result["MetadataConfigurationResult"]
    assert found["DestinationResult"]["TableBucketType"] == "aws"
    assert found["DestinationResult"]["TableNamespace"] == f"b_{s3_bucket}"
    journal = found["JournalTableConfigurationResult"]
    assert (journal["TableName"], journal["TableStatus"]) == ("journal", "ACTIVE")
    assert journal["RecordExpiration"] == {"Expiration": "ENABLED", "Days": 7}
    assert found["InventoryTableConfigurationResult"]["TableName"] == "inventory"
    _call(s3, "update_bucket_metadata_inventory_table_configuration", s3_bucket)
    result = s3.get_bucket_metadata_configuration(Bucket=s3_bucket)["GetBucketMetadataConfigurationResult"]
    assert result["MetadataConfigurationResult"]["InventoryTableConfigurationResult"] == {
        "ConfigurationState": "DISABLED"
    }
    # the V1 call does not read a V2 configuration
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_metadata_table_configuration(Bucket=s3_bucket)
    assert _error(excinfo) == ("MethodNotAllowed", 405)
    s3.delete_bucket_metadata_configuration(Bucket=s3_bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_metadata_configuration(Bucket=s3_bucket)
    assert _error(excinfo) == ("MetadataConfigurationNotFound", 404)


def test_metadata_table_configuration_v1(s3: S3Client, s3_bucket: str) -> None:
    _call(s3, "create_bucket_metadata_table_configuration", s3_bucket)
    result = s3.get_bucket_metadata_table_configuration(Bucket=s3_bucket)[
        "GetBucketMetadataTableConfigurationResult"
    ]
    assert result["Status"] == "ACTIVE"
    destination = result["MetadataTableConfigurationResult"]["S3TablesDestinationResult"]
    assert destination["TableName"] == "journal"
    assert destination["TableArn"].startswith("arn:aws:s3tables:us-east-1:123456789012:bucket/tables/table/")
    v2 = s3.get_bucket_metadata_configuration(Bucket=s3_bucket)["GetBucketMetadataConfigurationResult"]
    assert v2["MetadataConfigurationResult"]["DestinationResult"]["TableBucketType"] == "customer"
    s3.delete_bucket_metadata_table_configuration(Bucket=s3_bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_metadata_table_configuration(Bucket=s3_bucket)
    assert _error(excinfo) == ("MetadataConfigurationNotFound", 404)


# --- default encryption on new objects -------------------------------------------------------------


def test_bucket_default_encryption_applies_to_new_objects(s3: S3Client, s3_bucket: str) -> None:
    arn = f"arn:aws:kms:{s3.meta.region_name}:123456789012:key/{KMS_KEY}"
    s3.put_bucket_encryption(Bucket=s3_bucket, ServerSideEncryptionConfiguration=ENCRYPTION)  # type: ignore[arg-type]  # plain dicts
    put = s3.put_object(Bucket=s3_bucket, Key="a", Body=b"x")
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"], put["BucketKeyEnabled"]) == (
        "aws:kms",
        arn,
        True,
    )
    head = s3.head_object(Bucket=s3_bucket, Key="a")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"], head["BucketKeyEnabled"]) == (
        "aws:kms",
        arn,
        True,
    )
    upload = s3.create_multipart_upload(Bucket=s3_bucket, Key="m")
    assert upload["ServerSideEncryption"] == "aws:kms"
    copied = s3.copy_object(Bucket=s3_bucket, Key="b", CopySource={"Bucket": s3_bucket, "Key": "a"})
    assert copied["ServerSideEncryption"] == "aws:kms"
    # the request's own choice wins over the bucket's default
    explicit = s3.put_object(Bucket=s3_bucket, Key="c", Body=b"x", ServerSideEncryption="AES256")
    assert explicit["ServerSideEncryption"] == "AES256"
    s3.delete_bucket_encryption(Bucket=s3_bucket)
    plain = s3.put_object(Bucket=s3_bucket, Key="d", Body=b"x")
    assert plain["ServerSideEncryption"] == "AES256"
    assert "SSEKMSKeyId" not in plain


def test_kms_default_without_key_uses_the_aws_managed_key(s3: S3Client, s3_bucket: str) -> None:
    s3.put_bucket_encryption(
        Bucket=s3_bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    rule = s3.get_bucket_encryption(Bucket=s3_bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule == {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
    head = s3.put_object(Bucket=s3_bucket, Key="a", Body=b"x")
    assert head["SSEKMSKeyId"].startswith(f"arn:aws:kms:{s3.meta.region_name}:123456789012:key/")
    assert "BucketKeyEnabled" not in head
