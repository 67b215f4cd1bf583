"""Bucket configurations S3 refuses: schema errors, its rule checks, and policy status."""

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

QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"
DEST = {"S3BucketDestination": {"Bucket": "arn:aws:s3:::dest", "Format": "CSV"}}


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response: Any = excinfo.value.response
    error = response["Error"]
    return error["Code"], response["ResponseMetadata"]["HTTPStatusCode"], error["Message"]


def _rule(**members: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "logs/"}}
    rule.update(members)
    return {k: v for k, v in rule.items() if v is not None}


def _lifecycle(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"LifecycleConfiguration": {"Rules": list(rules)}}


def _policy(**statement: Any) -> dict[str, Any]:
    base = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::BUCKET/*",
    }
    base.update(statement)
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in base.items() if v is not None}]}


def _queue(events: list[str], *rules: tuple[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"QueueArn": QUEUE, "Events": events}
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": [{"Name": n, "Value": v} for n, v in rules]}}
    return entry


def _notify(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"NotificationConfiguration": {"QueueConfigurations": list(entries)}}


MIDDAY = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)
MIDNIGHT = datetime(2030, 1, 1, tzinfo=timezone.utc)

INVALID: list[tuple[str, str, dict[str, Any], str, str]] = [
    # (id, method, arguments besides Bucket, code, a part of the message)
    (
        "kms-key-with-aes",
        "put_bucket_encryption",
        {
            "ServerSideEncryptionConfiguration": {
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}
                ]
            }
        },
        "InvalidArgument",
        "KMSMasterKeyID is not applicable",
    ),
    (
        "unknown-sse",
        "put_bucket_encryption",
        {
            "ServerSideEncryptionConfiguration": {
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "DES"}}]
            }
        },
        "MalformedXML",
        "",
    ),
    (
        "cors-method",
        "put_bucket_cors",
        {"CORSConfiguration": {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]}},
        "InvalidRequest",
        "Unsupported method is PATCH",
    ),
    (
        "cors-wildcards",
        "put_bucket_cors",
        {
            "CORSConfiguration": {
                "CORSRules": [{"AllowedOrigins": ["http://*.*.com"], "AllowedMethods": ["GET"]}]
            }
        },
        "InvalidRequest",
        "can not have more than one wildcard",
    ),
    (
        "cors-101-rules",
        "put_bucket_cors",
        {"CORSConfiguration": {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101}},
        "MalformedXML",
        "",
    ),
    (
        "website-no-index",
        "put_bucket_website",
        {"WebsiteConfiguration": {"ErrorDocument": {"Key": "e.html"}}},
        "InvalidArgument",
        "IndexDocument Suffix must be provided",
    ),
    (
        "website-suffix",
        "put_bucket_website",
        {"WebsiteConfiguration": {"IndexDocument": {"Suffix": "a/index.html"}}},
        "InvalidArgument",
        "not well formed",
    ),
    (
        "website-redirect-and-index",
        "put_bucket_website",
        {
            "WebsiteConfiguration": {
                "IndexDocument": {"Suffix": "i.html"},
                "RedirectAllRequestsTo": {"HostName": "example.com"},
            }
        },
        "InvalidArgument",
        "RedirectAllRequestsTo cannot be provided",
    ),
    (
        "website-both-replacements",
        "put_bucket_website",
        {
            "WebsiteConfiguration": {
                "IndexDocument": {"Suffix": "i.html"},
                "RoutingRules": [{"Redirect": {"ReplaceKeyWith": "a", "ReplaceKeyPrefixWith": "b"}}],
            }
        },
        "InvalidRequest",
        "ReplaceKeyPrefix or ReplaceKey",
    ),
    (
        "tags-51",
        "put_bucket_tagging",
        {"Tagging": {"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(51)]}},
        "BadRequest",
        "cannot be greater than 50",
    ),
    (
        "tags-duplicate",
        "put_bucket_tagging",
        {"Tagging": {"TagSet": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}},
        "InvalidTag",
        "same key",
    ),
    (
        "tags-aws-prefix",
        "put_bucket_tagging",
        {"Tagging": {"TagSet": [{"Key": "aws:cloudformation:x", "Value": "v"}]}},
        "InvalidTag",
        "System tags",
    ),
    (
        "tag-key-too-long",
        "put_bucket_tagging",
        {"Tagging": {"TagSet": [{"Key": "k" * 129, "Value": "v"}]}},
        "InvalidTag",
        "TagKey",
    ),
    (
        "accelerate-status",
        "put_bucket_accelerate_configuration",
        {"AccelerateConfiguration": {"Status": "On"}},
        "MalformedXML",
        "",
    ),
    (
        "payer",
        "put_bucket_request_payment",
        {"RequestPaymentConfiguration": {"Payer": "Nobody"}},
        "MalformedXML",
        "",
    ),
    (
        "ownership-value",
        "put_bucket_ownership_controls",
        {"OwnershipControls": {"Rules": [{"ObjectOwnership": "Anyone"}]}},
        "MalformedXML",
        "",
    ),
    (
        "logging-target",
        "put_bucket_logging",
        {
            "BucketLoggingStatus": {
                "LoggingEnabled": {"TargetBucket": "no-such-bucket-s3emu", "TargetPrefix": ""}
            }
        },
        "InvalidTargetBucketForLogging",
        "does not exist",
    ),
    (
        "event",
        "put_bucket_notification_configuration",
        _notify(_queue(["s3:ObjectCreated:Nope"])),
        "InvalidArgument",
        "event is not supported",
    ),
    (
        "overlap",
        "put_bucket_notification_configuration",
        _notify(
            _queue(["s3:ObjectCreated:*"], ("prefix", "a/")),
            _queue(["s3:ObjectCreated:Put"], ("prefix", "a/b")),
        ),
        "InvalidArgument",
        "Configurations overlap",
    ),
    (
        "filter-name",
        "put_bucket_notification_configuration",
        _notify(_queue(["s3:ObjectCreated:*"], ("middle", "x"))),
        "InvalidArgument",
        "prefix or suffix",
    ),
    (
        "two-prefixes",
        "put_bucket_notification_configuration",
        _notify(_queue(["s3:ObjectCreated:*"], ("prefix", "a"), ("prefix", "b"))),
        "InvalidArgument",
        "more than one prefix",
    ),
    (
        "lc-id-length",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(ID="x" * 256, Expiration={"Days": 1})),
        "InvalidArgument",
        "ID length should not exceed allowed limit of 255",
    ),
    (
        "lc-duplicate-id",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Expiration={"Days": 1}), _rule(Expiration={"Days": 2})),
        "InvalidArgument",
        "Rule ID must be unique",
    ),
    (
        "lc-status",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Status="enabled", Expiration={"Days": 1})),
        "MalformedXML",
        "",
    ),
    (
        "lc-filter-and-prefix",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Prefix="a", Expiration={"Days": 1})),
        "MalformedXML",
        "",
    ),
    (
        "lc-no-filter",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Filter=None, Expiration={"Days": 1})),
        "MalformedXML",
        "",
    ),
    (
        "lc-filter-two-kinds",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Filter={"Prefix": "a", "ObjectSizeGreaterThan": 5}, Expiration={"Days": 1})),
        "MalformedXML",
        "",
    ),
    (
        "lc-no-action",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule()),
        "InvalidRequest",
        "At least one action needs to be specified in a rule",
    ),
    (
        "lc-days-zero",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Expiration={"Days": 0})),
        "InvalidArgument",
        "'Days' for Expiration action must be a positive integer",
    ),
    (
        "lc-date-midday",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Expiration={"Date": MIDDAY})),
        "InvalidArgument",
        "'Date' must be at midnight GMT",
    ),
    (
        "lc-days-and-marker",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Expiration={"Days": 3, "ExpiredObjectDeleteMarker": True})),
        "MalformedXML",
        "",
    ),
    (
        "lc-ia-10-days",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Transitions=[{"Days": 10, "StorageClass": "STANDARD_IA"}])),
        "InvalidArgument",
        "greater than or equal to 30 for storageClass 'STANDARD_IA'",
    ),
    (
        "lc-expire-before-transition",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(Transitions=[{"Days": 60, "StorageClass": "GLACIER"}], Expiration={"Days": 60})),
        "InvalidArgument",
        "'Days' in the Expiration action for filter '(prefix=logs/)' must be greater than 'Days' in the "
        "Transition action",
    ),
    (
        "lc-mixed-date-days",
        "put_bucket_lifecycle_configuration",
        _lifecycle(
            _rule(Transitions=[{"Days": 1, "StorageClass": "GLACIER"}], Expiration={"Date": MIDNIGHT})
        ),
        "InvalidRequest",
        "Found mixed 'Date' and 'Days'",
    ),
    (
        "lc-same-class",
        "put_bucket_lifecycle_configuration",
        _lifecycle(
            _rule(
                Transitions=[{"Days": 1, "StorageClass": "GLACIER"}, {"Days": 5, "StorageClass": "GLACIER"}]
            )
        ),
        "InvalidRequest",
        "'StorageClass' must be different",
    ),
    (
        "lc-noncurrent-zero",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(NoncurrentVersionExpiration={"NoncurrentDays": 0})),
        "InvalidArgument",
        "NoncurrentDays",
    ),
    (
        "lc-abort-with-tag",
        "put_bucket_lifecycle_configuration",
        _lifecycle(
            _rule(
                Filter={"Tag": {"Key": "k", "Value": "v"}},
                AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1},
            )
        ),
        "InvalidRequest",
        "AbortIncompleteMultipartUpload cannot be specified with Tags.",
    ),
    (
        "lc-abort-zero",
        "put_bucket_lifecycle_configuration",
        _lifecycle(_rule(AbortIncompleteMultipartUpload={"DaysAfterInitiation": 0})),
        "InvalidArgument",
        "DaysAfterInitiation",
    ),
    (
        "lc-duplicate-tags",
        "put_bucket_lifecycle_configuration",
        _lifecycle(
            _rule(
                Filter={"And": {"Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}},
                Expiration={"Days": 1},
            )
        ),
        "InvalidRequest",
        "Duplicate Tag Keys",
    ),
    (
        "lc-minimum-size",
        "put_bucket_lifecycle_configuration",
        {**_lifecycle(_rule(Expiration={"Days": 1})), "TransitionDefaultMinimumObjectSize": "tiny"},
        "InvalidRequest",
        "TransitionDefaultMinimumObjectSize",
    ),
    (
        "policy-not-json",
        "put_bucket_policy",
        {"Policy": "not json"},
        "MalformedPolicy",
        "Policies must be valid JSON and the first byte must be '{'",
    ),
    ("policy-array", "put_bucket_policy", {"Policy": "[]"}, "MalformedPolicy", "first byte must be '{'"),
    (
        "policy-no-statement",
        "put_bucket_policy",
        {"Policy": json.dumps({"Version": "2012-10-17"})},
        "MalformedPolicy",
        "Missing required field Statement",
    ),
    (
        "policy-effect",
        "put_bucket_policy",
        {"Policy": json.dumps(_policy(Effect="Allw"))},
        "MalformedPolicy",
        "Invalid effect: Allw",
    ),
    (
        "policy-principal",
        "put_bucket_policy",
        {"Policy": json.dumps(_policy(Principal=None))},
        "MalformedPolicy",
        "Missing required field Principal",
    ),
    (
        "policy-action",
        "put_bucket_policy",
        {"Policy": json.dumps(_policy(Action="ec2:RunInstances"))},
        "MalformedPolicy",
        "Policy has invalid action",
    ),
    (
        "policy-resource",
        "put_bucket_policy",
        {"Policy": json.dumps(_policy(Resource="arn:aws:s3:::another-bucket/*"))},
        "MalformedPolicy",
        "Policy has invalid resource",
    ),
    (
        "analytics-id",
        "put_bucket_analytics_configuration",
        {"Id": "a", "AnalyticsConfiguration": {"Id": "b", "StorageClassAnalysis": {}}},
        "MalformedXML",
        "",
    ),
    (
        "inventory-id",
        "put_bucket_inventory_configuration",
        {
            "Id": "a",
            "InventoryConfiguration": {
                "Id": "b",
                "IsEnabled": True,
                "Destination": DEST,
                "IncludedObjectVersions": "All",
                "Schedule": {"Frequency": "Daily"},
            },
        },
        "IdMismatch",
        "Document ID does not match",
    ),
    (
        "inventory-destination",
        "put_bucket_inventory_configuration",
        {
            "Id": "a",
            "InventoryConfiguration": {
                "Id": "a",
                "IsEnabled": True,
                "Destination": {"S3BucketDestination": {"Bucket": "dest", "Format": "CSV"}},
                "IncludedObjectVersions": "All",
                "Schedule": {"Frequency": "Daily"},
            },
        },
        "InvalidS3DestinationBucket",
        "Invalid bucket ARN",
    ),
    (
        "inventory-frequency",
        "put_bucket_inventory_configuration",
        {
            "Id": "a",
            "InventoryConfiguration": {
                "Id": "a",
                "IsEnabled": True,
                "Destination": DEST,
                "IncludedObjectVersions": "All",
                "Schedule": {"Frequency": "Hourly"},
            },
        },
        "MalformedXML",
        "",
    ),
]


@pytest.mark.parametrize(
    ("method", "arguments", "code", "message"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_configurations(
    s3: S3Client, s3_bucket: str, method: str, arguments: dict[str, Any], code: str, message: str
) -> None:
    if method == "put_bucket_policy":
        arguments = {"Policy": arguments["Policy"].replace("BUCKET", s3_bucket)}
    with pytest.raises(ClientError) as excinfo:
        getattr(s3, method)(Bucket=s3_bucket, **arguments)
    found_code, status, found_message = _error(excinfo)
    assert (found_code, status) == (code, 400)
    assert message in found_message
    # nothing was stored: the configurations with a 404 still answer it
    if method in (
        "put_bucket_cors",
        "put_bucket_website",
        "put_bucket_lifecycle_configuration",
        "put_bucket_policy",
    ):
        with pytest.raises(ClientError) as missing:
            getattr(s3, method.replace("put_", "get_"))(Bucket=s3_bucket)
        assert _error(missing)[1] == 404


def test_accelerate_refuses_dotted_bucket_names(s3: S3Client) -> None:
    name = f"dotted.{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_accelerate_configuration(Bucket=name, AccelerateConfiguration={"Status": "Enabled"})
    code, status, message = _error(excinfo)
    assert (code, status) == ("InvalidRequest", 400)
    assert "periods (.)" in message


def test_logging_to_another_region_is_prohibited(s3: S3Client, s3_bucket: str) -> None:
    target = f"eu-logs-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=target, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_logging(
            Bucket=s3_bucket,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": ""}},
        )
    assert _error(excinfo)[:2] == ("CrossLocationLoggingProhibitted", 403)


def test_notification_disjoint_filters_do_not_overlap(s3: S3Client, s3_bucket: str) -> None:
    entries = [
        _queue(["s3:ObjectCreated:*"], ("prefix", "a/")),
        _queue(["s3:ObjectCreated:*"], ("prefix", "b/")),
        _queue(["s3:ObjectRemoved:*"], ("prefix", "a/")),
        _queue(["s3:ObjectCreated:*"], ("prefix", "c/"), ("suffix", ".jpg")),
    ]
    s3.put_bucket_notification_configuration(Bucket=s3_bucket, **_notify(*entries))
    got = s3.get_bucket_notification_configuration(Bucket=s3_bucket)["QueueConfigurations"]
    assert [entry["Events"] for entry in got] == [e["Events"] for e in entries]


def test_replication_v2_rules_need_delete_marker_replication(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    s3emu.app.store.buckets[s3_bucket].versioning = "Enabled"  # PutBucketVersioning is another area's
    rule: Any = {"Status": "Enabled", "Filter": {}, "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_replication(Bucket=s3_bucket, ReplicationConfiguration={"Role": "r", "Rules": [rule]})
    code, status, message = _error(excinfo)
    assert (code, status) == ("InvalidRequest", 400)
    assert "DeleteMarkerReplication must be specified" in message


# --- policies and their public status -----------------------------------------------------------------


def test_public_policy_is_blocked_by_default(s3: S3Client, s3_bucket: str) -> None:
    policy = json.dumps(_policy(Resource=f"arn:aws:s3:::{s3_bucket}/*"))
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_policy(Bucket=s3_bucket, Policy=policy)
    code, status, message = _error(excinfo)
    assert (code, status) == ("AccessDenied", 403)
    assert "BlockPublicPolicy" in message
    s3.delete_public_access_block(Bucket=s3_bucket)
    s3.put_bucket_policy(Bucket=s3_bucket, Policy=policy)
    assert s3.get_bucket_policy(Bucket=s3_bucket)["Policy"] == policy
    assert s3.get_bucket_policy_status(Bucket=s3_bucket)["PolicyStatus"] == {"IsPublic": True}
    assert s3.delete_bucket_policy(Bucket=s3_bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_policy_status(Bucket=s3_bucket)
    assert _error(excinfo)[:2] == ("NoSuchBucketPolicy", 404)


@pytest.mark.parametrize(
    ("statement", "public"),
    [
        ({"Principal": {"AWS": "arn:aws:iam::123456789012:root"}}, False),
        ({"Principal": {"AWS": ["arn:aws:iam::123456789012:root", "*"]}}, True),
        ({"Effect": "Deny"}, False),
        ({"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/16"}}}, False),
        ({"Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}, True),
        ({"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}, False),
        ({"Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}, True),
        ({"Condition": {"StringLike": {"aws:Referer": "https://example.com/*"}}}, True),
    ],
)
def test_policy_status(s3: S3Client, s3_bucket: str, statement: dict[str, Any], public: bool) -> None:
    s3.delete_public_access_block(Bucket=s3_bucket)
    policy = _policy(Resource=[f"arn:aws:s3:::{s3_bucket}", f"arn:aws:s3:::{s3_bucket}/*"], **statement)
    s3.put_bucket_policy(Bucket=s3_bucket, Policy=json.dumps(policy))
    assert s3.get_bucket_policy_status(Bucket=s3_bucket)["PolicyStatus"]["IsPublic"] is public
