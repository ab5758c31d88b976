"""Ways to time a command: inside a long-lived bash/zsh, in a fish batch, or as new processes.

Every runner has the same two methods:

``loop(steps, n)``
    run the ``steps`` (shell code, one string each) in order, ``n`` times, and return,
    for every iteration, the duration of each step in microseconds.
``verify(script)``
    run ``script`` once with its output captured and return (ok, output).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Sequence

END = "__BENCH_END__"


class ShellError(RuntimeError):
    pass


class Timings(list):
    """Per-iteration step durations (µs); ``status`` holds each iteration's exit statuses."""

    def __init__(self, rows=(), status=()):
        super().__init__(rows)
        self.status = list(status)


def _epoch_ns(text: str) -> int:
    """'1700000000.123456' (bash) or '1700000000.123456789' (zsh) -> integer nanoseconds."""
    sec, _, frac = text.strip().partition(".")
    return int(sec) * 1_000_000_000 + int((frac + "000000000")[:9])


class PipeShell:
    """A bash or zsh started once and fed scripts over a pipe; timings use $EPOCHREALTIME.

    The timed commands run at the top level of that shell (no wrapper function), with
    stdin, stdout and stderr on /dev/null, as ``{ CMD; } >/dev/null 2>&1 </dev/null``.
    """

    def __init__(self, kind: str, env: dict, cwd: str, logfile: Path, prelude: str = ""):
        self.kind = kind
        if kind == "bash":
            argv = ["bash", "--norc", "--noprofile", "--noediting", "-i"]
        elif kind == "zsh":
            argv = ["zsh", "-f", "-i"]
        else:
            raise ValueError(kind)
        self.logfile = logfile
        self._log = open(logfile, "a", encoding="utf-8", errors="replace")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            env=env, cwd=cwd, start_new_session=True,
        )
        self._buf = b""
        base = "PS1=''; PS2=''; PS3=''; PS4='+ '\n"
        if kind == "zsh":
            base += "zmodload zsh/datetime\nunsetopt nomatch 2>/dev/null\n"
        out, rc = self.run(base + prelude, timeout=120)
        if rc != 0:
            raise ShellError(f"{kind} prelude exited {rc}: {out[-500:]}")

    def run(self, script: str, timeout: float = 600) -> tuple[str, int]:
        """Send ``script``; return what it printed on stdout and the status of its last command."""
        if self.proc.poll() is not None:
            raise ShellError(f"{self.kind} exited with status {self.proc.returncode}")
        self._log.write(f"\n### script:\n{script}\n")
        self._log.flush()
        payload = f"{script}\nprintf '\\n{END} %s\\n' \"$?\"\n"
        try:
            self.proc.stdin.write(payload.encode())
            self.proc.stdin.flush()
        except BrokenPipeError as exc:
            raise ShellError(f"{self.kind} closed its input") from exc
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        marker = f"\n{END} ".encode()
        while True:
            idx = self._buf.find(marker)
            if idx >= 0:
                end = self._buf.find(b"\n", idx + len(marker))
                if end >= 0:
                    out = self._buf[:idx].decode(errors="replace")
                    rc = int(self._buf[idx + len(marker):end] or b"0")
                    self._buf = self._buf[end + 1:]
                    return out, rc
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise ShellError(f"{self.kind}: no answer within {timeout:.0f}s")
            ready, _, _ = select.select([fd], [], [], min(left, 5))
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise ShellError(f"{self.kind} exited (status {self.proc.wait()}); "
                                     f"see {self.logfile}")
                self._buf += chunk

    def loop(self, steps: Sequence[str], n: int, timeout: float = 600) -> list[list[float]]:
        k = len(steps)
        lines = ["__bo=''", f"for (( __bi = 0; __bi < {n}; __bi++ )); do", "  __bt0=$EPOCHREALTIME"]
        for i, cmd in enumerate(steps, 1):
            lines.append(f"  {{ {cmd}\n  }} >/dev/null 2>&1 </dev/null")
            # The clock first; $? still holds the command's status after that expansion.
            lines.append(f"  __bt{i}=$EPOCHREALTIME __bs{i}=$?")
        stamp = " ".join([f"$__bt{i}" for i in range(k + 1)] + [f"$__bs{i}" for i in
                                                                range(1, k + 1)])
        lines.append(f"  __bo+=\"{stamp}\"$'\\n'")
        lines.append("done")
        lines.append("printf '%s' \"$__bo\"")
        out, _ = self.run("\n".join(lines), timeout=timeout)
        result = Timings()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) != 2 * k + 1:
                continue
            ns = [_epoch_ns(p) for p in parts[:k + 1]]
            result.append([(ns[i + 1] - ns[i]) / 1000.0 for i in range(k)])
            result.status.append([int(s) for s in parts[k + 1:]])
        if len(result) != n:
            raise ShellError(f"{self.kind}: expected {n} timings, got {len(result)}: "
                             f"{out[-300:]!r}")
        return result

    def verify(self, script: str, timeout: float = 600) -> tuple[bool, str]:
        out, rc = self.run(f"{{ {script}\n}} 2>&1 </dev/null", timeout=timeout)
        self._log.write(f"### verify output (exit {rc}):\n{out}\n")
        self._log.flush()
        return rc == 0, out

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


