"""The encryption facts of a request as a bucket policy engine reads them."""

from __future__ import annotations

from pytest_s3emu.handlers.encryption import Requested, requested


def test_condition_values_name_only_the_headers_sent() -> None:
    params = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/k", "BucketKeyEnabled": True}
    found = requested(params)
    assert found == Requested(algorithm="aws:kms", kms_key_id="alias/k", bucket_key=True)
    assert found.condition_values() == {
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": "alias/k",
    }
    assert requested({}).condition_values() == {}


def test_customer_key_headers_and_copy_source_prefix() -> None:
    params = {"SSECustomerAlgorithm": "AES256", "CopySourceSSECustomerAlgorithm": "AES256"}
    assert requested(params).condition_values() == {
        "s3:x-amz-server-side-encryption-customer-algorithm": "AES256"
    }
    source = requested({"CopySourceSSECustomerKeyMD5": "x"}, "CopySource")
    assert source.customer and source.algorithm is None
