"""Costs of the test author's toolkit (issue 11): snapshots and the request journal.

    python benchmarks/toolkit.py            # medians over a few hundred runs
    python benchmarks/toolkit.py --objects 10000

Targets: snapshot() and restore() under 1 ms for 1,000 small objects; the journal a small part
of a request's cost. The first request touching a bucket after a snapshot or restore copies
that bucket's records (never the bodies): reported as "first access".
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from pytest_s3emu.app import _Target
from pytest_s3emu.blobs import MemoryBlob
from pytest_s3emu.records import ObjectVersion
from pytest_s3emu.request import HttpRequest
from pytest_s3emu.server import S3Emulator


def _median_ms(run: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _fill(emulator: S3Emulator, objects: int) -> None:
    store = emulator.app.store
    store.create_bucket("bench", "us-east-1")
    for index in range(objects):
        obj = ObjectVersion(key=f"key-{index:06d}", blob=MemoryBlob(b"x" * 100), etag='"e"')
        obj.metadata = {"a": "b"}
        store.put_object("bench", obj)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with S3Emulator() as emulator:
        _fill(emulator, args.objects)
        snap = emulator.snapshot()
        snapshot_ms = _median_ms(emulator.snapshot, args.rounds)
        restore_ms = _median_ms(lambda: emulator.restore(snap), args.rounds)

        def first_access() -> None:
            emulator.restore(snap)
            emulator.app.store.bucket("bench")

        access_ms = _median_ms(first_access, args.rounds) - restore_ms
        client = emulator.client()
        client.head_bucket(Bucket="bench")
        request_ms = _median_ms(lambda: client.head_object(Bucket="bench", Key="key-000000"), args.rounds)
        request = HttpRequest("HEAD", "/bench/key-000000", {}, {"host": "127.0.0.1", "authorization": ""})
        target = _Target("HeadObject", "bench", "key-000000", {"Bucket": "bench", "Key": "key-000000"})
        headers = [("ETag", '"e"'), ("Content-Length", "100"), ("x-amz-request-id", "X")]
        journal = emulator.app.log
        app = emulator.app

        def record_100() -> None:
            for _ in range(100):
                # what handle() pays per request: two clock readings, a stopwatch and the entry
                app._record(request, target, 200, None, headers, (app.clock.now(), time.perf_counter()), None)

        record_us = 1000 * _median_ms(record_100, max(10, args.rounds // 10)) / 100
        journal.clear()
    print(f"objects: {args.objects} small objects in one bucket")
    print(f"snapshot():                 {snapshot_ms:.4f} ms")
    print(f"restore():                  {restore_ms:.4f} ms")
    print(f"first access after restore: {access_ms:.3f} ms (copies the bucket's records)")
    print(f"journal entry per request:  {record_us:.2f} us (HeadObject over HTTP: {request_ms:.3f} ms)")


if __name__ == "__main__":
    main()
