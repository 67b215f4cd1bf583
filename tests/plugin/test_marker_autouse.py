"""@pytest.mark.s3 and autouse mode: code under test reaches the emulator without naming a fixture."""

from __future__ import annotations

import pytest

# Code under test builds its clients itself, in the three usual ways; `s3emu_server` (which
# activates nothing by itself) is only there to inspect what reached the emulator.
CODE_UNDER_TEST = """
import boto3
import boto3.session
import botocore.session


def make_bucket(name):
    boto3.client("s3").create_bucket(Bucket=name)


def names_seen_by_every_kind_of_client():
    clients = [
        boto3.client("s3"),
        boto3.session.Session().client("s3"),
        botocore.session.get_session().create_client("s3"),
    ]
    return [[b["Name"] for b in client.list_buckets()["Buckets"]] for client in clients]


def names():
    return [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]


def endpoint():
    # explicit keys: outside the emulator, resolving credentials could probe the network
    session = boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s")
    return session.client("s3").meta.endpoint_url
"""


@pytest.fixture
def code_under_test(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(app=CODE_UNDER_TEST)


def test_marked_function_reaches_emulator_with_every_kind_of_client(
    pytester: pytest.Pytester, code_under_test: None
) -> None:
    pytester.makepyfile(
        """
        import pytest
        import app

        @pytest.mark.s3
        def test_marked(s3emu_server):
            app.make_bucket("marked")

            assert app.names_seen_by_every_kind_of_client() == [["marked"]] * 3
            assert app.endpoint() == s3emu_server.endpoint_url
            assert [c.operation for c in s3emu_server.log] == ["CreateBucket"] + ["ListBuckets"] * 3

        def test_unmarked(s3emu_server):
            assert app.endpoint() == "https://s3.amazonaws.com"
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_marker_on_class_and_module(pytester: pytest.Pytester, code_under_test: None) -> None:
    pytester.makepyfile(
        test_module="""
        import pytest
        import app

        pytestmark = pytest.mark.s3

        def test_module_marked():
            app.make_bucket("module-marked")
            assert app.names() == ["module-marked"]
        """,
        test_class="""
        import os
        import pytest
        import app

        @pytest.mark.s3
        class TestMarked:
            def test_one(self):
                app.make_bucket("class-marked")
                assert app.names() == ["class-marked"]

            def test_two_starts_empty(self):
                assert app.names() == []

        class TestUnmarked:
            def test_not_active(self):
                assert "AWS_ENDPOINT_URL_S3" not in os.environ
        """,
    )
    pytester.runpytest().assert_outcomes(passed=4)


def test_marker_on_unittest_testcase(pytester: pytest.Pytester, code_under_test: None) -> None:
    pytester.makepyfile(
        """
        import unittest
        import pytest
        import app

        @pytest.mark.s3
        class TestCaseMarked(unittest.TestCase):
            def test_reaches_emulator(self):
                app.make_bucket("unittest-marked")
                self.assertEqual(app.names(), ["unittest-marked"])
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


AUTOUSE_TESTS = """
import os
import app

def test_first_unmarked(s3emu_server):
    assert os.environ["AWS_ENDPOINT_URL_S3"] == s3emu_server.endpoint_url
    app.make_bucket("autouse")
    assert app.names() == ["autouse"]

def test_second_unmarked_starts_empty():
    assert app.names() == []
"""


def test_autouse_from_ini(pytester: pytest.Pytester, code_under_test: None) -> None:
    pytester.makeini("[pytest]\ns3emu_autouse = true\n")
    pytester.makepyfile(AUTOUSE_TESTS)
    pytester.runpytest().assert_outcomes(passed=2)


def test_autouse_from_command_line(pytester: pytest.Pytester, code_under_test: None) -> None:
    pytester.makepyfile(AUTOUSE_TESTS)
    pytester.runpytest("--s3emu-autouse").assert_outcomes(passed=2)


def test_command_line_flag_wins_over_ini_false(pytester: pytest.Pytester, code_under_test: None) -> None:
    pytester.makeini("[pytest]\ns3emu_autouse = false\n")
    pytester.makepyfile(AUTOUSE_TESTS)
    pytester.runpytest("--s3emu-autouse").assert_outcomes(passed=2)


@pytest.mark.parametrize("ini", ["", "[pytest]\ns3emu_autouse = false\n"])
def test_without_autouse_unmarked_tests_are_untouched(
    pytester: pytest.Pytester, code_under_test: None, ini: str
) -> None:
    if ini:
        pytester.makeini(ini)
    pytester.makepyfile(
        """
        import os
        import boto3
        import app

        BEFORE = boto3.DEFAULT_SESSION

        def test_unmarked(s3emu_server):
            assert "AWS_ENDPOINT_URL_S3" not in os.environ
            assert boto3.DEFAULT_SESSION is BEFORE
            assert app.endpoint() == "https://s3.amazonaws.com"
            assert s3emu_server.log == []
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
