"""The operations table in docs/ matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import botocore

from pytest_s3emu import coverage
from pytest_s3emu.handlers import HANDLERS
from pytest_s3emu.model import service_model

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def _documented() -> tuple[str, dict[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    version = re.search(r"Generated with botocore (\S+)", text)
    assert version, "docs/operations.md names the botocore it was generated with"
    rows = dict(re.findall(r"^\| (\w+) \| (.+) \|$", text, flags=re.MULTILINE))
    rows.pop("operation", None)
    return version.group(1), rows


def test_operations_table_is_current() -> None:
    version, documented = _documented()
    if version == botocore.__version__:
        assert DOC.read_text(encoding="utf-8") == coverage.render(), (
            "docs/operations.md is stale: run `python -m pytest_s3emu.coverage > docs/operations.md`"
        )
    else:
        # another botocore may add operations; the ones both know must agree
        current = dict(coverage.rows())
        shared = set(current) & set(documented)
        assert {n: current[n] for n in shared} == {n: documented[n] for n in shared}


def test_table_lists_every_model_operation_once() -> None:
    names = [name for name, _ in coverage.rows()]
    assert sorted(names) == sorted(service_model().operation_names)
    assert len(set(names)) == len(names)


def test_deliberately_unsupported_operations_exist_and_have_no_handler() -> None:
    for name in coverage.UNSUPPORTED:
        assert name in service_model().operation_names
        assert name not in HANDLERS
