"""Under pytest-xdist every worker has its own emulator, so tests never see each other's data."""

from __future__ import annotations

import pytest


def test_each_worker_has_its_own_emulator(
    pytester: pytest.Pytester, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = pytester.mkdir("endpoints")
    monkeypatch.setenv("S3EMU_TEST_OUT", str(out))
    pytester.makepyfile(
        """
        import os
        import pathlib

        import boto3
        import pytest

        @pytest.mark.s3
        @pytest.mark.parametrize("n", range(6))
        def test_same_bucket_name(s3emu, n):
            client = boto3.client("s3")
            client.create_bucket(Bucket="same-name-everywhere")
            client.put_object(Bucket="same-name-everywhere", Key=f"object-{n}", Body=b"mine")

            listed = client.list_objects_v2(Bucket="same-name-everywhere")
            assert [o["Key"] for o in listed["Contents"]] == [f"object-{n}"]
            worker = os.environ["PYTEST_XDIST_WORKER"]
            out = pathlib.Path(os.environ["S3EMU_TEST_OUT"])
            (out / f"{n}.txt").write_text(f"{worker} {s3emu.endpoint_url}")
        """
    )

    result = pytester.runpytest_subprocess("-n", "2", "--dist", "load", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=6)
    seen = {path.read_text() for path in out.iterdir()}
    assert len(list(out.iterdir())) == 6
    workers = {line.split()[0] for line in seen}
    endpoints = {line.split()[1] for line in seen}
    assert workers == {"gw0", "gw1"}
    # one endpoint per worker, each on loopback
    assert len(endpoints) == 2
    assert all(url.startswith("http://127.0.0.1:") for url in endpoints)
    assert len(seen) == 2
