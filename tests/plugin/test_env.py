"""The environment while the emulator is active, and its exact restoration afterwards."""

from __future__ import annotations

import pytest

# Outer values the plugin must replace while active and give back exactly afterwards.
SENTINELS = {
    "AWS_PROFILE": "sentinel-profile",
    "AWS_DEFAULT_PROFILE": "sentinel-default-profile",
    "AWS_ACCESS_KEY_ID": "SENTINELACCESSKEY",
    "AWS_SECRET_ACCESS_KEY": "sentinel-secret",
    "AWS_SESSION_TOKEN": "sentinel-token",
    "AWS_DEFAULT_REGION": "ap-south-1",
    "AWS_ENDPOINT_URL_S3": "http://sentinel.invalid:9000",
    # would make botocore ignore AWS_ENDPOINT_URL_S3 (and so miss the emulator) if left in place
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
    "AWS_CONFIG_FILE": "/sentinel/aws/config",
    "HTTPS_PROXY": "http://proxy.invalid:3128",
    "http_proxy": "http://proxy.invalid:3128",
    "NO_PROXY": "corp.invalid",
}

# Recorded when the inner session imports it, before any test: the environment to come back to.
BASELINE = """
import os
import boto3

# PYTEST_CURRENT_TEST changes with every test (and comes from the outer session here)
ORIGINAL = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
# stands for the user's own session (a real one would need the sentinel profile to exist)
USER_SESSION = object()
boto3.DEFAULT_SESSION = USER_SESSION


def assert_restored():
    now = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    changed = {k: (ORIGINAL.get(k), now.get(k)) for k in ORIGINAL.keys() | now.keys()
               if ORIGINAL.get(k) != now.get(k)}
    assert changed == {}, changed
    assert boto3.DEFAULT_SESSION is USER_SESSION
"""

RESTORATION_TESTS = """
import os
import boto3
import botocore.session
import pytest
from pytest_s3emu.server import ACCESS_KEY, SECRET_KEY

import baseline

PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def test_before():
    baseline.assert_restored()
    assert os.environ["AWS_PROFILE"] == "sentinel-profile"  # the outer test's sentinels arrived


def test_active(s3emu):
    env = os.environ
    assert env["AWS_ENDPOINT_URL_S3"] == s3emu.endpoint_url
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (ACCESS_KEY, SECRET_KEY)
    assert env["AWS_DEFAULT_REGION"] == env["AWS_REGION"] == "us-east-1"
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        assert name not in env, name
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        assert not os.path.exists(env[name]), name
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert [env[name] for name in PROXIES] == [s3emu.endpoint_url] * len(PROXIES)
    assert env["NO_PROXY"] == env["no_proxy"]
    assert "127.0.0.1" in env["NO_PROXY"].split(",")
    assert "corp.invalid" not in env["NO_PROXY"]
    assert boto3.DEFAULT_SESSION is not baseline.USER_SESSION
    # and code under test gets there, despite the sentinels it would otherwise have used
    boto3.client("s3").create_bucket(Bucket="active")
    client = botocore.session.get_session().create_client("s3")
    assert [b["Name"] for b in client.list_buckets()["Buckets"]] == ["active"]


def test_restored_after_active():
    baseline.assert_restored()


def test_failing(s3):
    s3.create_bucket(Bucket="failing")
    raise AssertionError("this test fails on purpose")


def test_restored_after_failure():
    baseline.assert_restored()


@pytest.fixture
def user_env(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_PROFILE", "from-user-fixture")


def test_test_monkeypatches_aws_variables_too(monkeypatch, s3):
    # monkeypatch is set up before s3: its undo must not bring the emulator's values back
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "SETINTEST")
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    monkeypatch.setenv("HTTPS_PROXY", "http://set-in-test.invalid")
    monkeypatch.delenv("NO_PROXY")


def test_restored_after_test_monkeypatch():
    baseline.assert_restored()


def test_user_fixture_sets_variables_first(user_env, s3):
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in os.environ


def test_restored_after_user_fixture():
    baseline.assert_restored()


@pytest.mark.s3
def test_marker_then_monkeypatch(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    boto3.setup_default_session()


def test_restored_after_marker_and_monkeypatch():
    baseline.assert_restored()
"""


def test_environment_replaced_then_restored_exactly(
    pytester: pytest.Pytester, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile(baseline=BASELINE)
    pytester.makeconftest("import baseline  # records the environment before any test runs")
    pytester.makepyfile(test_restoration=RESTORATION_TESTS)

    # a subprocess: a leak must not reach this process (and the unset variables are really unset)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=10, failed=1)
    result.stdout.fnmatch_lines(
        ["FAILED test_restoration.py::test_failing - AssertionError: this test fails on*"]
    )


CHILD = """
import sys
import boto3

s3 = boto3.client("s3")
s3.put_object(Bucket="shared", Key="from-child", Body=b"child")
print(s3.get_object(Bucket="shared", Key="from-parent")["Body"].read().decode())
print(s3.meta.region_name, s3.meta.endpoint_url)
"""


def test_subprocess_reaches_the_same_emulator(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(
        f"""
        import subprocess
        import sys

        CHILD = {CHILD!r}

        def test_child(s3, s3emu):
            s3.create_bucket(Bucket="shared")
            s3.put_object(Bucket="shared", Key="from-parent", Body=b"parent")

            done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60)

            assert done.returncode == 0, done.stderr
            assert done.stdout.split() == ["parent", "us-east-1", s3emu.endpoint_url]
            assert s3.get_object(Bucket="shared", Key="from-child")["Body"].read() == b"child"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_subprocess_ignores_the_developers_aws_files(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(
        f"""
        import os
        import subprocess
        import sys

        CHILD = {CHILD!r}
        # each of these would take the child away from the emulator if botocore read it
        CONFIG = '''
        [default]
        region = ap-southeast-2
        endpoint_url = http://bogus.invalid:1
        ignore_configured_endpoint_urls = true
        s3 =
            use_accelerate_endpoint = true
        '''
        CREDENTIALS = "[default]\\naws_access_key_id = BOGUS\\naws_secret_access_key = bogus\\n"

        def run_child(env):
            return subprocess.run(
                [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, env=env
            )

        def test_child_with_a_home_aws_directory(s3, s3emu, tmp_path):
            home = tmp_path / "home"
            (home / ".aws").mkdir(parents=True)
            (home / ".aws" / "config").write_text(CONFIG.replace("\\n        ", "\\n"))
            (home / ".aws" / "credentials").write_text(CREDENTIALS)
            s3.create_bucket(Bucket="shared")
            s3.put_object(Bucket="shared", Key="from-parent", Body=b"parent")
            env = dict(os.environ, HOME=str(home), AWS_MAX_ATTEMPTS="1")

            done = run_child(env)

            assert done.returncode == 0, done.stderr
            assert done.stdout.split() == ["parent", "us-east-1", s3emu.endpoint_url]
            assert s3.get_object(Bucket="shared", Key="from-child")["Body"].read() == b"child"

            # control: the same child reading that ~/.aws/config would not reach the emulator,
            # and the guard keeps it on this machine
            del env["AWS_CONFIG_FILE"]
            done = run_child(env)
            assert done.returncode != 0
            assert "Blocked by pytest-s3emu" in done.stderr
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
