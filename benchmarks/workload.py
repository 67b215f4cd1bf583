"""The workload of issue 5, run through one boto3 client against one target. Every loop is bounded."""

from __future__ import annotations

import gc
import io
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from canned import Canned, delete_key, list_key
from targets import Target

MIB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Sizes and iteration counts (``--quick`` shrinks them all)."""

    small_calls: int = 300  # timed calls per small operation (after warm-up calls)
    warmup: int = 30
    small_size: int = 1024
    list_keys: int = 10_000
    list_runs: int = 5
    delete_keys: int = 1_000
    delete_runs: int = 5
    big_mib: int = 64
    big_runs: int = 3
    multipart_mib: int = 256
    multipart_runs: int = 2
    part_mib: int = 8  # TransferConfig threshold and part size (boto3's default)
    suite_tests: int = 300
    moto_suite_tests: int = 100  # moto's mock_aws costs ~0.25 s a test: fewer, same average
    startup_runs: int = 5
    rounds: int = 5  # each target runs 1/rounds of every step per round, targets interleaved
    suite_rounds: int = 3

    @classmethod
    def quick(cls) -> Settings:
        return cls(
            small_calls=40,
            warmup=5,
            list_keys=1_500,
            list_runs=2,
            delete_keys=200,
            delete_runs=2,
            big_mib=8,
            big_runs=1,
            multipart_mib=16,
            multipart_runs=1,
            suite_tests=20,
            moto_suite_tests=10,
            startup_runs=1,
            rounds=2,
            suite_rounds=1,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def canned(self) -> Canned:
        return Canned(
            list_keys=self.list_keys,
            delete_keys=self.delete_keys,
            objects={"big": self.big_mib * MIB, "multi": self.multipart_mib * MIB},
            small=self.small_size,
        )


def _samples(call: Callable[[], object], runs: int, warmup: int) -> list[float]:
    """The duration of each of ``runs`` calls (seconds), after ``warmup`` untimed ones."""
    for _ in range(warmup):
        call()
    gc.collect()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


class ZeroFile(io.RawIOBase):
    """A seekable file of ``size`` zero bytes that holds none of them (the multipart upload source)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: Any) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        memoryview(buffer).cast("B")[:count] = bytes(count)
        self.position += count
        return count


class Sink(io.RawIOBase):
    """A seekable file that discards what is written (the multipart download destination)."""

    def __init__(self) -> None:
        super().__init__()
        self.position = 0
        self.written = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = offset if whence == io.SEEK_SET else self.position + offset
        return self.position

    def write(self, data: Any) -> int:
        size = len(data)
        self.position += size
        self.written += size
        return size


STEPS = ("small", "list", "delete", "big", "multipart")


