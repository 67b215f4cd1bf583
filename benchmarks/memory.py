"""Peak memory of the emulator while it takes in and hands out 1 GiB objects (Linux; not run in CI).

The emulator runs in a subprocess (``python -m pytest_s3emu --port 0``) so that its memory is
measured alone: the resident set (``VmRSS``) is sampled every few milliseconds and the kernel's
own high-water mark (``VmHWM``, reset through ``/proc/<pid>/clear_refs`` before each scenario)
catches peaks between samples. The client never holds a whole object either: uploads read from
a generated file-like object and downloads are hashed and dropped block by block.

    python benchmarks/memory.py                      # 1 GiB, every scenario
    python benchmarks/memory.py --size-mib 256 --json memory.json

Exit status 1 if any scenario grows the emulator by more than ``--limit-mib`` (64 MiB) above its
idle size, measured after a warm-up with small objects (model loaded, CRC tables built).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import IO, TYPE_CHECKING, Any, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

MIB = 1024 * 1024
BUCKET = "memory-benchmark"
_PATTERN = os.urandom(MIB + 7)  # an odd length: blocks of the generated data do not repeat in step


class GeneratedFile(io.RawIOBase):
    """``size`` bytes of pseudo-random data, made as read: a seekable body that costs no memory."""

    def __init__(self, size: int, seed: int = 0) -> None:
        super().__init__()
        self._size = size
        self._seed = seed
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the whole body was asked for at once")  # a client-side full copy
        size = min(size, self._size - self._position)
        out = bytearray()
        while len(out) < size:
            start = (self._position + self._seed) % len(_PATTERN)
            piece = _PATTERN[start : start + size - len(out)]
            out += piece
            self._position += len(piece)
        return bytes(out)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def generated(size: int, seed: int = 0) -> IO[bytes]:
    """A :class:`GeneratedFile`, typed as the file object boto3 expects."""
    return cast("IO[bytes]", GeneratedFile(size, seed))


class HashingSink(io.RawIOBase):
    """A write-only file that keeps only the MD5 and the length of what it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.md5.update(data)
        self.size += len(data)
        return len(data)


def _status(pid: int) -> dict[str, int]:
    """The ``Vm*`` lines of ``/proc/<pid>/status``, in KiB."""
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Vm"):
                name, value = line.split(":", 1)
                found[name] = int(value.split()[0])
    return found


def _rss_mib(pid: int) -> float:
    return _status(pid)["VmRSS"] / 1024


