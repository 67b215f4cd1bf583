"""Seeding once per session: an s3emu_seed fixture whose snapshot every test starts from."""

from __future__ import annotations

import pytest


def test_every_test_starts_from_the_seed(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        SEEDED = []

        @pytest.fixture(scope="session")
        def s3emu_seed(s3emu_server):
            SEEDED.append(1)
            client = s3emu_server.client()
            client.create_bucket(Bucket="fixtures")
            client.put_object(Bucket="fixtures", Key="users.json", Body=b"[]")
            return s3emu_server.snapshot()
        """
    )
    pytester.makepyfile(
        """
        import pytest
        from conftest import SEEDED

        @pytest.mark.parametrize("round_", range(3))
        def test_changes_do_not_leak(s3, s3emu, round_):
            assert s3emu.calls == []  # the seeding requests are not this test's
            assert s3.get_object(Bucket="fixtures", Key="users.json")["Body"].read() == b"[]"
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="fixtures")["Contents"]]
            assert keys == ["users.json"]
            s3.put_object(Bucket="fixtures", Key="users.json", Body=b"changed")
            s3.put_object(Bucket="fixtures", Key=f"new-{round_}", Body=b"x")
            s3.create_bucket(Bucket=f"extra-{round_}")

        def test_seeded_once():
            assert SEEDED == [1]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_without_a_seed_each_test_starts_empty(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_first(s3, s3emu):
            assert s3emu.seed is None
            s3.create_bucket(Bucket="left-over")

        def test_second(s3):
            assert s3.list_buckets()["Buckets"] == []
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
