"""Costs measured in fresh processes: a generated pytest suite per test, and the plugin's start.

Per test: ``N`` tests that each create a bucket, put 3 small objects and list them, run with
``pytest`` in a subprocess; the cost of a test is ``(wall - wall of N empty tests) / N`` in the
same mode (serial or ``-n 2``), so interpreter, pytest and xdist start-up cancel out.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TIMEOUT = 900  # seconds for one suite: a hung run fails the benchmark instead of stalling it
# Bytecode for the fresh processes: an installed package has its .pyc files, but a checkout run with
# PYTHONDONTWRITEBYTECODE=1 (as in CI images) compiles every module of pytest_s3emu in every
# process, ~60 ms that no user pays twice. The processes write theirs under this directory instead.
_PYCACHE = tempfile.mkdtemp(prefix="s3emu-bench-pyc-")


def _env(**extra: str) -> dict[str, str]:
    """The environment of a measured process: no AWS settings, bytecode kept in _PYCACHE."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.update(extra)
    return env


EMPTY = """
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_empty(i):
    pass
"""

S3EMU = """
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_bucket_objects_listing(s3, i):
    bucket = f"suite-{{i}}"
    s3.create_bucket(Bucket=bucket)
    for k in range(3):
        s3.put_object(Bucket=bucket, Key=f"k{{k}}", Body=b"x" * 100)
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == 3
"""

MOTO = """
import boto3
import pytest
from moto import mock_aws

@pytest.fixture
def s3():
    # the usual moto fixture: a mock and a client per test
    with mock_aws():
        yield boto3.client("s3", region_name="us-east-1")

@pytest.mark.parametrize("i", range({n}))
def test_bucket_objects_listing(s3, i):
    bucket = f"suite-{{i}}"
    s3.create_bucket(Bucket=bucket)
    for k in range(3):
        s3.put_object(Bucket=bucket, Key=f"k{{k}}", Body=b"x" * 100)
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == 3
"""

# (name, template, extra pytest arguments); "-n 2" variants are added for pytest-s3emu
SUITES = [
    ("s3emu", S3EMU, ["-o", "s3emu_transport=http"]),
    ("s3emu-inprocess", S3EMU, ["-o", "s3emu_transport=inprocess"]),
    ("moto", MOTO, ["-p", "no:s3emu"]),
]


def _pytest(directory: Path, args: list[str]) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(directory)]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, *args, str(directory)],
        cwd=directory,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"pytest {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return wall


def per_test(tests: int, moto_tests: int, with_moto: bool, xdist: bool, rounds: int) -> dict[str, float]:
    """Milliseconds per test for each suite (serial and, for pytest-s3emu, ``-n 2``): medians of
    ``rounds`` runs, each suite run right after its empty baseline."""
    samples: dict[str, list[float]] = {}
    modes: list[tuple[str, list[str]]] = [("serial", [])] + ([("n2", ["-n", "2"])] if xdist else [])
    with tempfile.TemporaryDirectory(prefix="s3emu-bench-") as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text("[pytest]\n")
        _warm_up(root, with_moto)
        for _ in range(rounds):
            for mode, mode_args in modes:
                for name, template, args in SUITES:
                    if name == "moto" and (not with_moto or mode != "serial"):
                        continue
                    count = moto_tests if name == "moto" else tests
                    empty_dir, suite_dir = root / f"empty-{count}", root / name
                    for directory, text in ((empty_dir, EMPTY), (suite_dir, template)):
                        directory.mkdir(exist_ok=True)
                        (directory / "test_suite.py").write_text(text.format(n=count))
                    baseline = _pytest(empty_dir, mode_args)
                    wall = _pytest(suite_dir, [*mode_args, *args])
                    samples.setdefault(f"{name}:{mode}", []).append((wall - baseline) / count * 1000)
                    if count == tests:
                        samples.setdefault(f"empty:{mode}", []).append(baseline / count * 1000)
    return {key: statistics.median(values) for key, values in samples.items()}


STARTUP = r"""
import http.client, json, statistics, time
t0 = time.perf_counter()
import pytest
t1 = time.perf_counter()
import pytest_s3emu.plugin
t2 = time.perf_counter()
from pytest_s3emu.server import S3Emulator
emulator = S3Emulator()
emulator.start()
conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=30)
conn.request("GET", "/")  # ListBuckets: routing, the model, serializing
answer = conn.getresponse()
answer.read()
t3 = time.perf_counter()
assert answer.status == 200, answer.status

from pytest_s3emu import env
resets, activations = [], []
client = emulator.default_client()
for i in range(200):
    client.create_bucket(Bucket=f"b-{i}")
    start = time.perf_counter()
    emulator.reset()
    middle = time.perf_counter()
    patch = pytest.MonkeyPatch()
    env.activate(patch, emulator)
    patch.undo()
    end = time.perf_counter()
    resets.append(middle - start)
    activations.append(end - middle)
emulator.stop()
print(json.dumps({
    "import_plugin_ms": (t2 - t1) * 1000,
    "first_start_ms": (t3 - t2) * 1000,
    "reset_ms": statistics.median(resets) * 1000,
    "activate_ms": statistics.median(activations) * 1000,
}))
"""


def _warm_up(root: Path, with_moto: bool) -> None:
    """One untimed run of each kind of suite: compiles the bytecode the measured runs use."""
    directory = root / "warm-up"
    directory.mkdir(exist_ok=True)
    for name, template, args in SUITES:
        if name == "moto" and not with_moto:
            continue
        (directory / "test_suite.py").write_text(template.format(n=1))
        _pytest(directory, args)


def _startup_once(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", STARTUP], capture_output=True, text=True, timeout=TIMEOUT, check=True, env=env
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def startup(runs: int) -> dict[str, float]:
    """Plugin import, first emulator start up to its first answer, reset and env patching (ms).

    Measured as a test session starts after an earlier one: bytecode compiled and the model cache
    (pytest_s3emu.model) filled by an untimed run. ``first_start_cold_ms`` is the very first start:
    an empty model cache, and pytest_s3emu compiled from source unless it has bytecode of its own
    (an installed package does; a checkout run with PYTHONDONTWRITEBYTECODE=1 does not).
    """
    _startup_once(_env())  # warm-up
    samples = [_startup_once(_env()) for _ in range(runs)]
    result = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
    with tempfile.TemporaryDirectory(prefix="s3emu-bench-cold-") as cold:
        # installed packages keep their own bytecode (no prefix); pytest_s3emu's is not written
        env = _env(XDG_CACHE_HOME=cold, PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTHONPYCACHEPREFIX")
        result["first_start_cold_ms"] = _startup_once(env)["first_start_ms"]
    return result