class Workload:
    """The workload of one target, run a round at a time: each step returns raw samples (seconds).

    Rounds let the runner interleave targets, so a change in the machine's load touches every
    target alike instead of whichever ran at the time.
    """

    def __init__(self, target: Target, settings: Settings) -> None:
        self.target = target
        self.client = target.client
        self.s = settings
        self.bucket = "bench"
        self.client.create_bucket(Bucket=self.bucket)
        self.client.put_object(Bucket=self.bucket, Key="small", Body=bytes(settings.small_size))
        self._warm = False
        self._listing: str | None = None
        self._pairs = iter(range(10**9))

    def step(self, name: str) -> dict[str, list[float]]:
        return {
            "small": self.small,
            "list": self.listing,
            "delete": self.delete_objects,
            "big": self.big,
            "multipart": self.multipart,
        }[name]()

    def _runs(self, total: int) -> int:
        return max(1, -(-total // self.s.rounds))

    def small(self) -> dict[str, list[float]]:
        client, bucket, body = self.client, self.bucket, bytes(self.s.small_size)

        def create_delete() -> None:
            name = f"pair-{next(self._pairs)}"
            client.create_bucket(Bucket=name)
            client.delete_bucket(Bucket=name)

        calls: dict[str, Callable[[], object]] = {
            "put_ms": lambda: client.put_object(Bucket=bucket, Key="small", Body=body),
            "get_ms": lambda: client.get_object(Bucket=bucket, Key="small")["Body"].read(),
            "head_ms": lambda: client.head_object(Bucket=bucket, Key="small"),
            "create_delete_ms": create_delete,
        }
        warmup, self._warm = (0 if self._warm else self.s.warmup), True
        return {key: _samples(call, self._runs(self.s.small_calls), warmup) for key, call in calls.items()}

    def listing(self) -> dict[str, list[float]]:
        client, keys = self.client, self.s.list_keys
        if self._listing is None:
            self._listing = "bench-listing"
            client.create_bucket(Bucket=self._listing)
            self.target.fill(self._listing, [list_key(i) for i in range(keys)])
        paginator = client.get_paginator("list_objects_v2")
        name = self._listing

        def list_all() -> None:
            count = sum(page.get("KeyCount", 0) for page in paginator.paginate(Bucket=name))
            if count != keys:
                raise AssertionError(f"listed {count} keys, not {keys}")

        return {"list_s": _samples(list_all, self._runs(self.s.list_runs), 0)}

    def delete_objects(self) -> dict[str, list[float]]:
        keys = [delete_key(i) for i in range(self.s.delete_keys)]
        request = {"Objects": [{"Key": k} for k in keys]}
        samples = []
        for _ in range(self._runs(self.s.delete_runs)):
            self.target.fill(self.bucket, keys)
            gc.collect()
            start = time.perf_counter()
            answer = self.client.delete_objects(Bucket=self.bucket, Delete=request)
            samples.append(time.perf_counter() - start)
            deleted = len(answer.get("Deleted", []))
            if deleted != len(keys):
                raise AssertionError(f"deleted {deleted} keys, not {len(keys)}")
        return {"delete_objects_ms": samples}

    def big(self) -> dict[str, list[float]]:
        client, bucket, size = self.client, self.bucket, self.s.big_mib * MIB
        body = bytes(size)

        def get() -> None:
            data = client.get_object(Bucket=bucket, Key="big")["Body"].read()
            if len(data) != size:
                raise AssertionError(f"read {len(data)} bytes, not {size}")

        runs = self._runs(self.s.big_runs)
        return {
            "put_big_mibs": _samples(lambda: client.put_object(Bucket=bucket, Key="big", Body=body), runs, 0),
            "get_big_mibs": _samples(get, runs, 0),
        }

    def multipart(self) -> dict[str, list[float]]:
        from boto3.s3.transfer import TransferConfig

        client, bucket, size = self.client, self.bucket, self.s.multipart_mib * MIB
        part = self.s.part_mib * MIB
        config = TransferConfig(multipart_threshold=part, multipart_chunksize=part)

        def upload() -> None:
            client.upload_fileobj(ZeroFile(size), bucket, "multi", Config=config)

        def download() -> None:
            sink = Sink()
            client.download_fileobj(bucket, "multi", sink, Config=config)
            if sink.written != size:
                raise AssertionError(f"downloaded {sink.written} bytes, not {size}")

        runs = self._runs(self.s.multipart_runs)
        return {
            "multipart_up_mibs": _samples(upload, runs, 0),
            "multipart_down_mibs": _samples(download, runs, 0),
        }


def summarize(samples: dict[str, list[float]], settings: Settings) -> dict[str, float]:
    """Medians of the raw samples, in each metric's unit (ms, s or MiB/s)."""
    sizes = {
        "put_big_mibs": settings.big_mib,
        "get_big_mibs": settings.big_mib,
        "multipart_up_mibs": settings.multipart_mib,
        "multipart_down_mibs": settings.multipart_mib,
    }
    found = {}
    for key, values in samples.items():
        median = statistics.median(values)
        if key.endswith("_ms"):
            found[key] = median * 1000
        elif key.endswith("_mibs"):
            found[key] = sizes[key] / median
        else:
            found[key] = median
    return found