_FISH_TIME = re.compile(r"Executed in\s+([0-9.]+)\s+(micros|millis|secs|mins)")
_UNIT_US = {"micros": 1.0, "millis": 1e3, "secs": 1e6, "mins": 6e7}


class FishBatch:
    """fish reads a whole script before running it, so it cannot be driven over a pipe.

    Each ``loop`` call starts one fish that loads the tool, runs two untimed warm-up
    iterations, then times every step with fish's ``time`` keyword (which reports on
    fish's own stderr, with microsecond resolution).  Start-up is never timed.
    """

    kind = "fish"

    def __init__(self, env: dict, cwd: str, workdir: Path, logfile: Path, prelude: str = ""):
        self.env = env
        self.cwd = cwd
        self.workdir = workdir
        self.logfile = logfile
        self.prelude = prelude
        workdir.mkdir(parents=True, exist_ok=True)
        self._n = 0

    def _script(self, body: str) -> Path:
        self._n += 1
        path = self.workdir / f"batch-{os.getpid()}-{self._n}.fish"
        path.write_text(f"{self.prelude}\n{body}\n")
        return path

    def _fish(self, path: Path, timeout: float) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            ["fish", "--no-config", str(path)], env=self.env, cwd=self.cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, timeout=timeout,
        )
        with open(self.logfile, "a", encoding="utf-8") as fh:
            fh.write(f"\n### {path}\n{path.read_text()}\n--- stdout\n{proc.stdout[-2000:]}\n"
                     f"--- stderr\n{proc.stderr[-2000:]}\n[exit {proc.returncode}]\n")
        return proc

    def loop(self, steps: Sequence[str], n: int, timeout: float = 600) -> list[list[float]]:
        k = len(steps)
        warm = "\n".join(f"begin; {cmd}\nend >/dev/null 2>&1 </dev/null" for cmd in steps)
        timed = "\n".join(f"time begin; {cmd}\nend >/dev/null 2>&1 </dev/null\n"
                          f"set -a __bs $status" for cmd in steps)
        body = (f"for __bi in 1 2\n{warm}\nend\n"
                f"echo __BENCH_GO__ >&2\nset -g __bs\n"
                f"for __bi in (seq {n})\n{timed}\nend\n"
                f"echo __BENCH_STATUS__ $__bs\n")
        proc = self._fish(self._script(body), timeout)
        err = proc.stderr.split("__BENCH_GO__", 1)[-1]
        vals = [float(m.group(1)) * _UNIT_US[m.group(2)] for m in _FISH_TIME.finditer(err)]
        if len(vals) != n * k:
            raise ShellError(f"fish: expected {n * k} timings, got {len(vals)}; "
                             f"exit {proc.returncode}: {proc.stderr[-300:]!r}")
        status = []
        for line in proc.stdout.splitlines():
            if line.startswith("__BENCH_STATUS__"):
                status = [int(s) for s in line.split()[1:]]
        if len(status) != n * k:
            status = [0] * (n * k)
        return Timings([vals[i * k:(i + 1) * k] for i in range(n)],
                       [status[i * k:(i + 1) * k] for i in range(n)])

    def verify(self, script: str, timeout: float = 600) -> tuple[bool, str]:
        proc = self._fish(self._script(script), timeout)
        return proc.returncode == 0, proc.stdout + proc.stderr

    def close(self) -> None:
        pass


