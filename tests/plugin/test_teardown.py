"""An emulator bug surfaces in the test that hit it: the client gets a 500, the test errors at teardown."""

from __future__ import annotations

import pytest


def test_emulator_crash_errors_the_test_at_teardown(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(
        """
        import pytest
        from botocore.config import Config
        from botocore.exceptions import ClientError

        from pytest_s3emu.handlers import HANDLERS

        def broken_put_object(ctx, params):
            raise RuntimeError("simulated emulator bug")

        def test_crashes(s3emu, monkeypatch):
            monkeypatch.setitem(HANDLERS, "PutObject", broken_put_object)
            # one attempt: botocore retries a 500 (and "max_attempts" counts retries only)
            client = s3emu.client(config=Config(retries={"total_max_attempts": 1}))
            client.create_bucket(Bucket="crash")
            with pytest.raises(ClientError) as caught:
                client.put_object(Bucket="crash", Key="k", Body=b"v")
            assert caught.value.response["Error"]["Code"] == "InternalError"
            assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
            assert [(c.operation, c.status, c.error) for c in s3emu.log] == [
                ("CreateBucket", 200, None),
                ("PutObject", 500, "InternalError"),
            ]

        def test_next_test_is_clean(s3):
            s3.create_bucket(Bucket="after-crash")
            s3.put_object(Bucket="after-crash", Key="k", Body=b"v")
        """
    )

    result = pytester.runpytest()

    # the test body passed; its teardown raised
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_crashes*",
            "*RuntimeError: simulated emulator bug",
            "*The above exception was the direct cause of the following exception:*",
            "*EmulatorCrash: pytest-s3emu crashed while serving a request: RuntimeError('simulated*')",
        ]
    )
    result.stdout.fnmatch_lines(["ERROR *::test_crashes - *"])


def test_crash_is_reported_even_when_the_test_fails(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(
        """
        from botocore.config import Config

        from pytest_s3emu.handlers import HANDLERS

        def broken_list_buckets(ctx, params):
            raise KeyError("simulated")

        def test_fails_and_crashes(s3emu, monkeypatch):
            monkeypatch.setitem(HANDLERS, "ListBuckets", broken_list_buckets)
            client = s3emu.client(config=Config(retries={"total_max_attempts": 1}))
            client.list_buckets()  # raises ClientError: the test fails
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["*EmulatorCrash: pytest-s3emu crashed while serving a request: KeyError*"])
