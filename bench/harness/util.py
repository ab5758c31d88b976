"""Small helpers shared by the harness modules: logging, subprocesses, statistics."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from typing import Iterable, Sequence

_T0 = time.monotonic()


def log(msg: str) -> None:
    """Progress goes to stderr, prefixed with the elapsed time."""
    print(f"[bench {time.monotonic() - _T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


class SetupError(RuntimeError):
    """A tool or fixture could not be prepared; the rows that need it are reported as such."""


def run(
    argv: Sequence[str],
    *,
    env: dict | None = None,
    cwd: str | None = None,
    timeout: float = 900,
    check: bool = True,
    logfile: str | None = None,
) -> subprocess.CompletedProcess:
    """Run a command, capturing output; raise SetupError with its tail when it fails."""
    try:
        proc = subprocess.run(
            list(argv),
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except FileNotFoundError as exc:
        raise SetupError(f"{argv[0]}: not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise SetupError(f"{' '.join(argv)}: timed out after {timeout:.0f}s") from exc
    if logfile:
        with open(logfile, "a", encoding="utf-8") as fh:
            fh.write(f"$ {' '.join(argv)}\n{proc.stdout}\n[exit {proc.returncode}]\n")
    if check and proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        raise SetupError(f"{' '.join(argv)} exited {proc.returncode}:\n{tail}")
    return proc


def which(name: str, path: str | None = None) -> str | None:
    return shutil.which(name, path=path)


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def summarize(xs: Iterable[float]) -> dict:
    """Median, min, max, count and the spread between the quartiles."""
    data = sorted(xs)
    if not data:
        return {"n": 0}
    n = len(data)
    if n >= 4:
        q = statistics.quantiles(data, n=4)
        q1, q3 = q[0], q[2]
    else:
        q1, q3 = data[0], data[-1]
    return {
        "n": n,
        "median": statistics.median(data),
        "min": data[0],
        "max": data[-1],
        "q1": q1,
        "q3": q3,
        "mean": statistics.fmean(data),
    }


def fmt_time(us: float | None) -> str:
    """Format microseconds with a unit that keeps 3 significant digits."""
    if us is None:
        return "—"
    a = abs(us)
    if a < 1000:
        return f"{us:.1f} µs" if a < 100 else f"{us:.0f} µs"
    if a < 1_000_000:
        return _three(us / 1000, "ms")
    return _three(us / 1e6, "s")


def _three(x: float, unit: str) -> str:
    """About three significant digits."""
    if abs(x) < 10:
        return f"{x:.2f} {unit}"
    if abs(x) < 100:
        return f"{x:.1f} {unit}"
    return f"{x:.0f} {unit}"


def fmt_ratio(r: float | None) -> str:
    if r is None:
        return "—"
    if r >= 100:
        return f"{r:.0f}×"
    if r >= 10:
        return f"{r:.1f}×"
    if r >= 0.1 or r == 0:
        return f"{r:.2f}×"
    return f"{r:.2g}×"