class ProcRunner:
    """Times whole processes (shell start-up): each step is an argv, spawned and waited for.

    The clock is Python's perf_counter_ns around posix_spawn + a blocking waitpid (no
    polling), so every row carries the same small spawn overhead; compare rows by their
    difference to the bare shell.  A watchdog thread kills a process that hangs.
    """

    kind = "proc"

    def __init__(self, env: dict, cwd: str, logfile: Path):
        self.env = env
        self.cwd = cwd
        self.logfile = logfile
        self._watch: list = [None, 0.0]     # pid, deadline
        self._stop = False
        self._thread = None

    def _watchdog(self) -> None:
        while not self._stop:
            pid, deadline = self._watch
            if pid is not None and time.monotonic() > deadline:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.5)

    def _split(self, step):
        """A step is an argv, or (argv, extra_env)."""
        if isinstance(step, tuple):
            argv, extra = step
            env = dict(self.env, **extra)
        else:
            argv, env = step, self.env
        argv = list(argv)
        exe = shutil.which(argv[0], path=env.get("PATH")) or argv[0]
        return exe, argv, env

    def loop(self, steps: Sequence, n: int, timeout: float = 600) -> list[list[float]]:
        if self._thread is None:
            self._thread = threading.Thread(target=self._watchdog, daemon=True)
            self._thread.start()
        prepared = [self._split(s) for s in steps]
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ]
        old = os.getcwd()
        os.chdir(self.cwd)
        try:
            result = []
            per_proc = max(60.0, timeout / max(n, 1))
            for _ in range(n):
                row = []
                for exe, argv, env in prepared:
                    t0 = time.perf_counter_ns()
                    pid = os.posix_spawn(exe, argv, env, file_actions=actions)
                    self._watch[:] = [pid, time.monotonic() + per_proc]
                    _, status = os.waitpid(pid, 0)
                    t1 = time.perf_counter_ns()
                    self._watch[0] = None
                    rc = os.waitstatus_to_exitcode(status)
                    if rc != 0:
                        raise ShellError(f"{' '.join(argv)} exited {rc}")
                    row.append((t1 - t0) / 1000.0)
                result.append(row)
            return result
        finally:
            os.chdir(old)

    def verify(self, steps, timeout: float = 600) -> tuple[bool, str]:
        outs = []
        ok = True
        for step in steps:
            exe, argv, env = self._split(step)
            try:
                proc = subprocess.run(argv, env=env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, timeout=timeout)
                outs.append(f"$ {' '.join(argv)}\n{proc.stdout}[exit {proc.returncode}]")
                ok = ok and proc.returncode == 0
            except (OSError, subprocess.TimeoutExpired) as exc:
                outs.append(f"$ {' '.join(argv)}\n{exc}")
                ok = False
        with open(self.logfile, "a", encoding="utf-8") as fh:
            fh.write("\n".join(outs) + "\n")
        return ok, "\n".join(outs)

    def close(self) -> None:
        self._stop = True
