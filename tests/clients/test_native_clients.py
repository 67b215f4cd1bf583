"""The clients built on native code run their cases (``*_cases.py``) in a child pytest each.

aws-sdk-cpp (under pyarrow) and the Rust object_store runtime (under polars and obstore) keep
native threads after their calls return. In the suite's long-lived xdist workers such a thread
crashed its worker with a segfault minutes later, in whatever test ran then (exit status 139;
apache/arrow#39703 and #38352 report the same family). A child process ends with its cases,
and its threads with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.mark.parametrize(
    ("cases", "module"),
    [("pyarrow_cases.py", "pyarrow.fs"), ("polars_cases.py", "polars"), ("obstore_cases.py", "obstore")],
)
def test_cases_pass_in_a_child_process(cases: str, module: str) -> None:
    pytest.importorskip(module)
    # the child is a session of its own, not one more xdist worker
    environ = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / cases), "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=HERE.parents[1],
        env=environ,
        check=False,
    )
    summary = done.stdout.strip().splitlines()[-1:] or [""]
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in summary[0] and "failed" not in summary[0], summary
