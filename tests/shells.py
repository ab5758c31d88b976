"""Drive a real bash or zsh over pipes, keeping its state between commands.

Each command runs in the shell itself (not a subshell): ``{ CMD\\n} 2>FILE`` then
the shell prints NUL, the status, NUL. stdout and stderr come back separately.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


class Shell:
    ARGV = {
        "bash": ["bash", "--noprofile", "--norc"],
        "zsh": ["zsh", "--no-rcs", "--no-globalrcs"],
    }

    def __init__(self, kind: str, env: dict, cwd: Path | None = None, argv: list[str] | None = None):
        self.kind = kind
        fd, self.errfile = tempfile.mkstemp(prefix="envwrap-stderr-")
        os.close(fd)
        self.proc = subprocess.Popen(
            argv or self.ARGV[kind], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=env, cwd=cwd,
        )

    @staticmethod
    def quote(value: str) -> str:
        return shlex.quote(value)

    def run(self, command: str, timeout: float = 120) -> Result:
        script = f"{{ {command}\n}} 2>{self.quote(self.errfile)}; \\builtin printf '\\0%d\\0' \"$?\"\n"
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(script.encode())
        self.proc.stdin.flush()
        buf = b""
        while True:
            chunk = self.proc.stdout.read1(65536)  # type: ignore[attr-defined]
            if not chunk:
                raise RuntimeError(f"{self.kind} exited; output so far: {buf!r}")
            buf += chunk
            if buf.endswith(b"\0") and buf.count(b"\0") >= 2:
                head, status, _ = buf.rsplit(b"\0", 2)
                if status.isdigit():
                    break
        with open(self.errfile, "rb") as fh:
            err = fh.read().decode("utf-8", "replace")
        return Result(int(status), head.decode("utf-8", "replace"), err)

    def ok(self, command: str) -> Result:
        result = self.run(command)
        assert result.status == 0, f"{command!r} failed: {result}"
        return result

    def var(self, name: str) -> str | None:
        result = self.run(f"[ -n \"${{{name}+x}}\" ] && \\builtin printf %s \"${name}\"")
        return result.stdout if result.status == 0 else None

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        finally:
            os.unlink(self.errfile)
