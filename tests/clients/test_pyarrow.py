"""pyarrow's cases (pyarrow_cases.py) run in a child pytest, never in the suite's own process.

aws-sdk-cpp, which pyarrow's S3 filesystem wraps, keeps native threads after its calls return.
In the suite's long-lived xdist workers one of them crashed the worker with a segfault minutes
later, in whatever test ran then (apache/arrow#39703 and #38352 report the same family). A
child process ends with the cases, and its threads with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyarrow.fs")

CASES = Path(__file__).with_name("pyarrow_cases.py")


def test_pyarrow_cases_pass_in_a_child_process() -> None:
    # the child is a session of its own, not one more xdist worker
    environ = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(CASES), "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=CASES.parents[2],
        env=environ,
        check=False,
    )
    summary = done.stdout.strip().splitlines()[-1:] or [""]
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in summary[0] and "failed" not in summary[0], summary
