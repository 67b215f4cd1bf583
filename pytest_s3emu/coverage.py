"""Which operations of botocore's S3 model the emulator implements: the table in docs/operations.md.

Regenerate it with ``python -m pytest_s3emu.coverage > docs/operations.md``; a test fails when the
file and the code disagree.
"""

from __future__ import annotations

import sys

# Operations deliberately answered with 501 NotImplemented, and why.
UNSUPPORTED: dict[str, str] = {
    "CreateSession": "S3 Express One Zone sessions mean nothing for a general purpose bucket",
    "GetObjectTorrent": "AWS discontinued S3 BitTorrent (no new torrents since April 2021, none at all "
    "since April 2022)",
    "ListDirectoryBuckets": "directory buckets (S3 Express One Zone) are not emulated",
    "RenameObject": "AWS supports it in directory buckets (S3 Express One Zone) only, which are not emulated",
    "SelectObjectContent": "S3 Select: AWS closed it to new customers in July 2024",
    "WriteGetObjectResponse": "S3 Object Lambda: answers an access point's Lambda function, not a bucket",
}

# What an implemented operation's configuration does beyond being stored, where users ask.
NOTES: dict[str, str] = {
    "PutBucketLifecycleConfiguration": "its rules act when the clock moves and on run_lifecycle() "
    "(lifecycle.md)",
}


def rows() -> list[tuple[str, str]]:
    """(operation, status) for every operation in the model, in the model's order."""
    from .handlers import HANDLERS
    from .model import service_model

    model = service_model()
    wire = {name: _wire(model.operation_model(name).http) for name in model.operation_names}
    twins = {shape: name for name, shape in wire.items() if name in HANDLERS}
    found = []
    for name in sorted(model.operation_names):
        twin = twins.get(wire[name])
        if name in HANDLERS:
            found.append((name, f"implemented: {NOTES[name]}" if name in NOTES else "implemented"))
        elif twin is not None and model.operation_model(name).deprecated:
            found.append(
                (name, f"implemented: routed to {twin}, its non-deprecated twin with the same request line")
            )
        elif name in UNSUPPORTED:
            found.append((name, f"501 NotImplemented: {UNSUPPORTED[name]}"))
        else:
            found.append((name, "501 NotImplemented (not yet)"))
    return found


def _wire(http: dict[str, str]) -> tuple[str, str]:
    return http["method"], http["requestUri"]


def render() -> str:
    import botocore

    table = rows()
    done = sum(1 for _, status in table if status.startswith("implemented"))
    lines = [
        "# S3 operations",
        "",
        "Every operation in botocore's S3 service model and what pytest-s3emu does with it.",
        f"Implemented: {done} of {len(table)}.",
        "",
        f"Generated with botocore {botocore.__version__} by `python -m pytest_s3emu.coverage > "
        "docs/operations.md`; a test checks it is current.",
        "",
        "| operation | status |",
        "|---|---|",
    ]
    lines += [f"| {name} | {status} |" for name, status in table]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
