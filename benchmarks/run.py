"""Benchmark pytest-s3emu against its floors and against moto, all in one run (issue 5).

    python benchmarks/run.py                  # the full workload (several minutes)
    python benchmarks/run.py --quick          # a smoke run with small sizes
    python benchmarks/run.py --json out.json  # also write every number as JSON
    python benchmarks/run.py --targets s3emu,floor --skip suites,startup

Each target runs in a fresh worker process of its own (moto patches botocore when imported;
nothing leaks from one target into the next). Every number is a median. See docs/benchmarks.md
for what each column means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import suites  # noqa: E402
from targets import BY_NAME, TARGETS, available, start  # noqa: E402
from workload import STEPS, Settings, Workload, summarize  # noqa: E402

STEP_TIMEOUT = 900  # seconds for one step of one round of one target: a hang fails the run
MARK = "@@bench "  # prefixes the worker's answers on stdout (moto may print there too)

# (key, heading, format); ratios are to the floor's value in the same column
SMALL = [
    ("put_ms", "PutObject ms", "{:.2f}"),
    ("get_ms", "GetObject ms", "{:.2f}"),
    ("head_ms", "HeadObject ms", "{:.2f}"),
    ("create_delete_ms", "Create+DeleteBucket ms", "{:.2f}"),
]
LARGE = [
    ("list_s", "ListObjectsV2 all pages s", "{:.2f}"),
    ("delete_objects_ms", "DeleteObjects ms", "{:.1f}"),
    ("put_big_mibs", "PUT big MiB/s", "{:.0f}"),
    ("get_big_mibs", "GET big MiB/s", "{:.0f}"),
    ("multipart_up_mibs", "multipart up MiB/s", "{:.0f}"),
    ("multipart_down_mibs", "multipart down MiB/s", "{:.0f}"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes and few iterations (a smoke run)")
    parser.add_argument("--json", metavar="PATH", help="write every result to PATH as JSON")
    parser.add_argument("--targets", help="comma-separated target names (default: all available)")
    parser.add_argument(
        "--skip", default="", help=f"comma-separated parts to skip: {', '.join(STEPS)}, suites, startup"
    )
    parser.add_argument("--small-calls", type=int, help="timed calls per small operation")
    parser.add_argument("--list-keys", type=int, help="keys in the listed bucket")
    parser.add_argument("--big-mib", type=int, help="size of the single PUT/GET object")
    parser.add_argument("--multipart-mib", type=int, help="size of the multipart upload/download")
    parser.add_argument("--suite-tests", type=int, help="tests in the generated per-test suites")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--settings", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, help="rounds over the targets (steps split among them)")
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args.worker, Settings(**json.loads(args.settings)))
    return _main(args)


def _settings(args: argparse.Namespace) -> Settings:
    base = Settings.quick() if args.quick else Settings()
    overrides = {
        "small_calls": args.small_calls,
        "list_keys": args.list_keys,
        "big_mib": args.big_mib,
        "multipart_mib": args.multipart_mib,
        "suite_tests": args.suite_tests,
        "rounds": args.rounds,
    }
    data = base.to_json()
    data.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**data)


def _worker(name: str, settings: Settings) -> int:
    """Serve one target: run each step named on stdin, answer its raw samples on stdout."""
    canned = settings.canned()
    canned.prepare()
    with start(name, canned) as target:
        workload = Workload(target, settings)
        _answer({"ready": True})
        for line in sys.stdin:
            try:
                _answer({"samples": workload.step(line.strip())})
            except Exception:
                _answer({"error": traceback.format_exc()})
                return 1
    return 0


def _answer(message: dict[str, Any]) -> None:
    print(MARK + json.dumps(message), flush=True)


class Worker:
    """The parent's end of a worker process."""

    def __init__(self, name: str, settings: Settings) -> None:
        self.name = name
        command = [sys.executable, str(HERE / "run.py"), "--worker", name, "--settings"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  # closed by close()
        self.process = subprocess.Popen(
            [*command, json.dumps(settings.to_json())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            text=True,
            bufsize=1,
        )

    def wait_ready(self) -> None:
        self._read()  # "ready": the target is up

    def step(self, step: str) -> dict[str, list[float]]:
        assert self.process.stdin is not None
        self.process.stdin.write(step + "\n")
        self.process.stdin.flush()
        samples: dict[str, list[float]] = self._read()["samples"]
        return samples

    def _read(self) -> dict[str, Any]:
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            if not select.select([stdout], [], [], max(0.0, deadline - time.monotonic()))[0]:
                self.close()
                raise RuntimeError(f"target {self.name}: no answer within {STEP_TIMEOUT} s")
            line = stdout.readline()
            if not line:
                code = self.process.wait()
                self.stderr.seek(0)
                raise RuntimeError(
                    f"target {self.name}: the worker exited ({code}):\n{self.stderr.read()[-4000:]}"
                )
            if line.startswith(MARK):
                message: dict[str, Any] = json.loads(line[len(MARK) :])
                if "error" in message:
                    raise RuntimeError(f"target {self.name} failed:\n{message['error']}")
                return message

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


def _measure(names: list[str], settings: Settings, steps: list[str]) -> dict[str, dict[str, float]]:
    """Every step on every target, ``settings.rounds`` times, the target order rotating each round."""
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in names}
    workers: list[Worker] = []
    try:
        print(f"starting {', '.join(names)} ...", file=sys.stderr, flush=True)
        workers += [Worker(name, settings) for name in names]  # they start up side by side
        for worker in workers:
            worker.wait_ready()
        for round_ in range(settings.rounds):
            for step in steps:
                print(f"round {round_ + 1}/{settings.rounds}: {step}", file=sys.stderr, flush=True)
                order = workers[round_ % len(workers) :] + workers[: round_ % len(workers)]
                for worker in order:
                    for key, values in worker.step(step).items():
                        samples[worker.name].setdefault(key, []).extend(values)
    finally:
        for worker in workers:
            worker.close()
    return {name: summarize(found, settings) for name, found in samples.items()}


def _main(args: argparse.Namespace) -> int:
    settings = _settings(args)
    skip = {s for s in args.skip.split(",") if s}
    names = args.targets.split(",") if args.targets else [t.name for t in TARGETS]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise SystemExit(f"unknown targets: {', '.join(unknown)} (known: {', '.join(BY_NAME)})")
    report: dict[str, Any] = {"settings": settings.to_json(), "machine": _machine(), "targets": {}}
    started = time.perf_counter()
    missing = [name for name in names if not available(BY_NAME[name])]
    for name in missing:
        print(f"skipping {name}: {BY_NAME[name].needs} is not installed", file=sys.stderr)
    steps = [step for step in STEPS if step not in skip]
    if steps:
        report["targets"] = _measure([n for n in names if n not in missing], settings, steps)
    with_moto = "moto" in names and available(BY_NAME["moto"])
    if "suites" not in skip:
        print("running the per-test suites ...", file=sys.stderr, flush=True)
        report["per_test_ms"] = suites.per_test(
            settings.suite_tests, settings.moto_suite_tests, with_moto, _has_xdist(), settings.suite_rounds
        )
    if "startup" not in skip:
        print("measuring the plugin start ...", file=sys.stderr, flush=True)
        report["startup_ms"] = suites.startup(settings.startup_runs)
    report["machine"]["load_after"] = os.getloadavg()
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["checks"] = checks(report)
    print(render(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


def _has_xdist() -> bool:
    import importlib.util

    return importlib.util.find_spec("xdist") is not None


def _machine() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("pytest-s3emu", "botocore", "boto3", "werkzeug", "moto"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
        "versions": versions,
    }


# -- the targets ----------------------------------------------------------------------------


def _ratio(report: dict[str, Any], target: str, reference: str, key: str) -> float | None:
    values = report["targets"]
    if target not in values or reference not in values:
        return None
    a, b = values[target].get(key), values[reference].get(key)
    return a / b if a and b else None


def checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 5 with its measured value, limit and verdict (None: not measured)."""
    found: list[dict[str, Any]] = []

    def add(what: str, value: float | None, limit: float, at_most: bool = True, unit: str = "x") -> None:
        ok = None if value is None else (value <= limit if at_most else value >= limit)
        found.append(
            {"what": what, "value": value, "limit": limit, "at_most": at_most, "unit": unit, "ok": ok}
        )

    for key, heading, _ in SMALL:
        add(f"{heading[:-3]}: s3emu over HTTP / floor", _ratio(report, "s3emu", "floor", key), 1.15)
    for key, heading, _ in SMALL:
        add(
            f"{heading[:-3]}: s3emu in process / botocore alone",
            _ratio(report, "s3emu-inprocess", "botocore", key),
            1.3,
        )
    add("ListObjectsV2 (all pages): s3emu / floor", _ratio(report, "s3emu", "floor", "list_s"), 1.1)
    for key, heading, _ in LARGE[2:]:
        add(f"{heading[:-6]}: s3emu / floor", _ratio(report, "s3emu", "floor", key), 0.8, at_most=False)
    per_test = report.get("per_test_ms", {})
    for mode in ("serial", "n2"):
        for name in ("s3emu", "s3emu-inprocess"):
            add(
                f"per test, {name}, {mode.replace('n2', '-n 2')}",
                per_test.get(f"{name}:{mode}"),
                20,
                unit="ms",
            )
    startup = report.get("startup_ms", {})
    add("first emulator start, model load included", startup.get("first_start_ms"), 100, unit="ms")
    add(
        "reset + environment patching",
        _sum(startup.get("reset_ms"), startup.get("activate_ms")),
        1,
        unit="ms",
    )
    return found


def _sum(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


# -- output ---------------------------------------------------------------------------------------


def _table(headings: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headings)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headings, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def _metric_table(report: dict[str, Any], columns: list[tuple[str, str, str]]) -> str:
    values = report["targets"]
    floor = values.get("floor", {})
    rows = []
    for name, results in values.items():
        if not any(key in results for key, _, _ in columns):
            continue
        row = [f"{name}: {BY_NAME[name].label}"]
        for key, _, fmt in columns:
            value = results.get(key)
            if value is None:
                row.append("-")
                continue
            cell = fmt.format(value)
            if floor.get(key) and name != "floor":
                cell += f" ({value / floor[key]:.2f}x)"
            row.append(cell)
        rows.append(row)
    return _table(["target", *(h for _, h, _ in columns)], rows)


def render(report: dict[str, Any]) -> str:
    """Markdown tables: medians (with the ratio to the floor), per test, start, the issue's targets."""
    s = report["settings"]
    machine = report["machine"]
    parts = [
        f"Python {machine['python']}, {machine['cpus']} CPUs, load average "
        f"{machine['load_before'][0]:.2f} before / {machine['load_after'][0]:.2f} after; "
        f"{report['seconds']} s in all. Medians; (Nx) is the ratio to the floor in the same column.",
        "",
        f"Per call, {s['small_size']} B objects, median of {s['small_calls']} calls:",
        "",
        _metric_table(report, SMALL),
        "",
        f"Larger work: ListObjectsV2 over {s['list_keys']:,} keys (every page, paginator), DeleteObjects of "
        f"{s['delete_keys']:,} keys, PUT/GET of {s['big_mib']} MiB, multipart upload/download of "
        f"{s['multipart_mib']} MiB in {s['part_mib']} MiB parts:",
        "",
        _metric_table(report, LARGE),
    ]
    per_test = report.get("per_test_ms")
    if per_test:
        rows = [
            [key.replace(":n2", ", -n 2").replace(":serial", ", serial"), f"{value:.1f}"]
            for key, value in per_test.items()
        ]
        parts += [
            "",
            f"Per test (ms; {s['suite_tests']} tests, moto {s['moto_suite_tests']}; the empty suite's"
            " cost per test, shown as empty, is already subtracted from the others):",
            "",
            _table(["suite", "ms per test"], rows),
        ]
    startup = report.get("startup_ms")
    if startup:
        rows = [[key.removesuffix("_ms").replace("_", " "), f"{value:.3f}"] for key, value in startup.items()]
        parts += ["", "Plugin start (ms, fresh processes):", "", _table(["step", "ms"], rows)]
    rows = []
    for check in report["checks"]:
        value = "not measured" if check["value"] is None else f"{check['value']:.2f}"
        limit = (
            "<= " if check["at_most"] else ">= "
        ) + f"{check['limit']:g}{check['unit'] if check['unit'] != 'x' else 'x'}"
        verdict = {True: "met", False: "NOT MET", None: "-"}[check["ok"]]
        rows.append([check["what"], value, limit, verdict])
    parts += ["", "Issue 5 targets:", "", _table(["target", "measured", "limit", "verdict"], rows)]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
