"""The plugin loads through its pytest11 entry point and stays invisible until a test asks for it."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_help_lists_the_options_and_ini_keys(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "fake Amazon S3 (pytest-s3emu):",
            "  --s3emu-autouse *activate the S3 emulator for every test*",
            "  --s3emu-host=*",
            "  --s3emu-region=*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "  s3emu_autouse (bool):*",
            "  s3emu_host (string):*loopback*",
            "  s3emu_region (string):*",
            "  s3emu_guard (bool):*",
        ]
    )


def test_markers_lists_the_s3_marker(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")

    assert result.ret == 0
    result.stdout.fnmatch_lines(["@pytest.mark.s3: run the test with the S3 emulator active*"])


def test_strict_markers_accepts_the_s3_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.s3
        def test_marked():
            pass
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("fixture", "docstring"),
    [
        ("s3emu_server [[]session scope[]]", "The session's S3 emulator (one per pytest-xdist worker)*"),
        ("s3emu", "An empty S3 emulator, active for this test."),
        ("s3", "A boto3 S3 client on a fresh, empty emulator*"),
        ("s3_bucket", "The name of a new, empty bucket on the emulator*"),
    ],
)
def test_fixtures_are_documented(pytester: pytest.Pytester, fixture: str, docstring: str) -> None:
    result = pytester.runpytest("--fixtures")

    assert result.ret == 0
    # the docstring's first line comes right under the fixture's name
    result.stdout.fnmatch_lines(
        [f"{fixture} -- *pytest_s3emu*plugin.py:*", f"    {docstring}"], consecutive=True
    )


def test_private_autouse_shim_is_hidden_from_fixtures(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures")

    result.stdout.fnmatch_lines(["*fixtures defined from pytest_s3emu.plugin*"])
    result.stdout.no_fnmatch_line("*_s3emu_autouse*")


def test_importing_the_plugin_loads_nothing_heavy() -> None:
    # pytest imports the entry point in every session of every project that has the plugin
    # installed: it must not pull in botocore, boto3 or werkzeug (or the emulator itself)
    heavy = ("boto3", "botocore", "werkzeug", "xmltodict", "pytest_s3emu.server", "pytest_s3emu.env")
    code = (
        "import sys, pytest_s3emu, pytest_s3emu.plugin\n"
        f"print(','.join(name for name in {heavy!r} if name in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.strip() == ""
    assert done.stderr == ""


def test_session_without_s3_tests_stays_untouched(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(
        """
        import os
        import sys
        import threading

        def test_nothing_heavy_is_loaded():
            assert not {"boto3", "botocore", "werkzeug", "pytest_s3emu.server"} & set(sys.modules)

        def test_no_server_thread():
            assert "s3emu-server" not in [thread.name for thread in threading.enumerate()]

        def test_environment_untouched():
            names = [name for name in os.environ if name.startswith("AWS_") or "PROXY" in name.upper()]
            assert names == ["AWS_EC2_METADATA_DISABLED"]  # set by the outer test

        def test_default_session_untouched():
            import boto3

            assert boto3.DEFAULT_SESSION is None
            client = boto3.client(
                "s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
            )
            assert client.meta.endpoint_url == "https://s3.amazonaws.com"
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=4)
