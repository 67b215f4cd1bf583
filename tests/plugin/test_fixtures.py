"""The s3, s3_bucket, s3emu and s3emu_server fixtures: a working, empty emulator per test."""

from __future__ import annotations

import pytest


def test_s3_client_round_trip(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_round_trip(s3):
            s3.create_bucket(Bucket="round-trip")
            s3.put_object(Bucket="round-trip", Key="dir/key.txt", Body=b"hello")

            assert s3.get_object(Bucket="round-trip", Key="dir/key.txt")["Body"].read() == b"hello"
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["round-trip"]
            assert s3.meta.endpoint_url.startswith("http://127.0.0.1:")
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_each_test_starts_with_an_empty_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from botocore.exceptions import ClientError

        def test_first(s3):
            assert s3.list_buckets()["Buckets"] == []
            s3.create_bucket(Bucket="left-behind")
            s3.put_object(Bucket="left-behind", Key="k", Body=b"v")

        def test_second(s3):
            assert s3.list_buckets()["Buckets"] == []
            with pytest.raises(ClientError) as caught:
                s3.head_bucket(Bucket="left-behind")
            assert caught.value.response["Error"]["Code"] == "404"
            assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

        def test_third_after_a_failure(s3):
            s3.create_bucket(Bucket="left-behind")
            raise AssertionError("fails with a bucket in place")

        def test_fourth(s3):
            assert s3.list_buckets()["Buckets"] == []
        """
    )
    pytester.runpytest().assert_outcomes(passed=3, failed=1)


def test_s3_bucket_is_new_empty_and_unique(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        SEEN = []

        @pytest.mark.parametrize("round", range(3))
        def test_bucket(s3, s3_bucket, round):
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [s3_bucket]
            assert s3.list_objects_v2(Bucket=s3_bucket)["KeyCount"] == 0
            s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
            SEEN.append(s3_bucket)

        def test_names_differ():
            assert len(SEEN) == 3
            assert len(set(SEEN)) == 3
        """
    )
    pytester.runpytest().assert_outcomes(passed=4)


def test_s3emu_handle_and_s3_client_share_one_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pytest_s3emu import S3Emulator

        def test_handle(s3emu, s3):
            assert isinstance(s3emu, S3Emulator)
            assert s3emu.running
            assert s3.meta.endpoint_url == s3emu.endpoint_url
            s3emu.client().create_bucket(Bucket="via-handle")
            s3.put_object(Bucket="via-handle", Key="k", Body=b"v")

            assert [(c.operation, c.bucket, c.status) for c in s3emu.log] == [
                ("CreateBucket", "via-handle", 200),
                ("PutObject", "via-handle", 200),
            ]
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_server_is_one_per_session_and_handle_resets_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        SERVERS = []

        def test_first(s3emu_server, s3emu):
            assert s3emu is s3emu_server
            s3emu.client().create_bucket(Bucket="kept-by-the-server")
            SERVERS.append((s3emu_server, s3emu_server.endpoint_url))

        def test_server_alone_keeps_state(s3emu_server):
            # s3emu_server does not reset: only the function-scoped s3emu does, before its test
            names = [b["Name"] for b in s3emu_server.client().list_buckets()["Buckets"]]
            assert names == ["kept-by-the-server"]
            SERVERS.append((s3emu_server, s3emu_server.endpoint_url))

        def test_handle_resets(s3emu):
            assert s3emu.log == []
            assert s3emu.client().list_buckets()["Buckets"] == []
            SERVERS.append((s3emu, s3emu.endpoint_url))

        def test_same_server():
            assert len(SERVERS) == 3
            assert len({id(server) for server, _ in SERVERS}) == 1
            assert len({url for _, url in SERVERS}) == 1
        """
    )
    pytester.runpytest().assert_outcomes(passed=4)


def test_server_stops_at_session_end(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import threading

        def pytest_sessionfinish(session):
            # session fixtures are torn down with the last test, before this hook
            names = [t.name for t in threading.enumerate() if t.name.startswith("s3emu")]
            (session.config.rootpath / "threads.txt").write_text(repr(names))
        """
    )
    pytester.makepyfile(
        """
        import threading

        def test_uses(s3):
            s3.list_buckets()
            assert "s3emu-server" in [t.name for t in threading.enumerate()]
        """
    )
    # a subprocess: the outer session may run an emulator thread of its own
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert (pytester.path / "threads.txt").read_text() == "[]"


def test_each_test_starts_with_the_real_time(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from datetime import datetime, timezone

        def test_first(s3emu):
            s3emu.clock.set(datetime(2040, 1, 1, tzinfo=timezone.utc))
            s3emu.clock.freeze()

        def test_second(s3emu):
            assert not s3emu.clock.overridden
            assert s3emu.clock.now().year < 2040
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)
