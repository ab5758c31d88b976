"""What is measured: every case of every section, and the engine that alternates them.

A *case* is one tool doing one thing in one shell, e.g. "envwrap, bash, workon +
deactivate with hooks".  Its ``steps`` run in order on each iteration; the steps
that have a name become rows of the results (unnamed steps, such as the
``deactivate`` between ``mkvirtualenv`` and ``rmvirtualenv``, run untimed).

The engine runs a section's cases in rounds: a warm-up for every case first,
then each round runs every case for its share of iterations, in a new random
order each round, so slow drift of the machine is spread over all tools alike.
"""

from __future__ import annotations

import os
import random
import re
import shlex
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .scratch import MANY_TARGET, N_FEW, N_MANY, N_MID, ONE_ENV, Scratch
from .shells import FishBatch, PipeShell, ProcRunner, ShellError
from .util import log


@dataclass
class Case:
    id: str
    section: str
    shell: str                      # bash | zsh | fish
    tool: str                       # envwrap | vew | plain | glob | venv | ... | floor
    label: str
    runner: tuple                   # (kind, loader, home-kind) -> one long-lived runner each
    steps: list
    names: list                     # row name per step, None = untimed
    verify: object = None           # script (str) for shells, list of argv for processes
    requires: tuple = ()
    min_iter: int | None = None
    budget: float | None = None     # seconds of timed work for this case (whole run)
    note: str = ""
    cleanup: str = ""               # run untimed at the end of every round (e.g. removals)
    status: str = "pending"         # ok | missing: ... | failed: ...
    iters: int = 0
    failed_iters: int = 0           # timed iterations dropped because a step exited non-zero
    first_failure: str = ""
    samples: dict = field(default_factory=dict)   # name -> [µs]


@dataclass
class Settings:
    rounds: int = 5
    budget: float = 2.0       # seconds of timed work per case (the full run: ~12 min)
    min_iter: int = 10
    max_iter: int = 2000
    warmup: int = 3
    quick: bool = False


def _q(path) -> str:
    return shlex.quote(str(path))


