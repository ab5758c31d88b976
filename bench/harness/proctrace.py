"""Count the processes each operation starts, with ``strace -f -e trace=execve``.

One traced shell runs all the operations of one tool, separated by marker
processes (``/bin/true __BENCH_MARK__ NAME``); the execs between two markers
belong to the operation.  Python processes are recognised by the interpreter's
name or by a ``#!...python`` line in the executed file (console scripts).
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections import Counter
from pathlib import Path

from .scratch import Scratch
from .util import SetupError, log, run

MARK = "__BENCH_MARK__"
_START = re.compile(r'^(\d+)\s+execve\("((?:[^"\\]|\\.)*)", \[(.*?)\]')
_RESUMED = re.compile(r"^(\d+)\s+<\.\.\. execve resumed>.*=\s*(-?\d+)")
_RESULT = re.compile(r"\)\s*=\s*(-?\d+)")

TRACE_ENV = "proj-0010"
MK_ENV = "bench-trace"


def _is_python(path: str, cache: dict) -> bool:
    if path in cache:
        return cache[path]
    name = Path(path).name
    result = bool(re.match(r"python(\d+(\.\d+)?)?$", name))
    if not result:
        try:
            with open(path, "rb") as fh:
                head = fh.read(256)
            result = head.startswith(b"#!") and b"python" in head.split(b"\n", 1)[0]
        except OSError:
            result = False
    cache[path] = result
    return result


def parse(trace: str) -> list[tuple[str, list[str]]]:
    """Successful execs in order: (path, argv-text)."""
    done = []
    pending: dict[str, tuple[str, str]] = {}
    for line in trace.splitlines():
        m = _START.match(line)
        if m:
            pid, path, args = m.groups()
            if "<unfinished" in line:
                pending[pid] = (path, args)
                continue
            r = _RESULT.search(line[m.end():])
            if r and r.group(1) == "0":
                done.append((path, args))
            continue
        m = _RESUMED.match(line)
        if m and m.group(1) in pending:
            path, args = pending.pop(m.group(1))
            if m.group(2) == "0":
                done.append((path, args))
    return done


def split_ops(execs: list, names: list[str]) -> dict:
    """Group the execs between markers; returns {op: {"total", "python", "programs"}}."""
    cache: dict = {}
    ops: dict = {}
    current = None
    for path, args in execs:
        if MARK in args:
            m = re.search(MARK + r'", "([^"]+)"', args)
            current = m.group(1) if m else None
            if current:
                ops[current] = {"total": 0, "python": 0, "programs": Counter()}
            continue
        if current is None:
            continue
        op = ops[current]
        op["total"] += 1
        if _is_python(path, cache):
            op["python"] += 1
            op["programs"]["python"] += 1
        else:
            op["programs"][Path(path).name] += 1
    return {n: ops[n] for n in names if n in ops}


def _strace(sc: Scratch, argv: list[str], env: dict, out: Path) -> list:
    if out.exists():
        out.unlink()
    run(["strace", "-f", "-qq", "-s", "200", "-e", "trace=execve", "-o", str(out), *argv],
        env=env, cwd=str(sc.tmp), check=False, timeout=600)
    return parse(out.read_text(errors="replace")) if out.exists() else []


def trace_processes(sc: Scratch, shells: list[str]) -> dict:
    """{shell: {tool: {op: counts}}}, or {"error": text}."""
    probe = run(["strace", "-f", "-qq", "-e", "trace=execve", "-o", "/dev/null", "true"],
                check=False)
    if probe.returncode != 0:
        return {"error": f"strace does not work here: {probe.stdout.strip()[-200:]}"}
    results: dict = {}
    tdir = sc.root / "trace"
    tdir.mkdir(exist_ok=True)
    for sh in shells:
        if sh == "fish":
            continue
        results[sh] = {}
        tools = [("bare", None)]
        if sc.has("envwrap") and sc.has(f"envwrap-init-{sh}"):
            tools += [("envwrap (file)", f"source {shlex.quote(str(sc.init_file(sh)))}"),
                      ("envwrap (eval)", f'eval "$(envwrap init {sh})"')]
        if sc.has("vew"):
            tools += [("virtualenvwrapper", sc.vew_loader()),
                      ("virtualenvwrapper (lazy)", sc.vew_loader(lazy=True))]
        for tool, loader in tools:
            is_vew = tool.startswith("virtualenvwrapper")
            home = sc.home_dir("vew" if is_vew else "ew", "20")
            env = sc.shell_env(home, BENCH_PY=sc.python, UV_PYTHON_DOWNLOADS="never")
            mark = f"command /bin/true {MARK}"
            if loader is None:
                ops = [("start-up", ":")]
            else:
                ops = [
                    ("start-up", ":"),
                    ("workon", f"workon {TRACE_ENV}"),
                    ("deactivate", "deactivate"),
                    ("TAB", '__bench_find_cf && __bench_tab "$__bench_cf" ""'),
                    ("lsvirtualenv -b", "lsvirtualenv -b"),
                    ("lsvirtualenv -l (20 envs)", "lsvirtualenv -l"),
                    ("mkvirtualenv", f"mkvirtualenv {MK_ENV}"),
                    ("deactivate after mkvirtualenv", "deactivate"),
                    ("rmvirtualenv", f"rmvirtualenv {MK_ENV}"),
                ]
            from .cases import BASH_HELPERS, ZSH_HELPERS  # late import: avoids a cycle
            helpers = BASH_HELPERS if sh == "bash" else ZSH_HELPERS
            # The start-up op is everything up to the first marker after the rc file.
            script_lines = []
            for name, cmd in ops:
                if name == "start-up":
                    continue
                script_lines += [f"{mark} {shlex.quote(name)}", f"{cmd} >/dev/null 2>&1"]
            script_lines.append(f"{mark} end")
            rc_text = f"{mark} start-up\n{loader or ''}\n{helpers}\n"
            tag = re.sub(r"\W+", "-", tool)
            if sh == "bash":
                rc = tdir / f"bash-{tag}.rc"
                rc.write_text(rc_text)
                argv = ["bash", "--rcfile", str(rc), "-i", "-c", "\n".join(script_lines)]
            else:
                zd = tdir / f"zsh-{tag}"
                zd.mkdir(exist_ok=True)
                (zd / ".zshrc").write_text(rc_text)
                env["ZDOTDIR"] = str(zd)
                argv = ["zsh", "-i", "-c", "\n".join(script_lines)]
            log(f"  strace: {sh} / {tool}")
            if loader is not None:
                # Untraced warm-up, so that mkvirtualenv is counted with warm caches.
                warm = f"mkvirtualenv {MK_ENV} && deactivate; rmvirtualenv {MK_ENV}"
                run(argv[:-1] + [warm], env=env, cwd=str(sc.tmp), check=False, timeout=600)
            try:
                execs = _strace(sc, argv, env, tdir / f"{sh}-{tag}.trace")
            except SetupError as exc:
                results[sh][tool] = {"error": str(exc)}
                continue
            finally:
                leftover = home / MK_ENV
                if leftover.exists():
                    shutil.rmtree(leftover, ignore_errors=True)
            counts = split_ops(execs, [n for n, _ in ops])
            # Execs before the rc file runs (the shell itself) are not in any op; the
            # start-up op spans the rc file only.
            results[sh][tool] = counts
    return results
