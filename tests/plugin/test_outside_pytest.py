"""Outside the fixtures: S3Emulator(activate=True), S3Emulator.activate() and mock_s3."""

from __future__ import annotations

import os
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_s3emu import S3Emulator, mock_s3, netguard
from pytest_s3emu.env import BlockedRequest

# what a developer's shell may hold: replaced while active, given back exactly afterwards
SENTINELS = {
    "AWS_PROFILE": "sentinel-profile",
    "AWS_ACCESS_KEY_ID": "SENTINELACCESSKEY",
    "AWS_SECRET_ACCESS_KEY": "sentinel-secret",
    "AWS_SESSION_TOKEN": "sentinel-token",
    "AWS_DEFAULT_REGION": "ap-south-1",
    "AWS_ENDPOINT_URL_S3": "http://sentinel.invalid:9000",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
    "HTTPS_PROXY": "http://proxy.invalid:3128",
    "NO_PROXY": "corp.invalid",
}
# set while active; absent before, so they must be absent again after
ADDED = ("AWS_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "HTTP_PROXY", "no_proxy")


@pytest.fixture
def shell_env(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The sentinels set and a stand-in user session as boto3's default; the environment as it is."""
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    return _environ()


def _environ() -> dict[str, str]:
    # PYTEST_CURRENT_TEST is pytest's own, changed between setup and call
    return {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}


def _bucket() -> str:
    return f"outside-{uuid.uuid4().hex[:16]}"


def _assert_active(emulator: S3Emulator) -> None:
    assert os.environ["AWS_ENDPOINT_URL_S3"] == emulator.endpoint_url
    assert "AWS_PROFILE" not in os.environ and "AWS_SESSION_TOKEN" not in os.environ
    name = _bucket()
    boto3.client("s3").create_bucket(Bucket=name)  # a plain client, no endpoint_url=
    emulator.assert_called("CreateBucket", bucket=name, status=200)


def test_activate_true_sets_and_restores_the_environment(shell_env: dict[str, str]) -> None:
    with S3Emulator(activate=True) as emu:
        _assert_active(emu)
        assert all(name in os.environ for name in ADDED)
        assert os.environ["HTTPS_PROXY"] == emu.endpoint_url  # the guard, as the fixtures set it
        assert netguard._active is not None

    assert _environ() == shell_env
    assert not any(name in os.environ for name in ADDED)
    assert boto3.DEFAULT_SESSION is None
    assert netguard._active is None
    assert not emu.running


def test_activate_true_restores_after_an_exception(shell_env: dict[str, str]) -> None:
    with pytest.raises(KeyError), S3Emulator(activate=True):
        raise KeyError("in the block")

    assert _environ() == shell_env
    assert boto3.DEFAULT_SESSION is None


def test_without_activate_the_environment_is_untouched(shell_env: dict[str, str]) -> None:
    with S3Emulator() as emu:
        assert emu.running
        assert _environ() == shell_env
        assert boto3.DEFAULT_SESSION is None


def test_activate_method_and_its_guard_switch(shell_env: dict[str, str]) -> None:
    with S3Emulator() as emu:
        with emu.activate(guard=False):
            _assert_active(emu)
            # no guard: the user's proxy settings stay as they were
            assert os.environ["HTTPS_PROXY"] == SENTINELS["HTTPS_PROXY"]
            assert "HTTP_PROXY" not in os.environ and netguard._active is None
        assert _environ() == shell_env
        with emu.activate() as active:
            assert active is emu
            assert os.environ["HTTPS_PROXY"] == emu.endpoint_url
        assert _environ() == shell_env


def test_the_guard_refuses_real_aws_while_active(shell_env: dict[str, str]) -> None:
    config = Config(retries={"total_max_attempts": 1})
    with S3Emulator(activate=True):
        client = boto3.client("s3", endpoint_url="https://s3.amazonaws.com", config=config)
        with pytest.raises(BlockedRequest):
            client.list_buckets()


def test_mock_s3_context_manager_gives_a_fresh_emulator(shell_env: dict[str, str]) -> None:
    name = _bucket()
    with mock_s3() as first:
        _assert_active(first)
        boto3.client("s3").create_bucket(Bucket=name)
    with mock_s3(region="eu-west-1") as second:
        assert second is not first and second.region == os.environ["AWS_REGION"] == "eu-west-1"
        with pytest.raises(ClientError) as caught:
            boto3.client("s3").head_bucket(Bucket=name)  # the first emulator's bucket is gone
        assert caught.value.response["Error"]["Code"] == "404"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert _environ() == shell_env
    assert not first.running and not second.running


def test_mock_s3_decorates_functions_with_and_without_call(shell_env: dict[str, str]) -> None:
    @mock_s3
    def bare(name: str) -> list[str]:
        boto3.client("s3").create_bucket(Bucket=name)
        return [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]

    @mock_s3(region="eu-west-1")
    def called() -> str:
        return os.environ["AWS_REGION"]

    assert bare.__name__ == "bare"
    assert bare("one-bucket") == ["one-bucket"]
    assert bare("another-one") == ["another-one"]  # every call: a fresh emulator
    assert called() == "eu-west-1"
    assert _environ() == shell_env


def test_mock_s3_decorates_a_coroutine_function(shell_env: dict[str, str]) -> None:
    import asyncio

    @mock_s3
    async def inside() -> str:
        return os.environ["AWS_ENDPOINT_URL_S3"]

    assert asyncio.run(inside()).startswith("http://127.0.0.1:")
    assert _environ() == shell_env


def test_mock_s3_restores_after_an_exception(shell_env: dict[str, str]) -> None:
    @mock_s3
    def boom() -> None:
        raise ValueError("from the test")

    with pytest.raises(ValueError, match="from the test"):
        boom()
    assert _environ() == shell_env


def test_mock_s3_refuses_what_it_cannot_decorate() -> None:
    with pytest.raises(TypeError, match="decorates a function or a class"):
        mock_s3(42)


MIGRATED_TESTS = """
import unittest

import boto3
import pytest

from pytest_s3emu import mock_s3


@mock_s3
def test_function_with_a_fixture(tmp_path):
    boto3.client("s3").create_bucket(Bucket="from-function")
    assert tmp_path.is_dir()


@mock_s3()
def test_called_decorator():
    boto3.client("s3").create_bucket(Bucket="from-called")


@mock_s3
class TestPlainClass:
    def helper(self):
        return boto3.client("s3")

    def test_one(self):
        self.helper().create_bucket(Bucket="same-name")

    def test_two(self):
        self.helper().create_bucket(Bucket="same-name")  # a fresh emulator: no BucketAlreadyOwnedByYou


@mock_s3
class TestUnittest(unittest.TestCase):
    def setUp(self):
        boto3.client("s3").create_bucket(Bucket="made-in-setup")

    def tearDown(self):
        boto3.client("s3").delete_bucket(Bucket="made-in-setup")

    def test_sees_the_setup_bucket(self):
        names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
        self.assertEqual(names, ["made-in-setup"])

    def test_again(self):
        boto3.client("s3").head_bucket(Bucket="made-in-setup")
"""


def test_mock_s3_on_pytest_and_unittest_tests(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(MIGRATED_TESTS)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=6)