class Engine:
    def __init__(self, scratch: Scratch, settings: Settings):
        self.s = scratch
        self.cfg = settings
        self.runners: dict[tuple, object] = {}
        self.runner_errors: dict[tuple, str] = {}
        self.cases: list[Case] = []

    # ------------------------------------------------------------- runners
    def runner(self, key: tuple):
        if key in self.runner_errors:
            raise ShellError(self.runner_errors[key])
        if key in self.runners:
            return self.runners[key]
        kind, loader, home = key
        sc = self.s
        wh = sc.home_dir("vew" if loader.startswith("vew") else "ew", home)
        env = sc.shell_env(wh, BENCH_PY=sc.python, UV_PYTHON_DOWNLOADS="never",
                           BENCH_EWPY=str(sc.ewvenv / "bin" / "python"))
        if loader.endswith("-off"):   # no index: -i installs from the wheelhouse
            env.update(sc.offline_env())
        if loader.startswith("ewnouv"):   # an envwrap that finds no uv anywhere
            env["PATH"] = sc.nouv_path()
        if loader == "ew-cold":   # a cache dir of its own, emptied before every iteration
            env["ENVWRAP_CACHE_DIR"] = str(sc.cache / f"envwrap-cold-{home}")
        logfile = sc.logs / f"{kind}-{loader}-{home}.log"
        log(f"  starting {kind} with {loader} (WORKON_HOME={wh.name})")
        try:
            if kind == "proc":
                r = ProcRunner(env, str(sc.tmp), logfile)
            elif kind == "fish":
                r = FishBatch(env, str(sc.tmp), sc.tmp / "fish", logfile,
                              self._prelude(kind, loader))
            else:
                r = PipeShell(kind, env, str(sc.tmp), logfile, self._prelude(kind, loader))
        except (ShellError, OSError) as exc:
            self.runner_errors[key] = str(exc)
            raise ShellError(str(exc)) from exc
        self.runners[key] = r
        return r

    def _prelude(self, kind: str, loader: str) -> str:
        sc = self.s
        lines = []
        if kind == "zsh":
            # Debian's /etc/zsh/zshrc runs compinit for every interactive zsh; do the same.
            lines.append(f"autoload -Uz compinit && compinit -u -d {_q(sc.cache / 'zcompdump')}")
        if loader in ("ew", "ew-cold", "ew-off"):
            lines.append(f"source {_q(sc.init_file(kind))}")
        elif loader.startswith("ewnouv"):   # the envwrap on this runner's PATH
            lines.append(f'eval "$(envwrap init {kind})"')
        elif loader.startswith("auto-"):
            lines.append(auto_loader(sc, kind, loader[5:]))
        elif loader in ("vew", "vew-off"):
            lines.append(sc.vew_loader())
        if kind == "bash":
            lines.append(BASH_HELPERS)
        elif kind == "zsh":
            lines.append(ZSH_HELPERS)
        elif kind == "fish":
            lines.append(FISH_HELPERS)
        return "\n".join(lines)

    def close(self) -> None:
        for r in self.runners.values():
            try:
                r.close()
            except Exception:  # noqa: BLE001 - closing must never fail the run
                pass
        self.runners.clear()

    # --------------------------------------------------------------- engine
    def run_section(self, name: str, cases: list[Case]) -> None:
        self.cases.extend(cases)
        log(f"section {name}: {len(cases)} cases")
        live = []
        for c in cases:
            miss = [t for t in c.requires if not self.s.has(t)]
            if miss:
                c.status = "missing: " + "; ".join(self.s.missing[t] for t in miss)
                continue
            try:
                r = self.runner(c.runner)
                if c.verify is not None:
                    ok, out = r.verify(c.verify)
                    if not ok:
                        c.status = "failed: " + _tail(out)
                        log(f"  {c.id}: verification failed: {_tail(out)}")
                        continue
                # Warm-up, one iteration at a time: slow cases (seconds each) stop early.
                spent, per_iter = 0.0, 1e-6
                for _ in range(max(1, self.cfg.warmup)):
                    t0 = time.monotonic()
                    r.loop(c.steps, 1)
                    per_iter = max(time.monotonic() - t0, 1e-6)
                    spent += per_iter
                    if spent > max(1.0, (c.budget or self.cfg.budget) / 2):
                        break
            except ShellError as exc:
                c.status = f"failed: {exc}"
                log(f"  {c.id}: {exc}")
                continue
            budget = c.budget if c.budget is not None else self.cfg.budget
            lo = c.min_iter if c.min_iter is not None else self.cfg.min_iter
            total = int(min(self.cfg.max_iter, max(lo, budget / per_iter)))
            c.iters = max(1, -(-total // self.cfg.rounds))  # per round, rounded up
            c.samples = {n: [] for n in c.names if n}
            c.status = "ok"
            live.append(c)
        for rnd in range(self.cfg.rounds):
            order = live[:]
            random.shuffle(order)
            for c in order:
                if c.status != "ok":
                    continue
                try:
                    rows = self.runner(c.runner).loop(c.steps, c.iters,
                                                      timeout=max(300, 50 * c.iters))
                except ShellError as exc:
                    c.status = f"failed: {exc}"
                    log(f"  {c.id}: {exc}")
                    continue
                status = getattr(rows, "status", None) or [[0] * len(c.steps)] * len(rows)
                for row, st in zip(rows, status):
                    bad = [(s, code) for s, code in zip(c.steps, st) if code != 0]
                    if bad:   # a failed command's time means nothing: drop the iteration
                        c.failed_iters += 1
                        if not c.first_failure:
                            c.first_failure = f"`{bad[0][0]}` exited {bad[0][1]}"
                        continue
                    for n, v in zip(c.names, row):
                        if n:
                            c.samples[n].append(v)
            self._cleanup(live)
            log(f"  {name}: round {rnd + 1}/{self.cfg.rounds} done")
        for c in live:
            if c.failed_iters:
                total = c.failed_iters + len(next(iter(c.samples.values()), []))
                msg = (f"{c.failed_iters} of {total} timed iterations failed and were dropped "
                       f"(first: {c.first_failure})")
                log(f"  {c.id}: {msg}")
                if c.failed_iters * 10 > total:
                    c.status = f"failed: {msg}"
                else:
                    c.note = (c.note + " " if c.note else "") + f"({msg})"
            if c.status == "ok" and c.verify is not None and c.runner[0] != "proc":
                try:   # still behaving after hundreds of iterations?
                    ok, out = self.runner(c.runner).verify(c.verify)
                except ShellError as exc:
                    ok, out = False, str(exc)
                if not ok:
                    c.note = (c.note + " " if c.note else "") + \
                        f"(verification failed after timing: {_tail(out)})"


    def _cleanup(self, cases: list[Case]) -> None:
        """Removals (untimed) once every case of the round ran, then a pause: on ext4,
        files created right after many were deleted are several times slower to make
        (the inode allocator skips the freed inodes for a while), so deletions stay
        out of the timed windows and away from them."""
        done = False
        for c in cases:
            if not c.cleanup or c.runner[0] == "proc":
                continue
            try:
                self.runner(c.runner).run(c.cleanup, timeout=600)
                done = True
            except ShellError as exc:
                log(f"  {c.id}: cleanup failed: {exc}")
        if done:
            os.sync()
            time.sleep(2.0)


def _tail(text: str, n: int = 3) -> str:
    lines = [ln for ln in str(text).strip().splitlines() if ln.strip()]
    return " / ".join(lines[-n:])[-400:] or "(no output)"


# Helpers defined once in every long-lived shell.  The anchors are written the way a
# careful shell user would write them: one glob, no subprocess.
BASH_HELPERS = r"""
__bench_glob_tab() {
    local f cur="${COMP_WORDS[COMP_CWORD]}"
    COMPREPLY=()
    for f in "$WORKON_HOME"/*/pyvenv.cfg; do
        f="${f%/pyvenv.cfg}"; f="${f##*/}"
        [[ $f == "$cur"* ]] && COMPREPLY+=("$f")
    done
    return 0
}
__bench_glob_ls() {
    local f; local -a a=()
    for f in "$WORKON_HOME"/*/pyvenv.cfg; do
        f="${f%/pyvenv.cfg}"; a+=("${f##*/}")
    done
    printf '%s\n' "${a[@]}"
}
# The same without a loop: array-wide expansions (a lower bound, for information).
__bench_glob2_tab() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local -a a=("$WORKON_HOME"/"$cur"*/pyvenv.cfg)
    [[ -e ${a[0]} ]] || a=()
    a=("${a[@]%/pyvenv.cfg}"); COMPREPLY=("${a[@]##*/}")
}
__bench_glob2_ls() {
    local -a a=("$WORKON_HOME"/*/pyvenv.cfg)
    a=("${a[@]%/pyvenv.cfg}"); printf '%s\n' "${a[@]##*/}"
}
__bench_cf=
__bench_find_cf() {
    local spec; spec="$(complete -p workon 2>/dev/null)" || return 1
    spec="${spec#* -F }"; __bench_cf="${spec%% *}"
}
# __bench_tab FUNCTION WORD: call a completion function as TAB after `workon WORD` would.
__bench_tab() {
    COMP_WORDS=(workon "$2"); COMP_CWORD=1; COMP_LINE="workon $2"; COMP_POINT=${#COMP_LINE}
    COMP_TYPE=9; COMP_KEY=9; COMPREPLY=()
    "$1" workon "$2" workon
}
"""

ZSH_HELPERS = r"""
__bench_glob_tab() {
    local f
    __bench_reply=()
    for f in "$WORKON_HOME"/*/pyvenv.cfg(N); do
        f="${f%/pyvenv.cfg}"; f="${f##*/}"
        [[ $f == ${PREFIX}* ]] && __bench_reply+=("$f")
    done
    return 0
}
__bench_glob_ls() {
    local f; local -a a
    for f in "$WORKON_HOME"/*/pyvenv.cfg(N); do
        f="${f%/pyvenv.cfg}"; a+=("${f##*/}")
    done
    print -rl -- "${a[@]}"
}
# The same without a loop: one glob with qualifiers (a lower bound, for information).
__bench_glob2_tab() { __bench_reply=( "$WORKON_HOME"/${PREFIX}*/pyvenv.cfg(N:h:t) ) }
__bench_glob2_ls() { print -rl -- "$WORKON_HOME"/*/pyvenv.cfg(N:h:t) }
# Outside a completion widget compadd does nothing; this stand-in keeps the candidates
# (for `compadd -a ARRAY` and `compadd [opts] -- WORDS`) so that they can be counted.
compadd() {
    if [[ $1 == -a ]]; then __bench_reply+=( "${(@P)2}" ); return 0; fi
    while (( $# )) && [[ $1 != -- ]]; do shift; done
    (( $# )) && shift
    __bench_reply+=( "$@" )
}
__bench_cf=
__bench_find_cf() {
    __bench_cf="${_comps[workon]-}"
    if [[ -z $__bench_cf ]]; then
        local -a spec; spec=( ${(z)"$(compctl -L workon 2>/dev/null)"} )
        local i; for (( i = 1; i < ${#spec}; i++ )); do
            [[ ${spec[i]} == -K ]] && __bench_cf=${spec[i+1]}
        done
    fi
    [[ -n $__bench_cf ]]
}
# __bench_tab FUNCTION WORD: call a completion function as TAB after `workon WORD` would.
__bench_tab() {
    words=(workon "$2"); CURRENT=2; PREFIX="$2"; SUFFIX=''; service=workon
    reply=(); __bench_reply=()
    "$1" workon "$2"
    __bench_reply+=( "${reply[@]}" )
}
"""

FISH_HELPERS = r"""
function __bench_glob_tab
    path basename (path dirname $WORKON_HOME/*/pyvenv.cfg)
end
complete -c __bench_anchor -f -a '(__bench_glob_tab)'
# The function the tool registered with `complete -c workon -a '(FUNC)'` (empty if none).
set -g __bench_cf (complete -c workon | string replace -rf -- ".* -a '?\((\S+)\)'?.*" '$1')[1]
"""


# ---------------------------------------------------------------- the sections
# Each builder returns the cases of one section; shells are bash, zsh and fish.

def startup_cases(sc: Scratch, shells: list[str], quick: bool = False) -> list[Case]:
    """Shell start-up with nothing / envwrap (file, eval) / virtualenvwrapper (full, lazy)."""
    rcdir = sc.root / "rc"
    rcdir.mkdir(exist_ok=True)
    vew = sc.vew_loader()
    lazy = sc.vew_loader(lazy=True)
    activate = '. "$WORKON_HOME/bench-env/bin/activate"'
    lo = 6 if quick else 20
    cases = []
    for sh in shells:
        written = _written(sc, rcdir, sh)
        if sh == "fish":
            variants = [
                ("bare", "plain", "", ()),
                ("envwrap-file", "envwrap", f"source {_q(sc.init_file('fish'))}",
                 ("envwrap", "envwrap-init-fish")),
                ("envwrap-written", "envwrap", written, ("envwrap", "envwrap-written-fish")),
                ("envwrap-eval", "envwrap", "envwrap init fish | source",
                 ("envwrap", "envwrap-init-fish")),
            ]
        else:
            variants = [
                ("bare", "plain", "", ()),
                ("envwrap-file", "envwrap", f"source {_q(sc.init_file(sh))}",
                 ("envwrap", f"envwrap-init-{sh}")),
                ("envwrap-eval", "envwrap", f'eval "$(envwrap init {sh})"', ("envwrap",)),
                ("envwrap-written", "envwrap", written, ("envwrap", f"envwrap-written-{sh}")),
                ("vew", "vew", vew, ("vew",)),
                ("vew-lazy", "vew", lazy, ("vew",)),
            ]
        for vid, tool, rc, req in variants:
            argv_env = _startup_argv(sc, rcdir, sh, vid, rc)
            home = "vew" if tool == "vew" else "ew"
            wh = {"WORKON_HOME": str(sc.home_dir(home, "1"))}

            def step(cmd, argv_env=argv_env, wh=wh):
                argv, extra = argv_env
                return (argv + [cmd], dict(extra, **wh))

            cases.append(Case(
                id=f"startup/{sh}/{vid}", section="startup", shell=sh, tool=tool,
                label=vid, runner=("proc", f"startup-{sh}-{vid}", "1"),
                steps=[step("exit")], names=["start-up"],
                verify=[step("type workon >/dev/null 2>&1" if tool != "plain" else "exit")],
                requires=tuple(r for r in (*req, sh) if r != "bash"), min_iter=lo))
            if sh == "fish":
                continue
            first = activate if tool == "plain" else "workon bench-env"
            check = f'{first} && [ "$VIRTUAL_ENV" = "$WORKON_HOME/bench-env" ]'
            cases.append(Case(
                id=f"startup/{sh}/{vid}+first", section="startup", shell=sh, tool=tool,
                label=vid, runner=("proc", f"startup-{sh}-{vid}", "1"),
                steps=[step(first)], names=["start-up + first workon"],
                verify=[step(check)], requires=tuple(r for r in (*req, sh) if r != "bash"),
                min_iter=lo, note="(bare: `. bench-env/bin/activate`)" if tool == "plain" else ""))
    return cases + init_cases(sc, shells, quick)


def _written(sc: Scratch, rcdir: Path, sh: str) -> str:
    """`envwrap init SHELL --write`, made for the start-up rows: fish's files go to the
    config directory of the row (conf.d, functions, completions; nothing in
    config.fish), the others' to a data directory of the bench, and the rc line it
    prints is the row's rc file. Marked missing when it fails."""
    key = f"envwrap-written-{sh}"
    if not sc.has("envwrap"):
        sc.missing[key] = sc.missing["envwrap"]
        return ""
    extra = {"XDG_CONFIG_HOME": str(rcdir / "fish-envwrap-written")} if sh == "fish" else {
        "XDG_DATA_HOME": str(sc.root / "written-data")}
    env = sc.shell_env(sc.home_dir("ew", "1"), **extra)
    proc = subprocess.run([str(sc.bin / "envwrap"), "init", sh, "--write"], env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        sc.missing[key] = f"`envwrap init {sh} --write` exited {proc.returncode}: {proc.stderr.strip()[-300:]}"
        return ""
    return proc.stdout.strip()


def init_cases(sc: Scratch, shells: list[str], quick: bool = False) -> list[Case]:
    """`envwrap init SHELL` and one Python start of envwrap's interpreter, as whole
    processes spawned one after the other in every iteration (as `run` is timed)."""
    py = str(sc.ewvenv / "bin" / "python")
    cases = []
    for sh in shells:
        cases.append(Case(
            id=f"startup/proc/init-{sh}", section="startup", shell=sh, tool="envwrap",
            label=f"envwrap init {sh}", runner=("proc", "init", "1"),
            steps=[[py, "-c", "pass"], ["envwrap", "init", sh]],
            names=["python start", "envwrap init"],
            verify=[[py, "-c", "pass"], ["envwrap", "init", sh]],
            requires=("envwrap",), min_iter=10 if quick else 30))
    return cases


def _startup_argv(sc: Scratch, rcdir: Path, sh: str, vid: str, rc: str):
    if sh == "bash":
        f = rcdir / f"bash-{vid}.rc"
        f.write_text(rc + "\n")
        return ["bash", "--rcfile", str(f), "-i", "-c"], {}
    if sh == "zsh":
        d = rcdir / f"zsh-{vid}"
        d.mkdir(exist_ok=True)
        (d / ".zshrc").write_text(rc + "\n")
        return ["zsh", "-i", "-c"], {"ZDOTDIR": str(d)}
    d = rcdir / f"fish-{vid}"
    (d / "fish").mkdir(parents=True, exist_ok=True)
    (d / "fish" / "config.fish").write_text(rc + "\n")
    return ["fish", "-i", "-c"], {"XDG_CONFIG_HOME": str(d)}


def _req(sh: str, *tools: str) -> tuple:
    out = [t for t in tools]
    if sh != "bash":
        out.append(sh)
    if "envwrap" in tools:
        out.append(f"envwrap-init-{sh}")
    return tuple(out)


def floor_case(section: str, sh: str) -> Case:
    cmd = "true" if sh == "fish" else ":"
    return Case(id=f"{section}/{sh}/floor", section=section, shell=sh, tool="floor",
                label="timer floor", runner=(sh, "none", "1"), steps=[cmd], names=["floor"],
                requires=_req(sh))


def workon_cases(sc: Scratch, shells: list[str], quick: bool = False) -> list[Case]:
    cases = []
    for sh in shells:
        cases.append(floor_case("workon", sh))
        if sh == "fish":
            act = 'source "$WORKON_HOME/bench-env/bin/activate.fish"'
            venv_ok = 'test "$VIRTUAL_ENV" = "$WORKON_HOME/bench-env"'
            gone = "not set -q VIRTUAL_ENV"
            hooks_ok = ('and test "$BENCH_HOOK_POST" = post:bench-env',
                        'and test "$BENCH_HOOK_PRE" = pre:bench-env')
            reset = "set -e BENCH_HOOK_POST BENCH_HOOK_PRE"
        else:
            act = '. "$WORKON_HOME/bench-env/bin/activate"'
            venv_ok = '[ "$VIRTUAL_ENV" = "$WORKON_HOME/bench-env" ]'
            gone = '[ -z "${VIRTUAL_ENV-}" ]'
            hooks_ok = ('&& [ "$BENCH_HOOK_POST" = post:bench-env ]',
                        '&& [ "$BENCH_HOOK_PRE" = pre:bench-env ]')
            reset = "unset BENCH_HOOK_POST BENCH_HOOK_PRE"

        def chk(first, hooks, sh=sh, venv_ok=venv_ok, gone=gone, reset=reset):
            if sh == "fish":
                return (f"{reset}\n{first}\nand {venv_ok}\n{hooks[0] if hooks else ''}\n"
                        f"and deactivate\nand {gone}\n{hooks[1] if hooks else ''}")
            return (f"{reset}; {first} && {venv_ok} {hooks[0] if hooks else ''} && deactivate "
                    f"&& {gone} {hooks[1] if hooks else ''}")

        cases.append(Case(
            id=f"workon/{sh}/plain", section="workon", shell=sh, tool="plain",
            label="source bin/activate", runner=(sh, "none", "1"), steps=[act, "deactivate"],
            names=["workon", "deactivate"], verify=chk(act, None), requires=_req(sh)))
        specs = [("ew", "envwrap", "1", None, "no hooks"),
                 ("ew", "envwrap", "1h", hooks_ok, "hooks")]
        if sh != "fish":
            specs += [("vew", "vew", "1", None, "no hooks"),
                      ("vew", "vew", "1h", hooks_ok, "hooks")]
        for loader, tool, home, hooks, what in specs:
            cmd = f"workon {ONE_ENV}"
            cases.append(Case(
                id=f"workon/{sh}/{tool}/{home}", section="workon", shell=sh, tool=tool,
                label=what, runner=(sh, loader, home), steps=[cmd, "deactivate"],
                names=["workon", "deactivate"], verify=chk(cmd, hooks),
                requires=_req(sh, tool), note=""))
        # workon in a home of 1,000 envs: must not scale with the number of envs.
        cmd = f"workon {MANY_TARGET}"
        target_ok = ('test "$VIRTUAL_ENV" = "$WORKON_HOME/' + MANY_TARGET + '"' if sh == "fish"
                     else '[ "$VIRTUAL_ENV" = "$WORKON_HOME/' + MANY_TARGET + '" ]')
        verify = (f"{cmd}\nand {target_ok}\nand deactivate" if sh == "fish"
                  else f"{cmd} && {target_ok} && deactivate")
        cases.append(Case(
            id=f"workon/{sh}/envwrap/1000", section="workon", shell=sh, tool="envwrap",
            label=f"no hooks, {N_MANY} envs", runner=(sh, "ew", "1000"),
            steps=[cmd, "deactivate"], names=["workon", "deactivate"], verify=verify,
            requires=_req(sh, "envwrap")))
    return cases


def names_cases(sc: Scratch, shells: list[str], quick: bool = False) -> list[Case]:
    """TAB completion of env names and lsvirtualenv -b, in a home of 1,000 envs."""
    cases = []
    for sh in shells:
        cases.append(floor_case("names", sh))
        if sh == "fish":
            def n_is(cmd):
                return f"test (count ({cmd})) -eq {N_MANY}"
            cases += [
                # TAB = the completion function itself, as in bash and zsh; the whole
                # key press (`complete -C`, fish's own sorting included) for information.
                Case(id="names/fish/glob/tab", section="names", shell=sh, tool="glob",
                     label="bare glob", runner=(sh, "none", "1000"),
                     steps=["__bench_glob_tab"], names=["TAB"],
                     verify=n_is("__bench_glob_tab"), requires=_req(sh)),
                Case(id="names/fish/envwrap/tab", section="names", shell=sh, tool="envwrap",
                     label="envwrap", runner=(sh, "ew", "1000"), steps=["$__bench_cf"],
                     names=["TAB"], verify="test -n \"$__bench_cf\"; and " + n_is("$__bench_cf"),
                     requires=_req(sh, "envwrap")),
                Case(id="names/fish/glob/key", section="names", shell=sh, tool="glob",
                     label="bare glob", runner=(sh, "none", "1000"),
                     steps=["complete -C '__bench_anchor '"], names=["key press"],
                     verify=n_is("complete -C '__bench_anchor '"), requires=_req(sh)),
                Case(id="names/fish/glob/ls", section="names", shell=sh, tool="glob",
                     label="bare glob", runner=(sh, "none", "1000"), steps=["__bench_glob_tab"],
                     names=["lsvirtualenv -b"], verify=n_is("__bench_glob_tab"),
                     requires=_req(sh)),
                Case(id="names/fish/envwrap/key", section="names", shell=sh, tool="envwrap",
                     label="envwrap", runner=(sh, "ew", "1000"),
                     steps=["complete -C 'workon '"], names=["key press"],
                     verify=n_is("complete -C 'workon '"), requires=_req(sh, "envwrap")),
                Case(id="names/fish/envwrap/ls", section="names", shell=sh, tool="envwrap",
                     label="envwrap", runner=(sh, "ew", "1000"), steps=["lsvirtualenv -b"],
                     names=["lsvirtualenv -b"], verify=n_is("lsvirtualenv -b"),
                     requires=_req(sh, "envwrap")),
            ]
            continue
        def count_tab(fn, sh=sh):
            return f'__bench_tab {fn} "" && ' + (
                f'[ "${{#COMPREPLY[@]}}" -eq {N_MANY} ]' if sh == "bash"
                else f'[ "${{#__bench_reply[@]}}" -eq {N_MANY} ]')

        count_ls = f'[ "$(lsvirtualenv -b | wc -l)" -eq {N_MANY} ]'
        # Anchors: every TAB row names its function, as they share one shell.
        for tool, label, tab_fn, ls_fn in (
                ("glob", "bare glob", "__bench_glob_tab", "__bench_glob_ls"),
                ("glob2", "bare glob, no loop", "__bench_glob2_tab", "__bench_glob2_ls")):
            cases.append(Case(
                id=f"names/{sh}/{tool}/tab", section="names", shell=sh, tool=tool, label=label,
                runner=(sh, "none", "1000"), steps=[f'__bench_tab {tab_fn} ""'], names=["TAB"],
                verify=count_tab(tab_fn), requires=_req(sh)))
            cases.append(Case(
                id=f"names/{sh}/{tool}/ls", section="names", shell=sh, tool=tool, label=label,
                runner=(sh, "none", "1000"), steps=[ls_fn], names=["lsvirtualenv -b"],
                verify=f'[ "$({ls_fn} | wc -l)" -eq {N_MANY} ]', requires=_req(sh)))
        for loader, tool in (("ew", "envwrap"), ("vew", "vew")):
            cases.append(Case(
                id=f"names/{sh}/{tool}/tab", section="names", shell=sh, tool=tool, label=tool,
                runner=(sh, loader, "1000"), steps=['__bench_tab "$__bench_cf" ""'],
                names=["TAB"], verify="__bench_find_cf && " + count_tab('"$__bench_cf"'),
                requires=_req(sh, tool)))
            cases.append(Case(
                id=f"names/{sh}/{tool}/ls", section="names", shell=sh, tool=tool, label=tool,
                runner=(sh, loader, "1000"), steps=["lsvirtualenv -b"], names=["lsvirtualenv -b"],
                verify=count_ls, requires=_req(sh, tool)))
    return cases


def lslong_cases(sc: Scratch, shells: list[str], quick: bool) -> list[Case]:
    cases = []
    for sh in shells:
        if sh == "fish":
            continue
        for tool, loader, home, n in (("envwrap", "ew", "1000", N_MANY),
                                      ("envwrap", "ew", "20", N_FEW),
                                      ("vew", "vew", "20", N_FEW)):
            verify = (f'[ "$(lsvirtualenv -l 2>/dev/null | grep -c proj-)" -ge {n} ]')
            cases.append(Case(
                id=f"lslong/{sh}/{tool}/{home}", section="lslong", shell=sh, tool=tool,
                label=f"{tool}, {n} envs", runner=(sh, loader, home),
                steps=["lsvirtualenv -l"], names=["lsvirtualenv -l"], verify=verify,
                requires=_req(sh, tool), min_iter=3 if quick else 5,
                budget=None if tool == "envwrap" else (3.0 if quick else 6.0)))
        # Sizes (and last used) per env: warm = the size cache from the previous
        # iteration is reused; cold = the size cache is deleted (untimed) before every
        # iteration, so every env is walked.  The cold runner has an ENVWRAP_CACHE_DIR
        # of its own, and both checks fail unless the listing wrote its size cache
        # there: if the cache moved, "cold" would silently be warm.
        cache_file = '"$ENVWRAP_CACHE_DIR"/sizes/*.json'
        for home, n in (("100", N_MID), ("100p", N_MID), ("1000", N_MANY)):
            for cold in (False, True):
                listed = (f'[ "$(lsvirtualenv -l 2>/dev/null | grep -c proj-)" -ge {n} ] && '
                          f'set -- {cache_file} && [ -s "$1" ]')
                wipe = 'rm -rf "$ENVWRAP_CACHE_DIR/sizes"'
                if cold:
                    cid, loader, steps, names = "cold", "ew-cold", [wipe, "lsvirtualenv -l"], \
                        [None, "lsvirtualenv -l"]
                    verify = f"{wipe} && {listed}"
                else:
                    cid, loader, steps, names = "warm", "ew", ["lsvirtualenv -l"], \
                        ["lsvirtualenv -l"]
                    verify = listed
                what = "with pip" if home.endswith("p") else "without pip"
                cases.append(Case(
                    id=f"lslong/{sh}/envwrap/{home}/{cid}", section="lslong", shell=sh,
                    tool="envwrap", label=f"envwrap, {n} envs {what}, {cid} size cache",
                    runner=(sh, loader, home), steps=steps, names=names, verify=verify,
                    requires=_req(sh, "envwrap"), min_iter=3 if quick else 5))
    return cases


def run_cases(sc: Scratch, shells: list[str], quick: bool) -> list[Case]:
    """`envwrap run NAME -- CMD` against running the env's CMD directly, as processes.

    Each case has two steps, the direct command and the same command through
    `envwrap run`, spawned one after the other in every iteration (hyperfine-like
    alternation at the finest grain), so both see the same machine.  Nothing
    depends on the interactive shell: these are whole processes from Python.
    """
    env = f"$WORKON_HOME/{ONE_ENV}"
    py = str(sc.home_dir("ew", "1") / ONE_ENV / "bin" / "python")
    check_py = ("import os, sys; h = os.environ['WORKON_HOME'] + '/" + ONE_ENV + "'; "
                "sys.exit(0 if sys.prefix == os.environ.get('VIRTUAL_ENV') == h "
                "and 'PYTHONHOME' not in os.environ else 1)")
    check_sh = (f'[ "$VIRTUAL_ENV" = "{env}" ] && case $PATH in "$VIRTUAL_ENV/bin:"*) ;; '
                '*) exit 1 ;; esac')
    wrap = ["envwrap", "run", ONE_ENV, "--"]
    specs = [
        # (id, label, direct argv, argv given to envwrap run, verify argv)
        ("python", "python -c pass", [py, "-c", "pass"], ["python", "-c", "pass"],
         wrap + ["python", "-c", check_py]),
        ("true", "true", ["true"], ["true"], wrap + ["sh", "-c", check_sh]),
    ]
    lo = 10 if quick else 30
    cases = []
    for cid, label, direct, cmd, verify in specs:
        cases.append(Case(
            id=f"run/proc/{cid}", section="run", shell="proc", tool="envwrap", label=label,
            runner=("proc", "run", "1"), steps=[direct, wrap + cmd],
            names=["direct", "envwrap run"], verify=[direct, verify],
            requires=("envwrap",), min_iter=lo))
    return cases


def mk_cases(sc: Scratch, shells: list[str], quick: bool) -> list[Case]:
    """mkvirtualenv (with pip unless said otherwise) and its anchors, in an empty home.

    Every iteration creates an env under a new name (``TOKEN-N``, N counted in the
    shell); nothing is deleted in the timed loop: the engine removes the envs after
    each round, untimed, and pauses (see ``Engine._cleanup``).  Creation does not
    depend on the shell much: bash runs every row, zsh only envwrap's and uv's.
    """
    cases = []
    wh = '"$WORKON_HOME"'
    pip_ok = '[ -x "$VIRTUAL_ENV/bin/pip" ]'
    nopip_ok = '[ ! -e "$VIRTUAL_ENV/bin/pip" ] && [ -x "$VIRTUAL_ENV/bin/python" ]'
    req_ok = '"$VIRTUAL_ENV/bin/python" -c "import requests"'
    req_file = sc.tmp / "bench-requirements.txt"   # for the -r rows: what -i requests installs
    req_file.parent.mkdir(parents=True, exist_ok=True)
    req_file.write_text("requests\n")
    for sh in shells:
        if sh == "fish":
            continue
        lo = 1 if quick else (3 if sh == "bash" else 2)
        budget = 1.0 if quick else (3.0 if sh == "bash" else 2.0)
        # (id, tool, loader, label, create options, check, requires, bash only)
        specs = [
            ("envwrap", "envwrap", "ew", "envwrap `mkvirtualenv` (default creator)", "",
             pip_ok, ("envwrap",), False),
            ("envwrap-venv", "envwrap", "ew", "envwrap `mkvirtualenv --creator venv`",
             "--creator venv", pip_ok, ("envwrap",), False),
            ("envwrap-uv", "envwrap", "ew", "envwrap `mkvirtualenv --creator uv`",
             "--creator uv", pip_ok, ("envwrap", "uv"), False),
            # seed_mode copy: pip's own files in every env (the default before seed_mode auto).
            ("envwrap-copy", "envwrap", "ew", "envwrap `mkvirtualenv`, seed_mode copy",
             "ENVWRAP_SEED_MODE=copy", pip_ok, ("envwrap",), False),
            # seed_mode zip: pip from one shared read-only zip (README, "Which pip").
            ("envwrap-venv-zip", "envwrap", "ew", "envwrap `mkvirtualenv --creator venv`, seed_mode zip",
             "ENVWRAP_SEED_MODE=zip --creator venv", pip_ok, ("envwrap",), False),
            ("envwrap-uv-zip", "envwrap", "ew", "envwrap `mkvirtualenv --creator uv`, seed_mode zip",
             "ENVWRAP_SEED_MODE=zip --creator uv", pip_ok, ("envwrap", "uv"), False),
            ("envwrap-nopip", "envwrap", "ew", "envwrap `mkvirtualenv --without-pip`",
             "--without-pip", nopip_ok, ("envwrap",), False),
            ("envwrap-i", "envwrap", "ew-off",
             "envwrap `mkvirtualenv -i requests` (offline, uv present)", "-i requests",
             f"{pip_ok} && {req_ok}", ("envwrap", "wheelhouse"), True),
            ("envwrap-r", "envwrap", "ew-off",
             "envwrap `mkvirtualenv -r requirements.txt` (requests; offline, uv present)",
             f"-r {_q(req_file)}", f"{pip_ok} && {req_ok}", ("envwrap", "wheelhouse"), True),
            ("envwrap-i-nouv", "envwrap", "ewnouv-off",
             "envwrap `mkvirtualenv -i requests` (offline, no uv anywhere)", "-i requests",
             f"{pip_ok} && {req_ok}", ("envwrap-nouv", "wheelhouse"), True),
            ("vew", "vew", "vew", "virtualenvwrapper `mkvirtualenv` (virtualenv)", "",
             pip_ok, ("vew", "virtualenv"), True),
            ("vew-i", "vew", "vew-off", "virtualenvwrapper `mkvirtualenv -i requests` (offline)",
             "-i requests", f"{pip_ok} && {req_ok}", ("vew", "virtualenv", "wheelhouse"), True),
        ]
        for k, (cid, tool, loader, label, opts, check, req, bash_only) in enumerate(specs):
            if bash_only and sh != "bash":
                continue
            tok = f"{sh}-bm{k}"   # homes are shared by the shells: names must differ
            # A leading VAR=value word in opts is set for that one command.
            assign = ""
            if opts.startswith("ENVWRAP_"):
                first, _, opts = opts.partition(" ")
                assign = first + " "
            create = f"__bench_n=$((__bench_n + 1)); {assign}mkvirtualenv {opts} {tok}-$__bench_n".replace(
                "  ", " ")
            verify = (f"{assign}mkvirtualenv {opts} {tok}-check && {check} && deactivate && "
                      f"rmvirtualenv {tok}-check && [ ! -e {wh}/{tok}-check ]")
            cases.append(Case(
                id=f"mk/{sh}/{cid}", section="mk", shell=sh, tool=tool, label=label,
                runner=(sh, loader, "mk"), steps=[create, "deactivate"],
                names=["mkvirtualenv", None], verify=verify, requires=_req(sh, *req),
                min_iter=lo, budget=budget, cleanup=f"rm -rf {wh}/{tok}-*"))
        # The first pip call in a new env against the second (byte-code written or not).
        if sh == "bash":
            tok = f"{sh}-bmpip"
            cases.append(Case(
                id=f"mk/{sh}/pip-first", section="mk", shell=sh, tool="envwrap",
                label="`pip --version` in a new env: first call, then second",
                runner=(sh, "ew", "mk"),
                steps=[f"__bench_n=$((__bench_n + 1)); mkvirtualenv {tok}-$__bench_n",
                       "pip --version", "pip --version", "deactivate"],
                names=[None, "first pip", "second pip", None],
                verify=(f"mkvirtualenv {tok}-check && pip --version && deactivate && "
                        f"rmvirtualenv {tok}-check"),
                requires=_req(sh, "envwrap"), min_iter=lo, budget=budget,
                cleanup=f"rm -rf {wh}/{tok}-*"))
        # Anchors: the plain tools, each into a new directory of the same home.
        d = '"$WORKON_HOME/{tok}-$__bench_n"'
        plain_specs = [
            ("uv-seed-offline", "uv", "`uv venv --seed --offline`",
             'uv venv -q --seed --offline --python "$BENCH_PY" {d}', True, ("uv",), False),
            ("uv-seed", "uv", "`uv venv --seed` (online: fetches the index; information only)",
             'uv venv -q --seed --python "$BENCH_PY" {d}', True, ("uv",), False),
            ("uv", "uv", "`uv venv` (no pip)", 'uv venv -q --python "$BENCH_PY" {d}', False,
             ("uv",), False),
            ("pystart", "python", "`python -c pass` (envwrap's interpreter; one Python start)",
             '"$BENCH_EWPY" -c pass', None, ("envwrap",), False),
            ("uv-i", "uv", "`uv venv` + `uv pip install requests` (offline)",
             'uv venv -q --python "$BENCH_PY" {d} && uv pip install -q --offline --no-index '
             '--find-links "$PIP_FIND_LINKS" --python {d}/bin/python requests', "req",
             ("uv", "wheelhouse"), True),
            ("uv-r", "uv", "`uv venv` + `uv pip install -r requirements.txt` (requests; offline)",
             'uv venv -q --python "$BENCH_PY" {d} && uv pip install -q --offline --no-index '
             '--find-links "$PIP_FIND_LINKS" --python {d}/bin/python -r ' + _q(req_file), "req",
             ("uv", "wheelhouse"), True),
            ("venv", "venv", "`python -m venv`", '"$BENCH_PY" -m venv {d}', True, (), True),
            ("venv-nopip", "venv", "`python -m venv --without-pip`",
             '"$BENCH_PY" -m venv --without-pip {d}', False, (), False),
            ("virtualenv", "virtualenv", "`virtualenv`", "virtualenv -q {d}", True,
             ("virtualenv",), True),
        ]
        for k, (cid, tool, label, create, pip, req, bash_only) in enumerate(plain_specs):
            if bash_only and sh != "bash":
                continue
            tok = f"{sh}-bp{k}"
            dd = d.format(tok=tok)
            cmd = create.format(d=dd)
            one = cmd.replace("$__bench_n", "check")
            done = dd.replace("$__bench_n", "check")
            if pip is None:
                check = ":"
            elif pip == "req":
                check = f'{done}/bin/python -c "import requests"'
            elif pip:
                check = f"[ -x {done}/bin/pip ]"
            else:
                check = f"[ ! -e {done}/bin/pip ] && [ -x {done}/bin/python ]"
            loader = "none-off" if "wheelhouse" in req else "none"
            cases.append(Case(
                id=f"mk/{sh}/{cid}", section="mk", shell=sh, tool=tool, label=label,
                runner=(sh, loader, "mk"),
                steps=[f"__bench_n=$((__bench_n + 1)); {cmd}"], names=["mkvirtualenv"],
                verify=f"rm -rf {done}; {one} && {check} && rm -rf {done}",
                requires=_req(sh, *req), min_iter=lo, budget=budget,
                cleanup=f'rm -rf "$WORKON_HOME"/{tok}-*'))
    return cases


# ------------------------------------------------------------------ auto
AUTO_TOOLS = ("bare", "envwrap", "direnv")


def auto_loader(sc: Scratch, sh: str, tool: str) -> str:
    """The rc lines of a user of ``tool``'s prompt hook (bare: an empty hook function)."""
    if tool == "envwrap":
        return f"source {_q(sc.init_file(sh, auto=True))}"
    if tool == "direnv":
        return "direnv hook fish | source" if sh == "fish" else f'eval "$(direnv hook {sh})"'
    if sh == "fish":
        return "function __bench_bare --on-event fish_prompt\nend"
    if sh == "zsh":
        return "__bench_bare() { :; }\ntypeset -ga precmd_functions chpwd_functions\n" \
               "precmd_functions=(__bench_bare); chpwd_functions=(__bench_bare)"
    return "__bench_bare() { :; }\nPROMPT_COMMAND=__bench_bare"


def auto_prompt(sh: str) -> str:
    """What the shell runs before showing a prompt (a cd itself runs zsh's chpwd and
    fish's PWD handlers)."""
    if sh == "fish":
        return "emit fish_prompt"
    if sh == "zsh":
        return "for __bf in $precmd_functions; do $__bf; done"
    return 'eval "$PROMPT_COMMAND"'


def auto_dirs(sc: Scratch) -> dict:
    base = sc.tmp / "auto"
    # Auto-activation looks for a `.venv` in every parent: a checkout with its own
    # .venv (what `make` creates) would make the "plain" directories a project.
    if any((d / ".venv").exists() for d in base.parents):
        import tempfile

        base = Path(tempfile.gettempdir()) / f"envwrap-bench-auto-{os.getuid()}"
    dirs = {"a": base / "plain-a", "b": base / "plain-b", "proj": base / "proj",
            "sub": base / "proj" / "src"}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    # The project names bench-env of the WORKON_HOME both for envwrap (.venv file) and
    # direnv (.envrc, allowed once below, activating the same env by hand).
    (base / "proj" / ".venv").write_text(ONE_ENV + "\n")
    env = sc.home_dir("ew", "1") / ONE_ENV
    (base / "proj" / ".envrc").write_text(
        f"export VIRTUAL_ENV={_q(env)}\nPATH_add {_q(env / 'bin')}\n")
    if sc.has("direnv"):
        try:
            subprocess.run(["direnv", "allow", str(base / "proj")], env=sc.shell_env(),
                           capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.SubprocessError):
            pass
    return dirs


def auto_cases(sc: Scratch, shells: list[str], quick: bool = False) -> list[Case]:
    """The prompt hook of auto-activation (envwrap) and of direnv against an empty hook."""
    d = auto_dirs(sc)
    cases = []
    for sh in shells:
        cases.append(floor_case("auto", sh))
        p = auto_prompt(sh)
        sep = "; and " if sh == "fish" else " && "
        for tool in AUTO_TOOLS:
            req = _req(sh, *([tool] if tool != "bare" else []))
            if tool == "envwrap":
                req = tuple(r for r in req if not r.startswith("envwrap-init")) + \
                    (f"envwrap-init-{sh}-auto",)
            if tool == "envwrap":
                present = "functions -q __envwrap_auto_hook" if sh == "fish" else \
                    "typeset -f __envwrap_auto_hook >/dev/null"
            elif tool == "direnv":
                present = "functions -q __direnv_export_eval" if sh == "fish" else \
                    "typeset -f _direnv_hook >/dev/null"
            else:
                present = "functions -q __bench_bare" if sh == "fish" else \
                    "typeset -f __bench_bare >/dev/null"
            go = lambda k, sep=sep, p=p: f"cd {_q(d[k])}{sep}{p}"  # noqa: E731
            cases.append(Case(
                id=f"auto/{sh}/{tool}/prompt", section="auto", shell=sh, tool=tool,
                label="prompt, same directory", runner=(sh, f"auto-{tool}", "1"),
                steps=[p], names=["prompt"], verify=f"{go('a')}{sep}{present}",
                requires=req))
            cases.append(Case(
                id=f"auto/{sh}/{tool}/cd", section="auto", shell=sh, tool=tool,
                label="cd between two directories without markers",
                runner=(sh, f"auto-{tool}", "1"), steps=[go("a"), go("b")],
                names=["cd", "cd back"], verify=f"{go('b')}{sep}{present}", requires=req))
            if tool == "bare":
                continue
            # Into the project (activates bench-env) and out again (deactivates).
            if sh == "fish":
                on = f'test "$VIRTUAL_ENV" = "$WORKON_HOME/{ONE_ENV}"'
                off = "not set -q VIRTUAL_ENV; or test -z \"$VIRTUAL_ENV\""
            else:
                on = f'[ "$VIRTUAL_ENV" = "$WORKON_HOME/{ONE_ENV}" ]'
                off = '[ -z "${VIRTUAL_ENV-}" ]'
            cases.append(Case(
                id=f"auto/{sh}/{tool}/project", section="auto", shell=sh, tool=tool,
                label="enter and leave a project", runner=(sh, f"auto-{tool}", "1"),
                steps=[go("proj"), go("a")], names=["enter", "leave"],
                verify=f"{go('proj')}{sep}{on}{sep}{go('a')}{sep}{off}", requires=req,
                min_iter=3 if quick else 10))
    return cases


def auto_proc_cases(sc: Scratch, shells: list[str], n: int = 10) -> list[Case]:
    """Processes started per prompt, counted with strace in a shell running the hook n
    times (minus the same shell running it 0 times); stored as cases of one sample."""
    d = auto_dirs(sc)
    out = []
    for sh in shells:
        p = auto_prompt(sh)
        for tool in AUTO_TOOLS:
            for what in ("prompt", "cd"):
                c = Case(id=f"auto/{sh}/{tool}/{what}-procs", section="auto", shell=sh,
                         tool=tool, label=what, runner=("proc", "none", "1"), steps=[],
                         names=["procs", "execs"])
                out.append(c)
                need = [t for t in ("strace", *([tool] if tool != "bare" else []),
                                    *([sh] if sh != "bash" else [])) if not sc.has(t)]
                if tool == "envwrap" and not sc.has(f"envwrap-init-{sh}-auto"):
                    need.append(f"envwrap-init-{sh}-auto")
                if need:
                    c.status = "missing: " + "; ".join(sc.missing[t] for t in need)
                    continue
                try:
                    counts = [_count_procs(sc, sh, tool, p, what, d, k) for k in (0, n)]
                except (OSError, subprocess.SubprocessError, ValueError) as exc:
                    c.status = f"failed: {exc}"
                    continue
                c.samples = {"procs": [(counts[1][0] - counts[0][0]) / n],
                             "execs": [(counts[1][1] - counts[0][1]) / n]}
                c.status, c.iters = "ok", n
    return out


def _count_procs(sc: Scratch, sh: str, tool: str, p: str, what: str, d: dict,
                 k: int) -> tuple[int, int]:
    lo = auto_loader(sc, sh, tool)
    a, b = _q(d["a"]), _q(d["b"])
    if sh == "fish":
        body = f"cd {a}; {p}\nfor __bi in (seq {k})\n"
        body += f"  {p}\n" if what == "prompt" else f"  cd {b}; {p}; cd {a}; {p}\n"
        body += "end\n"
        argv = ["fish", "--no-config", "-c", lo + "\n" + body]
    else:
        # A while loop of builtins: the loop itself starts nothing.
        body = f"cd {a}; {p}\n__bi=0\nwhile [ $__bi -lt {k} ]; do\n"
        body += f"  {p}\n" if what == "prompt" else f"  cd {b}; {p}; cd {a}; {p}\n"
        body += "  __bi=$((__bi + 1))\ndone\n"
        flags = ["--norc", "--noprofile", "-i"] if sh == "bash" else ["-f", "-i"]
        argv = [sh, *flags, "-c", lo + "\n" + body]
    out = sc.tmp / f"auto-strace-{sh}-{tool}-{what}-{k}.txt"
    subprocess.run(["strace", "-f", "-qq", "-o", str(out), "-e",
                    "trace=execve,fork,vfork,clone,clone3", *argv], env=sc.shell_env(
                        sc.home_dir("ew", "1")), cwd=str(sc.tmp), stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=300, check=False)
    procs = execs = 0
    for line in out.read_text(errors="replace").splitlines():
        if "resumed>" in line:
            continue
        if re.search(r"\b(v?fork|clone3?)\(", line) and "CLONE_THREAD" not in line:
            procs += 1
        elif re.search(r"\bexecve\(", line) and "= -1" not in line:
            execs += 1
    if what == "cd":   # two cds (there and back) per iteration: per cd
        return procs / 2, execs / 2
    return procs, execs


SECTIONS: dict[str, Callable] = {
    "startup": startup_cases,
    "workon": workon_cases,
    "names": names_cases,
    "lslong": lslong_cases,
    "mk": mk_cases,
    "run": run_cases,
    "auto": auto_cases,
}
