"""Event notifications: the S3 event records in s3emu.events, their filters, and delivery."""

from __future__ import annotations

import http.server
import io
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import boto3.s3.transfer
import pytest
from botocore.exceptions import ClientError
from rawhttp import send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

QUEUE = "arn:aws:sqs:us-east-1:123456789012:events"
TOPIC = "arn:aws:sns:us-east-1:123456789012:events"
ISO_MS = "%Y-%m-%dT%H:%M:%S.%fZ"


def _notify(s3: S3Client, bucket: str, *entries: dict[str, Any], **more: Any) -> None:
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"QueueConfigurations": list(entries), **more},  # type: ignore[typeddict-item]  # built per test
    )


def _queue(events: list[str], config_id: str = "all", prefix: str = "", suffix: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": config_id, "QueueArn": QUEUE, "Events": events}
    rules = [
        {"Name": name, "Value": value} for name, value in (("prefix", prefix), ("suffix", suffix)) if value
    ]
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    return entry


def test_put_object_makes_the_documented_record(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(s3, s3_bucket, _queue(["s3:ObjectCreated:*"], "created"))
    put = s3.put_object(Bucket=s3_bucket, Key="dir/red flower.jpg", Body=b"hello")
    [event] = s3emu.events
    assert (event.name, event.bucket, event.key) == ("ObjectCreated:Put", s3_bucket, "dir/red flower.jpg")
    assert (event.configuration_id, event.destination) == ("created", QUEUE)
    record = event.record
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == s3.meta.region_name
    assert record["eventName"] == "ObjectCreated:Put"
    assert datetime.strptime(record["eventTime"], ISO_MS) and len(record["eventTime"]) == 24
    assert record["userIdentity"]["principalId"].startswith("AWS:")
    assert record["requestParameters"]["sourceIPAddress"] == "127.0.0.1"
    ids = put["ResponseMetadata"]["HTTPHeaders"]
    assert record["responseElements"] == {
        "x-amz-request-id": ids["x-amz-request-id"],
        "x-amz-id-2": ids["x-amz-id-2"],
    }
    s3_part = record["s3"]
    assert s3_part["s3SchemaVersion"] == "1.0" and s3_part["configurationId"] == "created"
    assert s3_part["bucket"]["name"] == s3_bucket
    assert s3_part["bucket"]["arn"] == f"arn:aws:s3:::{s3_bucket}"
    assert s3_part["bucket"]["ownerIdentity"]["principalId"]
    obj = s3_part["object"]
    assert obj["key"] == "dir/red+flower.jpg"  # form-encoded, as S3 sends it
    assert obj["size"] == 5 and obj["eTag"] == put["ETag"].strip('"')
    assert "versionId" not in obj  # an unversioned bucket
    assert len(obj["sequencer"]) == 18
    json.dumps(record)  # plain JSON


def test_no_configuration_no_events(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    s3.delete_object(Bucket=s3_bucket, Key="k")
    assert list(s3emu.events) == []


def test_a_failed_request_makes_no_event(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(s3, s3_bucket, _queue(["s3:ObjectTagging:*"]))
    with pytest.raises(ClientError) as missing:
        s3.put_object_tagging(Bucket=s3_bucket, Key="nope", Tagging={"TagSet": []})
    assert missing.value.response["Error"]["Code"] == "NoSuchKey"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert list(s3emu.events) == []


def test_each_way_of_creating_an_object(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(s3, s3_bucket, _queue(["s3:ObjectCreated:*"]))
    s3.put_object(Bucket=s3_bucket, Key="a", Body=b"v")
    s3.copy_object(Bucket=s3_bucket, Key="b", CopySource={"Bucket": s3_bucket, "Key": "a"})
    upload = s3.create_multipart_upload(Bucket=s3_bucket, Key="c")["UploadId"]
    part = s3.upload_part(Bucket=s3_bucket, Key="c", UploadId=upload, PartNumber=1, Body=b"xyz")
    s3.complete_multipart_upload(
        Bucket=s3_bucket,
        Key="c",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    names = [(event.name, event.key) for event in s3emu.events]
    assert names == [
        ("ObjectCreated:Put", "a"),
        ("ObjectCreated:Copy", "b"),
        ("ObjectCreated:CompleteMultipartUpload", "c"),
    ]
    assert s3emu.events.filter(key="c")[0].record["s3"]["object"]["size"] == 3


@pytest.mark.http_only  # a browser form upload: HTTP itself
def test_a_form_upload_is_object_created_post(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(s3, s3_bucket, _queue(["s3:ObjectCreated:Post"]))
    fields = dict(s3.generate_presigned_post(s3_bucket, "up/${filename}")["fields"])
    boundary = "s3emuboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n'
        for n, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nposted\r\n'
    )
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    answer = send(
        s3emu, "POST", f"/{s3_bucket}", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert answer.status == 204
    [event] = s3emu.events
    assert (event.name, event.key, event.record["s3"]["object"]["size"]) == (
        "ObjectCreated:Post",
        "up/a.txt",
        6,
    )
    s3.put_object(Bucket=s3_bucket, Key="other", Body=b"v")  # ObjectCreated:Put is not configured
    assert len(s3emu.events) == 1


def test_deletes_in_an_unversioned_bucket(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(s3, s3_bucket, _queue(["s3:ObjectRemoved:*"]))
    s3.put_object(Bucket=s3_bucket, Key="a", Body=b"v")
    s3.put_object(Bucket=s3_bucket, Key="b", Body=b"v")
    s3.delete_object(Bucket=s3_bucket, Key="a")
    s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": [{"Key": "b"}, {"Key": "never"}], "Quiet": True})
    assert [(event.name, event.key) for event in s3emu.events] == [
        ("ObjectRemoved:Delete", "a"),
        ("ObjectRemoved:Delete", "b"),
        ("ObjectRemoved:Delete", "never"),  # S3 reports a delete of a missing key as deleted too
    ]
    assert "size" not in s3emu.events[0].record["s3"]["object"]


def test_deletes_in_a_versioned_bucket(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    _notify(s3, s3_bucket, _queue(["s3:ObjectRemoved:*", "s3:ObjectCreated:*"]))
    version = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")["VersionId"]
    marker = s3.delete_object(Bucket=s3_bucket, Key="k")["VersionId"]
    s3.delete_object(Bucket=s3_bucket, Key="k", VersionId=version)
    batch = s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": [{"Key": "k"}]})
    assert [(event.name, event.version_id) for event in s3emu.events] == [
        ("ObjectCreated:Put", version),
        ("ObjectRemoved:DeleteMarkerCreated", marker),
        ("ObjectRemoved:Delete", version),
        ("ObjectRemoved:DeleteMarkerCreated", batch["Deleted"][0]["DeleteMarkerVersionId"]),
    ]
    assert s3emu.events[0].record["s3"]["object"]["versionId"] == version
    assert len(s3emu.events.filter("ObjectRemoved:*")) == 3


def test_restore_tagging_and_acl(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(
        s3,
        s3_bucket,
        _queue(["s3:ObjectRestore:*"], "restore"),
        _queue(["s3:ObjectTagging:*"], "tags"),
        _queue(["s3:ObjectAcl:Put"], "acl"),
    )
    s3.put_object(Bucket=s3_bucket, Key="cold", Body=b"v", StorageClass="GLACIER")
    s3.restore_object(Bucket=s3_bucket, Key="cold", RestoreRequest={"Days": 1})
    s3.restore_object(Bucket=s3_bucket, Key="cold", RestoreRequest={"Days": 2})  # already restored
    s3.put_object_tagging(Bucket=s3_bucket, Key="cold", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    s3.delete_object_tagging(Bucket=s3_bucket, Key="cold")
    s3.put_bucket_ownership_controls(
        Bucket=s3_bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )
    s3.put_object_acl(Bucket=s3_bucket, Key="cold", ACL="private")
    found = [(event.name, event.configuration_id, event.record["eventVersion"]) for event in s3emu.events]
    assert found == [
        ("ObjectRestore:Post", "restore", "2.1"),
        ("ObjectRestore:Completed", "restore", "2.1"),
        ("ObjectTagging:Put", "tags", "2.3"),
        ("ObjectTagging:Delete", "tags", "2.3"),
        ("ObjectAcl:Put", "acl", "2.3"),
    ]
    tagging = s3emu.events.filter("ObjectTagging:Put")[0].record["s3"]["object"]
    assert tagging == {"key": "cold", "eTag": s3.head_object(Bucket=s3_bucket, Key="cold")["ETag"].strip('"')}
    restored = s3emu.events.filter("ObjectRestore:Post")[0].record["s3"]["object"]
    assert restored["size"] == 1 and "sequencer" in restored
    completed = s3emu.events.filter("ObjectRestore:Completed")[0].record["glacierEventData"][
        "restoreEventData"
    ]
    assert completed["lifecycleRestoreStorageClass"] == "GLACIER"
    assert datetime.strptime(completed["lifecycleRestorationExpiryTime"], ISO_MS)


def test_prefix_and_suffix_filters(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(
        s3,
        s3_bucket,
        _queue(["s3:ObjectCreated:Put"], "images", prefix="images/", suffix=".jpg"),
        _queue(["s3:ObjectCreated:Put"], "logs", prefix="logs/"),
    )
    for key in ("images/a.jpg", "images/a.png", "other/a.jpg", "logs/x", "images.jpg"):
        s3.put_object(Bucket=s3_bucket, Key=key, Body=b"v")
    assert [(event.key, event.configuration_id) for event in s3emu.events] == [
        ("images/a.jpg", "images"),
        ("logs/x", "logs"),
    ]
    assert s3emu.events.filter(key=lambda key: key.endswith(".jpg"))[0].key == "images/a.jpg"


def test_one_record_per_matching_destination(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    # S3 refuses two configurations that share an event on overlapping keys; EventBridge gets all
    _notify(
        s3,
        s3_bucket,
        _queue(["s3:ObjectCreated:*"], "queue", prefix="a/"),
        TopicConfigurations=[
            {
                "Id": "topic",
                "TopicArn": TOPIC,
                "Events": ["s3:ObjectCreated:Put"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "b/"}]}},
            }
        ],
        EventBridgeConfiguration={},
    )
    s3.put_object(Bucket=s3_bucket, Key="a/k", Body=b"v")
    s3.put_object(Bucket=s3_bucket, Key="b/k", Body=b"v")
    assert [(event.key, event.configuration_id, event.destination) for event in s3emu.events] == [
        ("a/k", "queue", QUEUE),
        ("a/k", None, "EventBridge"),
        ("b/k", "topic", TOPIC),
        ("b/k", None, "EventBridge"),
    ]
    assert len(s3emu.events.filter("s3:ObjectCreated:Put", bucket=s3_bucket, destination="EventBridge")) == 2
    s3emu.events.clear()
    assert s3emu.events.filter() == []


def test_reset_forgets_the_events(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(s3, s3_bucket, _queue(["s3:ObjectCreated:*"]))
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    assert len(s3emu.events) == 1
    s3emu.reset()
    assert list(s3emu.events) == []


def test_wait_for_events_from_transfer_threads(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(s3, s3_bucket, _queue(["s3:ObjectCreated:*"]))
    config = boto3.s3.transfer.TransferConfig(multipart_threshold=5 * 2**20, multipart_chunksize=5 * 2**20)
    done: list[str] = []

    def upload(key: str) -> None:
        s3.upload_fileobj(io.BytesIO(b"x" * (6 * 2**20)), s3_bucket, key, Config=config)
        done.append(key)

    threads = [threading.Thread(target=upload, args=(f"big-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    found = s3emu.events.wait(count=2, timeout=30, name="ObjectCreated:CompleteMultipartUpload")
    for thread in threads:
        thread.join()
    assert sorted(event.key for event in found) == ["big-0", "big-1"]


def test_wait_names_what_it_saw_when_it_times_out(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    _notify(s3, s3_bucket, _queue(["s3:ObjectCreated:*"]))
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    with pytest.raises(TimeoutError, match="ObjectCreated:Put"):
        s3emu.events.wait(count=2, timeout=0)


def test_lifecycle_expiration_and_transition(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3emu.clock.set(datetime(2030, 1, 10, 12, tzinfo=timezone.utc))
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(
        Bucket=s3_bucket,
        LifecycleConfiguration={
            "Rules": [
                {"ID": "old", "Status": "Enabled", "Filter": {"Prefix": "old/"}, "Expiration": {"Days": 1}},
                {
                    "ID": "cold",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "cold/"},
                    "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}],
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                },
            ]
        },
    )
    _notify(s3, s3_bucket, _queue(["s3:LifecycleExpiration:*", "s3:LifecycleTransition"]))
    s3.put_object(Bucket=s3_bucket, Key="old/k", Body=b"v")
    s3.put_object(Bucket=s3_bucket, Key="cold/k", Body=b"v" * 2**17)
    s3emu.clock.advance(days=3)
    names = sorted((event.name, event.key) for event in s3emu.events)
    assert names == [
        ("LifecycleExpiration:DeleteMarkerCreated", "old/k"),
        ("LifecycleTransition", "cold/k"),
    ]
    transition = s3emu.events.filter("LifecycleTransition")[0].record
    assert transition["eventVersion"] == "2.3"
    assert transition["lifecycleEventData"] == {"transitionEventData": {"destinationStorageClass": "GLACIER"}}
    assert transition["userIdentity"]["principalId"] == "s3.amazonaws.com"
    assert transition["requestParameters"]["sourceIPAddress"] == "s3.amazonaws.com"
    assert transition["eventTime"].startswith(
        (datetime(2030, 1, 10, 12, tzinfo=timezone.utc) + timedelta(days=3)).strftime("%Y-%m-%dT")
    )
    version = s3.list_object_versions(Bucket=s3_bucket, Prefix="old/")["Versions"][0]["VersionId"]
    s3.put_bucket_lifecycle_configuration(
        Bucket=s3_bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "gone",
                    "Status": "Enabled",
                    "Filter": {},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                }
            ]
        },
    )
    s3emu.events.clear()
    s3emu.clock.advance(days=3)
    assert (s3emu.events[0].name, s3emu.events[0].version_id) == ("LifecycleExpiration:Delete", version)


class _Collector(http.server.BaseHTTPRequestHandler):
    received: list[dict[str, Any]]
    arrived: threading.Event

    def do_POST(self) -> None:  # the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()
        self.arrived.set()

    def log_message(self, format: str, *args: Any) -> None:  # the base signature
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, type[_Collector]]]:
    """A loopback HTTP server keeping what is POSTed to it."""
    handler = type("Handler", (_Collector,), {"received": [], "arrived": threading.Event()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/events", handler
    server.shutdown()
    server.server_close()


def test_events_are_posted_to_a_loopback_url(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str, collector: tuple[str, type[_Collector]]
) -> None:
    url, handler = collector
    s3emu.deliver_events_to(url)
    _notify(s3, s3_bucket, _queue(["s3:ObjectCreated:*"]))
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    assert handler.arrived.wait(timeout=30)
    assert handler.received == [{"Records": [s3emu.events[0].record]}]


def test_delivery_failure_never_fails_the_request(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3emu.deliver_events_to("http://127.0.0.1:9/nobody-listens")
    _notify(s3, s3_bucket, _queue(["s3:ObjectCreated:*"]))
    assert s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert len(s3emu.events) == 1
    s3emu.deliver_events_to(None)


@pytest.mark.parametrize(
    "url", ["http://example.com/x", "http://10.0.0.1/x", "ftp://127.0.0.1/x", "nonsense"]
)
def test_delivery_refuses_other_than_loopback(s3emu: S3Emulator, url: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        s3emu.deliver_events_to(url)