class PeakMeter:
    """The largest resident size of a process while a block runs: sampled, and VmHWM."""

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        self.pid = pid
        self.interval = interval
        self.hwm_reset = self._reset_hwm()

    def _reset_hwm(self) -> bool:
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as clear:
                clear.write("5")  # resets VmHWM to the current VmRSS (Linux 4.0+)
        except OSError:
            return False
        return True

    @contextmanager
    def measure(self) -> Iterator[dict[str, float]]:
        result: dict[str, float] = {}
        self.hwm_reset = self._reset_hwm()
        stop = threading.Event()
        peak = [_rss_mib(self.pid)]

        def sample() -> None:
            while not stop.wait(self.interval):
                peak[0] = max(peak[0], _rss_mib(self.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield result
        finally:
            stop.set()
            sampler.join()
            status = _status(self.pid)
            result["sampled_peak_mib"] = max(peak[0], status["VmRSS"] / 1024)
            result["hwm_mib"] = status["VmHWM"] / 1024 if self.hwm_reset else float("nan")
            result["peak_mib"] = max(result["sampled_peak_mib"], result["hwm_mib"] if self.hwm_reset else 0)
            result["end_mib"] = status["VmRSS"] / 1024


@dataclass
class Scenario:
    name: str
    seconds: float
    peak_mib: float
    growth_mib: float
    end_mib: float
    detail: str


@contextmanager
def emulator_process() -> Iterator[tuple[int, str]]:
    """``python -m pytest_s3emu --port 0``: (pid, endpoint URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_s3emu", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = None
        for line in process.stdout:
            found = re.search(r"serving S3 on (http://\S+)", line)
            if found:
                endpoint = found.group(1)
                break
        if endpoint is None:
            raise RuntimeError(f"the emulator did not start (exit status {process.wait()})")
        threading.Thread(target=process.stdout.read, daemon=True).start()  # keep the pipe drained
        yield process.pid, endpoint
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _client(endpoint: str) -> S3Client:
    session = boto3.session.Session(
        aws_access_key_id="benchmark", aws_secret_access_key="benchmark", region_name="us-east-1"
    )
    config = Config(retries={"max_attempts": 1}, read_timeout=600, max_pool_connections=16)
    return session.client("s3", endpoint_url=endpoint, config=config)


def _download(client: S3Client, key: str) -> tuple[int, str]:
    body = client.get_object(Bucket=BUCKET, Key=key)["Body"]
    sink = HashingSink()
    for block in body.iter_chunks(MIB):
        sink.write(block)
    return sink.size, sink.md5.hexdigest()


def _multipart(client: S3Client, key: str, size: int, part_size: int) -> str:
    upload = client.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    parts: list[CompletedPartTypeDef] = []
    for number, offset in enumerate(range(0, size, part_size), start=1):
        body = generated(min(part_size, size - offset), seed=offset)
        etag = client.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=number, Body=body)
        parts.append({"PartNumber": number, "ETag": etag["ETag"]})
    done = client.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
    )
    return done["ETag"]


def _expected_md5(size: int, part_size: int | None = None) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    step = part_size or size
    for offset in range(0, size, step):
        data = GeneratedFile(min(step, size - offset), seed=offset if part_size else 0)
        while block := data.read(8 * MIB):
            md5.update(block)
    return md5.hexdigest()


def scenarios(client: S3Client, size: int, part_size: int) -> list[tuple[str, Callable[[], str]]]:
    """(name, run) pairs; run returns a line of detail and raises if the data came back wrong."""
    whole_md5 = _expected_md5(size)
    parts_md5 = _expected_md5(size, part_size)

    def put() -> str:
        etag = client.put_object(Bucket=BUCKET, Key="put", Body=generated(size))["ETag"]
        assert etag.strip('"') == whole_md5, "the emulator stored other bytes"
        return "PutObject of a generated stream (x-amz-content-sha256 and CRC32 checked)"

    def get() -> str:
        got = _download(client, "put")
        assert got == (size, whole_md5), f"downloaded {got}"
        return "GetObject streamed and dropped (botocore checks the CRC32)"

    def multipart_upload() -> str:
        _multipart(client, "multipart", size, part_size)
        return f"{size // part_size} UploadPart of {part_size // MIB} MiB, no ChecksumAlgorithm"

    def multipart_get() -> str:
        got = _download(client, "multipart")
        assert got == (size, parts_md5), f"downloaded {got}"
        return "GetObject (ChecksumMode=ENABLED: computes the default CRC64NVME first)"

    def transfer_upload() -> str:
        client.upload_fileobj(generated(size), BUCKET, "transfer", Config=TransferConfig())
        return "upload_fileobj, default TransferConfig (8 MiB parts, 10 threads)"

    def transfer_download() -> str:
        sink = HashingSink()
        # s3transfer writes ranges out of order to a non-seekable sink: it buffers them client-side
        client.download_fileobj(BUCKET, "transfer", cast("IO[bytes]", sink), Config=TransferConfig())
        assert (sink.size, sink.md5.hexdigest()) == (size, whole_md5)
        return "download_fileobj, default TransferConfig (8 MiB ranged GETs, 10 threads)"

    return [
        ("put_object", put),
        ("get_object", get),
        ("multipart_upload", multipart_upload),
        ("multipart_get", multipart_get),
        ("transfer_upload", transfer_upload),
        ("transfer_download", transfer_download),
    ]


def _warm_up(client: S3Client) -> None:
    """Every scenario once with tiny objects: the S3 model, botocore and the CRC tables load before
    the idle size is taken, so that the scenarios measure what large bodies cost."""
    client.create_bucket(Bucket=BUCKET)
    small = 64 * 1024  # large enough for the fast CRC-64 path (its tables), far below the threshold
    client.put_object(Bucket=BUCKET, Key="warm", Body=generated(small))
    _download(client, "warm")
    _multipart(client, "warm-mp", small, small)
    _download(client, "warm-mp")
    client.upload_fileobj(generated(small), BUCKET, "warm-tx")
    client.download_fileobj(BUCKET, "warm-tx", cast("IO[bytes]", HashingSink()))
    client.list_objects_v2(Bucket=BUCKET)
    for key in ("warm", "warm-mp", "warm-tx"):
        client.delete_object(Bucket=BUCKET, Key=key)


def run(size: int, part_size: int, only: list[str] | None) -> dict[str, Any]:
    with emulator_process() as (pid, endpoint):
        cold = _rss_mib(pid)
        client = _client(endpoint)
        _warm_up(client)
        idle = _rss_mib(pid)
        meter = PeakMeter(pid)
        results: list[Scenario] = []
        for name, action in scenarios(client, size, part_size):
            if only and name not in only:
                continue
            started = time.perf_counter()
            with meter.measure() as measured:
                detail = action()
            seconds = time.perf_counter() - started
            result = Scenario(
                name,
                round(seconds, 2),
                round(measured["peak_mib"], 1),
                round(measured["peak_mib"] - idle, 1),
                round(measured["end_mib"], 1),
                detail,
            )
            results.append(result)
            print(
                f"{name:18} {result.seconds:7.2f} s  peak {result.peak_mib:7.1f} MiB  "
                f"growth {result.growth_mib:6.1f} MiB  after {result.end_mib:7.1f} MiB  ({detail})",
                flush=True,
            )
    return {
        "object_mib": size // MIB,
        "part_mib": part_size // MIB,
        "cold_rss_mib": round(cold, 1),
        "idle_rss_mib": round(idle, 1),
        "hwm_reset": meter.hwm_reset,
        "python": sys.version.split()[0],
        "scenarios": [asdict(r) for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024, help="object size (default: 1024)")
    parser.add_argument("--part-mib", type=int, default=64, help="multipart part size (default: 64)")
    parser.add_argument("--limit-mib", type=float, default=64.0, help="allowed growth (default: 64)")
    parser.add_argument("--only", action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if not os.path.exists("/proc/self/status"):
        parser.error("this benchmark reads /proc/<pid>/status (Linux only)")
    report = run(args.size_mib * MIB, args.part_mib * MIB, args.only)
    report["limit_mib"] = args.limit_mib
    over = [s["name"] for s in report["scenarios"] if s["growth_mib"] > args.limit_mib]
    report["over_limit"] = over
    print(
        f"idle RSS {report['idle_rss_mib']} MiB (cold start {report['cold_rss_mib']} MiB); "
        + (f"OVER {args.limit_mib} MiB: {', '.join(over)}" if over else f"all within {args.limit_mib} MiB")
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
