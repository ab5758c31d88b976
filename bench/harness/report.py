"""Turn the measured cases into bench/RESULTS.md."""

from __future__ import annotations

import datetime as _dt
import os
import platform

from .cases import Case, Settings
from .scratch import N_FEW, N_MANY, N_MID, Scratch
from .util import fmt_ratio, fmt_time, summarize

SHELL_ORDER = ["bash", "zsh", "fish"]
LOAD: dict = {}


def note_load(when: str) -> None:
    """Remember the 1/5/15-minute load averages: other work on the machine shows here."""
    if when == "start":
        LOAD["date"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    try:
        LOAD[when] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass


# ------------------------------------------------------------------ helpers
class Results:
    """Look-ups over the cases, with the timer floor of each (section, shell) subtracted."""

    def __init__(self, cases: list[Case]):
        self.by_id = {c.id: c for c in cases}
        self.floor: dict[tuple, float] = {}
        for c in cases:
            if c.tool == "floor" and c.status == "ok" and c.samples.get("floor"):
                self.floor[(c.section, c.shell)] = summarize(c.samples["floor"])["median"]

    def case(self, cid: str) -> Case | None:
        return self.by_id.get(cid)

    def stats(self, cid: str, name: str) -> dict | None:
        c = self.by_id.get(cid)
        if c is None or c.status != "ok" or not c.samples.get(name):
            return None
        if c.runner[0] == "proc" or c.tool == "floor":
            fl = 0.0
        else:
            fl = self.floor.get((c.section, c.shell), 0.0)
        return summarize(max(0.0, v - fl) for v in c.samples[name])

    def med(self, cid: str, name: str) -> float | None:
        st = self.stats(cid, name)
        return st["median"] if st else None

    def status(self, cid: str) -> str:
        c = self.by_id.get(cid)
        if c is None:
            return "not run"
        return c.status


def _cell(res: Results, cid: str, name: str, spread: bool = True) -> str:
    st = res.stats(cid, name)
    if st is None:
        return _why(res.status(cid))
    if not spread:
        return fmt_time(st["median"])
    return f"**{fmt_time(st['median'])}** ({fmt_time(st['min'])} – {fmt_time(st['max'])})"


def _why(status: str) -> str:
    if status.startswith("missing"):
        return "n/a (tool missing)"
    if status.startswith("failed"):
        return "FAILED (see below)"
    return "not run"


def _n(res: Results, cid: str, name: str) -> str:
    st = res.stats(cid, name)
    return str(st["n"]) if st else "—"


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def _verdict(value: float | None, limit: float, kind: str = "ratio") -> str:
    """kind: ratio (value and limit are ratios) or time (µs)."""
    if value is None:
        return "not measured"
    if value <= limit:
        return f"**met** ({value / limit:.0%} of the limit)" if limit > 0 else "**met**"
    over = value / limit if limit > 0 else float("inf")
    extra = fmt_time(value - limit) if kind == "time" else fmt_ratio(value)
    return f"**missed**: {over:.2f}× the limit ({extra})" if over < 10 else \
        f"**missed**: {over:.0f}× the limit ({extra})"


def _machine(sc: Scratch, res: Results, cfg: Settings, elapsed: float) -> list[str]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    osname = "?"
    try:
        with open("/etc/os-release", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    mem = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f"{pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    v = sc.versions
    floors = ", ".join(f"{sh} {fmt_time(val)}" for (sec, sh), val in sorted(res.floor.items())
                       if sec == "workon")
    rows = [
        ("Date", LOAD.get("date") or
         _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", cpu),
        ("Cores", f"{os.cpu_count()} (memory {mem})" if mem else str(os.cpu_count())),
        ("Kernel", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("OS", osname),
        ("Python", v.get("python", "?")),
        ("bash", v.get("bash", "?")),
        ("zsh", v.get("zsh", "?")),
        ("fish", v.get("fish", "?")),
        ("envwrap", f"{v.get('envwrap', 'not installed')} ({v.get('envwrap_rev', '?')})"
         if sc.has("envwrap") else f"unavailable: {sc.missing.get('envwrap', '?')}"),
        ("Others", f"{v.get('tools', '?')}; {v.get('uv', 'uv missing')}"),
        ("strace", v.get("strace", "?")),
        ("direnv", v.get("direnv", "?")),
        ("Timer floor (subtracted)", floors or "—"),
        ("Load average (1/5/15 min)",
         f"{LOAD.get('start', '?')} at the start, {LOAD.get('end', '?')} at the end "
         "(above ~0.3, other work shared the cores and the spread grows)"),
        ("Settings", f"{cfg.rounds} rounds, ~{cfg.budget:g} s of timing per case, "
                     f"≥{cfg.min_iter} iterations, {cfg.warmup} warm-ups"
                     f"{' (--quick)' if cfg.quick else ''}; run took {elapsed / 60:.1f} min"),
    ]
    out = ["## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {val} |" for k, val in rows]
    return out


# ----------------------------------------------------------------- sections
def _startup(res: Results, shells: list[str]) -> tuple[list[str], list[dict]]:
    out = ["## 1. Shell start-up", "",
           "Whole `SHELL -i -c exit` processes (bash: `--rcfile RC`, zsh: `ZDOTDIR` with a "
           "`.zshrc`, fish: `XDG_CONFIG_HOME` with a `config.fish`), spawned from Python; the "
           "rc file holds only the loader named (for the written files: the line `envwrap init "
           "SHELL --write` printed; fish: nothing, its conf.d loads them).  *Added* is the difference "
           "of medians to the "
           "bare shell.  zsh runs Debian's `/etc/zsh/zshrc` (compinit) in every row.  The "
           "*+ first workon* rows run `workon bench-env` instead of `exit` (bare: `. "
           "bench-env/bin/activate`), which shows what the lazy loader defers.", ""]
    targets = []
    labels = {"bare": "bare shell", "envwrap-file": "envwrap, static file (`source FILE`)",
              "envwrap-eval": "envwrap, `eval \"$(envwrap init SHELL)\"`",
              "envwrap-written": "envwrap, written files (`envwrap init SHELL --write`)",
              "vew": "virtualenvwrapper.sh", "vew-lazy": "virtualenvwrapper_lazy.sh"}
    for sh in shells:
        base = res.med(f"startup/{sh}/bare", "start-up")
        base1 = res.med(f"startup/{sh}/bare+first", "start-up + first workon")
        out += [f"### {sh}", "",
                "| Loader | start-up: median (min – max) | added | n "
                "| start-up + first workon | added |",
                "|---|---|---|---|---|---|"]
        for vid, label in labels.items():
            cid = f"startup/{sh}/{vid}"
            if res.case(cid) is None:
                continue
            m = res.med(cid, "start-up")
            m1 = res.med(cid + "+first", "start-up + first workon")
            add = fmt_time(m - base) if m is not None and base is not None and vid != "bare" else ""
            add1 = (fmt_time(m1 - base1) if m1 is not None and base1 is not None and vid != "bare"
                    else "")
            first = (_cell(res, cid + "+first", "start-up + first workon")
                     if res.case(cid + "+first") else "—")
            out.append(f"| {label} | {_cell(res, cid, 'start-up')} | {add} | "
                       f"{_n(res, cid, 'start-up')} | {first} | {add1} |")
        out.append("")
        init_id = f"startup/proc/init-{sh}"
        py = res.med(init_id, "python start")
        ini = res.med(init_id, "envwrap init")
        if res.case(init_id) is not None:
            out += [f"`envwrap init {sh}` alone, spawned alternately with one Python start of "
                    "envwrap's interpreter (`python -c pass`): "
                    f"{_cell(res, init_id, 'envwrap init')} against "
                    f"{_cell(res, init_id, 'python start')}, "
                    f"{fmt_ratio(_ratio(ini, py))} (n = {_n(res, init_id, 'envwrap init')}).", ""]
            ev = res.med(f"startup/{sh}/envwrap-eval", "start-up")
            added = ev - base if ev is not None and base is not None else None
            r = _ratio(added, py)
            targets.append({
                "what": f"start-up added by `eval \"$(envwrap init {sh})\"`, in Python starts",
                "shell": sh, "measured": fmt_ratio(r), "goal": "≤ 2 starts",
                "verdict": _verdict(r, 2.0)})
        for case, what in (("envwrap-file", "the static file"),
                           ("envwrap-written", "the written files (`envwrap init SHELL --write`)")):
            if case == "envwrap-written" and res.case(f"startup/{sh}/{case}") is None:
                continue  # a run from before the written files were measured
            m = res.med(f"startup/{sh}/{case}", "start-up")
            added = m - base if m is not None and base is not None else None
            targets.append({
                "what": f"start-up added by {what}", "shell": sh,
                "measured": fmt_time(added) if added is not None else "—",
                "goal": "≤ 2 ms over bare", "verdict": _verdict(added, 2000, "time")})
    return out, targets


def _workon(res: Results, shells: list[str]) -> tuple[list[str], list[dict]]:
    out = ["## 2. workon / deactivate", "",
           "Timed inside one long-lived interactive shell (bash/zsh fed over a pipe, "
           "`$EPOCHREALTIME` around each command; fish: a batch script timed with fish's "
           "`time`), alternating tools in shuffled rounds.  *hooks* = a `postactivate` and "
           "a `predeactivate` in WORKON_HOME that each export a variable (verified).  "
           "virtualenvwrapper always runs its hook loader, hooks or not.", ""]
    targets = []
    for sh in shells:
        plain_w = res.med(f"workon/{sh}/plain", "workon")
        plain_d = res.med(f"workon/{sh}/plain", "deactivate")
        vew_w = {h: res.med(f"workon/{sh}/vew/{h}", "workon") for h in ("1", "1h")}
        out += [f"### {sh}", "",
                "| Tool | workon: median (min – max) | vs virtualenvwrapper | deactivate: "
                "median (min – max) | vs plain deactivate | n |",
                "|---|---|---|---|---|---|"]
        rows = [("plain `source bin/activate` / `deactivate`", f"workon/{sh}/plain", None),
                ("envwrap, no hooks", f"workon/{sh}/envwrap/1", "1"),
                ("envwrap, hooks", f"workon/{sh}/envwrap/1h", "1h"),
                (f"envwrap, no hooks, {N_MANY} envs in the home", f"workon/{sh}/envwrap/1000", "1"),
                ("virtualenvwrapper, no hooks", f"workon/{sh}/vew/1", "1"),
                ("virtualenvwrapper, hooks", f"workon/{sh}/vew/1h", "1h")]
        for label, cid, h in rows:
            if res.case(cid) is None:
                continue
            w = res.med(cid, "workon")
            d = res.med(cid, "deactivate")
            vs_vew = fmt_ratio(_ratio(w, vew_w.get(h))) if h and "/vew/" not in cid else ""
            vs_plain = fmt_ratio(_ratio(d, plain_d)) if "plain" not in cid else ""
            out.append(f"| {label} | {_cell(res, cid, 'workon')} | {vs_vew} | "
                       f"{_cell(res, cid, 'deactivate')} | {vs_plain} | {_n(res, cid, 'workon')} |")
        if plain_w is not None:
            ew = res.med(f"workon/{sh}/envwrap/1", "workon")
            if ew is not None:
                out.append("")
                out.append(f"envwrap's workon is {fmt_ratio(ew / plain_w)} a plain "
                           f"`source bin/activate` in {sh}.")
        out.append("")
        if sh != "fish":
            for h, what in (("1", "no hooks"), ("1h", "hooks")):
                r = _ratio(res.med(f"workon/{sh}/envwrap/{h}", "workon"), vew_w[h])
                targets.append({"what": f"workon ({what}) vs virtualenvwrapper's", "shell": sh,
                                "measured": fmt_ratio(r), "goal": "≤ 0.10×",
                                "verdict": _verdict(r, 0.10)})
        r = _ratio(res.med(f"workon/{sh}/envwrap/1", "deactivate"), plain_d)
        targets.append({"what": "deactivate (no hooks) vs plain deactivate", "shell": sh,
                        "measured": fmt_ratio(r), "goal": "≤ 2×", "verdict": _verdict(r, 2.0)})
    return out, targets


def _names(res: Results, shells: list[str]) -> tuple[list[str], list[dict]]:
    out = ["## 3. Env names with 1,000 envs: TAB completion and `lsvirtualenv -b`", "",
           f"WORKON_HOME holds {N_MANY} envs.  TAB = the completion function registered for "
           "`workon`, called with an empty word as the shell would (bash: `complete -p "
           "workon` → `-F FUNC` with COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT, result in "
           "COMPREPLY; zsh: `$_comps[workon]` or virtualenvwrapper's `compctl -K` function, "
           "with `compadd` replaced by a function that keeps the candidates, since it does "
           "nothing outside a completion widget; fish: the function named in the "
           "`complete -c workon -a '(FUNC)'` it registered).  Every case "
           f"is checked to produce {N_MANY} names.  The anchor is a bare glob, "
           "`for f in \"$WORKON_HOME\"/*/pyvenv.cfg` collecting names into an array "
           "(and printing them, for the `-b` row; fish: `path basename (path dirname ...)`).",
           ""]
    targets = []
    for sh in shells:
        g_tab = res.med(f"names/{sh}/glob/tab", "TAB")
        g_ls = res.med(f"names/{sh}/glob/ls", "lsvirtualenv -b")
        out += [f"### {sh}", "",
                "| Tool | TAB: median (min – max) | vs glob | `lsvirtualenv -b`: median "
                "(min – max) | vs glob | n |",
                "|---|---|---|---|---|---|"]
        for tool, label in (("glob", "bare glob (anchor)"),
                            ("glob2", "bare glob without a loop (for information)"),
                            ("envwrap", "envwrap"), ("vew", "virtualenvwrapper")):
            t, ls_ = f"names/{sh}/{tool}/tab", f"names/{sh}/{tool}/ls"
            if res.case(t) is None and res.case(ls_) is None:
                continue
            rt = _ratio(res.med(t, "TAB"), g_tab) if tool != "glob" else None
            rl = _ratio(res.med(ls_, "lsvirtualenv -b"), g_ls) if tool != "glob" else None
            tab_cell = _cell(res, t, "TAB") if res.case(t) else "—"
            ls_cell = _cell(res, ls_, "lsvirtualenv -b") if res.case(ls_) else "—"
            out.append(f"| {label} | {tab_cell} | {fmt_ratio(rt) if rt else ''} | {ls_cell} | "
                       f"{fmt_ratio(rl) if rl else ''} | {_n(res, t, 'TAB')} |")
        out.append("")
        if sh == "fish" and res.case("names/fish/envwrap/key") is not None:
            k_ew, k_g = (res.med("names/fish/envwrap/key", "key press"),
                         res.med("names/fish/glob/key", "key press"))
            out += ["The whole key press, `complete -C 'workon '` (fish's own sorting and "
                    "de-duplication included) against the same for the glob registered as a "
                    f"completion: {_cell(res, 'names/fish/envwrap/key', 'key press')} against "
                    f"{_cell(res, 'names/fish/glob/key', 'key press')}, "
                    f"{fmt_ratio(_ratio(k_ew, k_g))} (for information).", ""]
        for name, cid, anchor in (("TAB", f"names/{sh}/envwrap/tab", g_tab),
                                  ("lsvirtualenv -b", f"names/{sh}/envwrap/ls", g_ls)):
            if res.case(cid) is None:
                continue
            r = _ratio(res.med(cid, name), anchor)
            targets.append({"what": f"{name} with {N_MANY} envs vs bare glob", "shell": sh,
                            "measured": fmt_ratio(r), "goal": "≤ 1.3×",
                            "verdict": _verdict(r, 1.3)})
    return out, targets


def _lslong(res: Results, shells: list[str]) -> tuple[list[str], list[dict]]:
    out = ["## 4. `lsvirtualenv -l`", "",
           f"virtualenvwrapper starts Python once per env, so it is timed on a home of "
           f"{N_FEW} envs and its cost is given per env (total ÷ {N_FEW}); "
           f"at {N_MANY} envs it would take {N_MANY // N_FEW}× its {N_FEW}-env time.  "
           f"envwrap is timed on {N_FEW} and on {N_MANY} envs (its size cache warm, see "
           "below).  Output goes to /dev/null.", ""]
    targets = []
    for sh in shells:
        if sh == "fish":
            continue
        vew = res.med(f"lslong/{sh}/vew/20", "lsvirtualenv -l")
        vew_per = vew / N_FEW if vew is not None else None
        out += [f"### {sh}", "", "| Tool | envs | total: median (min – max) | per env "
                "| per env vs virtualenvwrapper | n |", "|---|---|---|---|---|---|"]
        for tool, home, n, label in (("envwrap", "1000", N_MANY, "envwrap"),
                                     ("envwrap", "20", N_FEW, "envwrap"),
                                     ("vew", "20", N_FEW, "virtualenvwrapper")):
            cid = f"lslong/{sh}/{tool}/{home}"
            if res.case(cid) is None:
                continue
            m = res.med(cid, "lsvirtualenv -l")
            per = m / n if m is not None else None
            ratio = fmt_ratio(_ratio(per, vew_per)) if tool != "vew" else ""
            out.append(f"| {label} | {n} | {_cell(res, cid, 'lsvirtualenv -l')} | "
                       f"{fmt_time(per)} | {ratio} | {_n(res, cid, 'lsvirtualenv -l')} |")
        if vew is not None:
            out.append(f"| virtualenvwrapper (extrapolated) | {N_MANY} | "
                       f"≈ {fmt_time(vew * N_MANY / N_FEW)} | | | |")
        out.append("")
        m = res.med(f"lslong/{sh}/envwrap/1000", "lsvirtualenv -l")
        r = _ratio(m / N_MANY if m is not None else None, vew_per)
        targets.append({"what": f"`lsvirtualenv -l` per env ({N_MANY} envs) vs "
                                f"virtualenvwrapper's ({N_FEW} envs)",
                        "shell": sh, "measured": fmt_ratio(r) if r is None or r >= 0.01
                        else f"{r:.4f}×", "goal": "< 0.01×", "verdict": _verdict(r, 0.01)})
        out_s, tg = _lslong_sizes(res, sh, vew_per)
        out += out_s
        targets += tg
    return out, targets


def _lslong_sizes(res: Results, sh: str, vew_per: float | None) -> tuple[list[str], list[dict]]:
    """The rows with a warm and an emptied size cache (envwrap ls -l prints sizes)."""
    rows = [("100", N_MID, "without pip"), ("100p", N_MID, "with pip"),
            ("1000", N_MANY, "without pip")]
    if all(res.case(f"lslong/{sh}/envwrap/{h}/warm") is None for h, _, _ in rows):
        return [], []
    out = [f"#### {sh}: with sizes, warm and emptied size cache", "",
           "`lsvirtualenv -l` prints each env's size and last use.  *warm*: the size "
           "cache (`sizes/` in ENVWRAP_CACHE_DIR) kept from the previous iteration, so "
           "a size costs one stat per directory of the env; *cold*: the cache deleted "
           "(untimed) before every iteration, so every file of every env is stat'ed.  "
           "*with pip*: envs holding pip (~1,650 files and directories with its "
           "byte-code), as real ones do (hard-linked from one template, each env still "
           "counted in full); *without pip*: the "
           "`--without-pip` copies of the other rows.", "",
           "| envs | warm: median (min – max) | cold: median (min – max) | cold ÷ warm "
           "| warm per env | warm per env vs virtualenvwrapper | n (warm / cold) |",
           "|---|---|---|---|---|---|---|"]
    targets = []
    for home, n, what in rows:
        w_id, c_id = f"lslong/{sh}/envwrap/{home}/warm", f"lslong/{sh}/envwrap/{home}/cold"
        if res.case(w_id) is None and res.case(c_id) is None:
            continue
        w, c = res.med(w_id, "lsvirtualenv -l"), res.med(c_id, "lsvirtualenv -l")
        per = w / n if w is not None else None
        out.append(f"| {n} {what} | {_cell(res, w_id, 'lsvirtualenv -l')} | "
                   f"{_cell(res, c_id, 'lsvirtualenv -l')} | {fmt_ratio(_ratio(c, w))} | "
                   f"{fmt_time(per)} | {fmt_ratio(_ratio(per, vew_per))} | "
                   f"{_n(res, w_id, 'lsvirtualenv -l')} / {_n(res, c_id, 'lsvirtualenv -l')} |")
        if home == "100p":
            targets.append({"what": f"`lsvirtualenv -l` with sizes, {N_MID} envs with pip, "
                                    "warm cache", "shell": sh, "measured": fmt_time(w),
                            "goal": "< 1 s", "verdict": _verdict(w, 1e6, "time")})
    out.append("")
    return out, targets


def _run(res: Results, shells: list[str]) -> tuple[list[str], list[dict]]:
    out = ["## 7. `envwrap run NAME -- CMD`", "",
           "Whole processes spawned from Python (as the start-up rows), no shell: "
           "*direct* runs the env's `bin/python` by its path (for `true`: `true` from "
           "PATH, which is what `run` ends up executing), *envwrap run* runs "
           "`envwrap run bench-env -- CMD`, i.e. envwrap's own Python start, finding the "
           "env, then `exec` of CMD with the env's variables.  Each iteration spawns both, "
           "one after the other, so they alternate on the same machine state.  "
           "*Overhead* is the difference of the medians (what `run` adds per call), "
           "*ratio* their quotient.", "",
           "| CMD | direct: median (min – max) | `envwrap run`: median (min – max) "
           "| overhead | ratio | n |", "|---|---|---|---|---|---|"]
    found = False
    for cid, label in (("python", "`python -c pass`"), ("true", "`true`")):
        full = f"run/proc/{cid}"
        if res.case(full) is None:
            continue
        found = True
        d, r = res.med(full, "direct"), res.med(full, "envwrap run")
        over = fmt_time(r - d) if d is not None and r is not None else "—"
        out.append(f"| {label} | {_cell(res, full, 'direct')} | "
                   f"{_cell(res, full, 'envwrap run')} | {over} | "
                   f"{fmt_ratio(_ratio(r, d))} | {_n(res, full, 'direct')} |")
    if not found:
        out.append("| (not run) | | | | | |")
    out.append("")
    return out, []


def _auto(res: Results, shells: list[str]) -> tuple[list[str], list[dict]]:
    out = ["## 8. Auto-activation: the cost of a prompt", "",
           "What a shell runs before each prompt, timed in one long-lived shell per tool: "
           "*bare* has an empty hook function, *envwrap* has `envwrap init SHELL --auto` "
           "loaded (its `__envwrap_auto_hook`), *direnv* has `direnv hook SHELL` (its "
           "`_direnv_hook`, fish: `__direnv_export_eval`).  The prompt is run as the shell "
           "would: bash `eval \"$PROMPT_COMMAND\"`, zsh every `precmd_functions` entry (a "
           "`cd` itself runs `chpwd_functions`), fish `emit fish_prompt` (a `cd` itself runs "
           "the `--on-variable PWD` handlers).  *prompt*: a prompt in an unchanged "
           "directory; *cd*: `cd` to another directory without markers, then a prompt; "
           "*enter / leave*: `cd` into a project (a `.venv` file naming bench-env for "
           "envwrap, an allowed `.envrc` setting VIRTUAL_ENV and PATH for direnv), then "
           "back out.  *×bare* is the ratio to the bare hook's median and, in parentheses, "
           "the time the hook adds to a prompt (the timer floor is subtracted first, so "
           "the bare prompt is close to 0 and its ratios are large and rough; a bare "
           "median of 0 is taken as the 1 µs resolution, and the ratio is then a lower "
           "bound, marked ≥).  *procs / prompt*: "
           "processes forked per prompt (per cd), counted with `strace -f` over 10 "
           "prompts minus none; envwrap's hook is shell code only, direnv runs "
           "`direnv export` each time.", "",
           "| Shell | Tool | prompt | ×bare | cd + prompt | ×bare | enter | leave "
           "| procs / prompt | procs / cd |", "|---|---|---|---|---|---|---|---|---|---|"]
    found = False
    for sh in shells:
        bare_p = res.med(f"auto/{sh}/bare/prompt", "prompt")
        bare_c = res.med(f"auto/{sh}/bare/cd", "cd")
        for tool in ("bare", "envwrap", "direnv"):
            base = f"auto/{sh}/{tool}"
            if res.case(f"{base}/prompt") is None:
                continue
            found = True
            pm, cm = res.med(f"{base}/prompt", "prompt"), res.med(f"{base}/cd", "cd")
            if res.case(f"{base}/project") is not None:
                enter = _cell(res, f"{base}/project", "enter", spread=False)
                leave = _cell(res, f"{base}/project", "leave", spread=False)
            else:
                enter = leave = "—"

            def procs(what, base=base):
                st = res.stats(f"{base}/{what}-procs", "procs")
                return f"{st['median']:g}" if st else _why(res.status(f"{base}/{what}-procs"))
            def vs(m, b, tool=tool):
                if tool == "bare":
                    return "1"
                if m is None or b is None:
                    return "—"
                # Below the 1 µs resolution the bare median is 0: the ratio is a bound.
                r = fmt_ratio(m / max(b, 1.0))
                return f"{'≥' if b < 1.0 else ''}{r} (+{fmt_time(m - b)})"
            out.append(f"| {sh} | {tool} | {_cell(res, f'{base}/prompt', 'prompt')} | "
                       f"{vs(pm, bare_p)} | {_cell(res, f'{base}/cd', 'cd')} | "
                       f"{vs(cm, bare_c)} | "
                       f"{enter} | {leave} | {procs('prompt')} | {procs('cd')} |")
    if not found:
        out.append("| (not run) | | | | | | | | | |")
    floors = ", ".join(f"{sh} {fmt_time(val)}" for (sec, sh), val in sorted(res.floor.items())
                       if sec == "auto")
    out += ["", f"Timer floor subtracted in this section: {floors or '—'}.", ""]
    return out, []


def _mk(res: Results, shells: list[str]) -> tuple[list[str], list[dict]]:
    out = ["## 5. mkvirtualenv", "",
           "Create an env in an empty WORKON_HOME (with pip unless the row says otherwise), "
           "timed inside the long-lived shell, under a new name every iteration.  Nothing is "
           "deleted while timing: the envs are removed after each round, untimed, followed "
           "by a pause (on ext4, creating files right after many were deleted is several "
           "times slower).  Caches are warm: every case ran untimed warm-up creations first "
           "(virtualenv's app-data, uv's cache, envwrap's cache all under "
           "bench/.work/cache).  The envwrap and virtualenvwrapper rows include activation "
           "(mkvirtualenv activates); the `deactivate` after it is not timed.  *Offline* "
           "rows use no index at all (`PIP_NO_INDEX`, uv's `--offline --no-index`): "
           "`-i requests` installs requests and its dependencies from a local find-links "
           "directory filled once at set-up.  The anchor is `uv venv --seed --offline`; the "
           "online form (which fetches the index on every run) is shown for information.  "
           "bash runs every row, zsh envwrap's and uv's.", ""]
    targets = []
    rows = [("envwrap", "envwrap `mkvirtualenv` (default creator)"),
            ("envwrap-venv", "envwrap `mkvirtualenv --creator venv`"),
            ("envwrap-uv", "envwrap `mkvirtualenv --creator uv`"),
            ("envwrap-copy", "envwrap `mkvirtualenv`, seed_mode copy"),
            ("envwrap-venv-zip", "envwrap `mkvirtualenv --creator venv`, seed_mode zip"),
            ("envwrap-uv-zip", "envwrap `mkvirtualenv --creator uv`, seed_mode zip"),
            ("envwrap-nopip", "envwrap `mkvirtualenv --without-pip`"),
            ("envwrap-i", "envwrap `mkvirtualenv -i requests` (offline, uv present)"),
            ("envwrap-r", "envwrap `mkvirtualenv -r requirements.txt` (requests; offline, uv present)"),
            ("envwrap-i-nouv", "envwrap `mkvirtualenv -i requests` (offline, no uv anywhere)"),
            ("vew", "virtualenvwrapper `mkvirtualenv` (virtualenv)"),
            ("vew-i", "virtualenvwrapper `mkvirtualenv -i requests` (offline)"),
            ("uv-seed-offline", "`uv venv --seed --offline` (anchor)"),
            ("uv-seed", "`uv venv --seed`, online (information only)"),
            ("uv", "`uv venv` (no pip)"),
            ("uv-i", "`uv venv` + `uv pip install requests` (offline)"),
            ("uv-r", "`uv venv` + `uv pip install -r requirements.txt` (offline)"),
            ("pystart", "`python -c pass` (one Python start of envwrap's interpreter)"),
            ("venv", "`python -m venv`"),
            ("venv-nopip", "`python -m venv --without-pip`"),
            ("virtualenv", "`virtualenv`")]
    for sh in shells:
        if sh == "fish":
            continue
        med = {cid: res.med(f"mk/{sh}/{cid}", "mkvirtualenv") for cid, _ in rows}
        seed, vew = med["uv-seed-offline"], med["vew"]
        out += [f"### {sh}", "",
                "| Tool | create: median (min – max) | vs `uv venv --seed --offline` "
                "| vs virtualenvwrapper | n |", "|---|---|---|---|---|"]
        for cid, label in rows:
            full = f"mk/{sh}/{cid}"
            if res.case(full) is None:
                continue
            m = med[cid]
            out.append(f"| {label} | {_cell(res, full, 'mkvirtualenv')} | "
                       f"{fmt_ratio(_ratio(m, seed)) if cid != 'uv-seed-offline' else ''} | "
                       f"{fmt_ratio(_ratio(m, vew)) if cid != 'vew' else ''} | "
                       f"{_n(res, full, 'mkvirtualenv')} |")
        out.append("")
        pf = f"mk/{sh}/pip-first"
        first, second = res.med(pf, "first pip"), res.med(pf, "second pip")
        if res.case(pf) is not None:
            out += [f"`pip --version` in an env `mkvirtualenv` just made: first call "
                    f"{_cell(res, pf, 'first pip')}, second {_cell(res, pf, 'second pip')} "
                    f"(n = {_n(res, pf, 'first pip')}).", ""]
            r = _ratio(first, second)
            targets.append({"what": "first `pip --version` in a new env vs the second",
                            "shell": sh, "measured": fmt_ratio(r), "goal": "≤ 1.15×",
                            "verdict": _verdict(r, 1.15)})
        for cid, what, limit in (("envwrap", "default settings", 1.0),
                                 ("envwrap-uv", "--creator uv", 1.0),
                                 ("envwrap-venv", "--creator venv", 1.2),
                                 ("envwrap-uv-zip", "--creator uv, seed_mode zip", 1.0),
                                 ("envwrap-venv-zip", "--creator venv, seed_mode zip", 1.2)):
            if res.case(f"mk/{sh}/{cid}") is None:
                continue
            r = _ratio(med[cid], seed)
            targets.append({"what": f"mkvirtualenv with pip ({what}) vs `uv venv --seed --offline`",
                            "shell": sh, "measured": fmt_ratio(r), "goal": f"≤ {limit:g}×",
                            "verdict": _verdict(r, limit)})
            if vew is not None:
                r2 = _ratio(med[cid], vew)
                targets.append({"what": f"mkvirtualenv with pip ({what}) vs virtualenvwrapper",
                                "shell": sh, "measured": fmt_ratio(r2), "goal": "≤ 0.10×",
                                "verdict": _verdict(r2, 0.10)})
        if res.case(f"mk/{sh}/envwrap-nopip") is not None:
            nop, uv, py = med["envwrap-nopip"], med["uv"], med["pystart"]
            limit = uv + py if uv is not None and py is not None else None
            targets.append({"what": "mkvirtualenv --without-pip vs `uv venv` + one Python start",
                            "shell": sh, "measured": fmt_time(nop),
                            "goal": f"≤ {fmt_time(limit)}" if limit else "≤ uv venv + python",
                            "verdict": _verdict(nop, limit, "time") if limit else "not measured"})
        if res.case(f"mk/{sh}/envwrap-i") is not None:
            r = _ratio(med["envwrap-i"], med["uv-i"])
            targets.append({"what": "mkvirtualenv -i requests (offline, uv present) vs `uv venv` + "
                                    "`uv pip install`", "shell": sh, "measured": fmt_ratio(r),
                            "goal": "≤ 1.5×", "verdict": _verdict(r, 1.5)})
        if res.case(f"mk/{sh}/envwrap-r") is not None:
            r = _ratio(med["envwrap-r"], med["uv-r"])
            targets.append({"what": "mkvirtualenv -r requirements.txt (offline, uv present) vs `uv venv` + "
                                    "`uv pip install -r`", "shell": sh, "measured": fmt_ratio(r),
                            "goal": "≤ 1.5×", "verdict": _verdict(r, 1.5)})
        if res.case(f"mk/{sh}/envwrap-i-nouv") is not None:
            r = _ratio(med["envwrap-i-nouv"], med["vew-i"])
            targets.append({"what": "mkvirtualenv -i requests (offline, no uv) vs virtualenvwrapper's",
                            "shell": sh, "measured": fmt_ratio(r), "goal": "≤ 0.45×",
                            "verdict": _verdict(r, 0.45)})
    return out, targets


def _procs(traces: dict | None) -> list[str]:
    out = ["## 6. Processes started", ""]
    if not traces:
        return out + ["Not run.", ""]
    if "error" in traces:
        return out + [f"Not measured: {traces['error']}", ""]
    out += ["Counted with `strace -f -e trace=execve` on one interactive shell per tool that "
            "runs every operation in turn (WORKON_HOME with "
            f"{N_FEW} envs).  Each cell: processes executed in total, then how many of them "
            "are Python (an interpreter, or a script whose `#!` names python).  *start-up* "
            "covers the rc file only.", ""]
    for sh, tools in traces.items():
        names = []
        for ops in tools.values():
            for op in ops:
                if op not in names and op != "error":
                    names.append(op)
        tl = list(tools)
        out += [f"### {sh}", "", "| Operation | " + " | ".join(tl) + " |",
                "|---|" + "---|" * len(tl)]
        for op in names:
            cells = []
            for t in tl:
                c = tools[t].get(op)
                if c is None:
                    cells.append("error" if "error" in tools[t] else "—")
                    continue
                progs = ", ".join(f"{k}×{v}" if v > 1 else k
                                  for k, v in sorted(c["programs"].items()))
                cells.append(f"{c['total']} (python {c['python']})"
                             + (f": {progs}" if progs and c["total"] <= 12 else ""))
            out.append(f"| {op} | " + " | ".join(cells) + " |")
        out.append("")
    return out


# Shown under the targets table whenever the matching target is missed.
WHY_MISSED = {
    "deactivate": (
        "- **deactivate** stays a shell function and starts no process, but it does more than "
        "the env's own `deactivate`: like virtualenvwrapper it looks for the `predeactivate` / "
        "`postdeactivate` hooks (the env's, the global one, the project's) when it runs, so that "
        "a hook written after activation still runs, and it restores envwrap's own state. Those "
        "file tests and the extra function layer cost about 0.1 ms in all, which is several "
        "times a bare `deactivate` that does none of it. Looking the hooks up at `workon` time "
        "instead would meet the ratio and break virtualenvwrapper's behaviour; envwrap keeps "
        "the behaviour."),
    "mkvirtualenv with pip": (
        "- **mkvirtualenv with pip**, in the rows that miss: `--creator uv` starts uv as a child "
        "process to build the tree, so it pays uv's whole run on top of envwrap's own Python "
        "start; it cannot come within uv's own time. The default creator replays venv's tree in envwrap's process instead, "
        "and by default (`seed_mode auto`, a current pip) the env gets one `.pth` naming a "
        "shared read-only zip of pip and three launchers (docs/performance.md). `seed_mode "
        "copy` writes pip's thousand files (on ext4 each a real file, no reflinks); hard links "
        "would be faster, but an edit in one env would change every other one, which envwrap "
        "rules out."),
    "mkvirtualenv --without-pip": (
        "- **mkvirtualenv --without-pip** is one Python start plus envwrap's imports (pinned "
        "lean by tests/seeding/test_creation_path.py) and its staging (build aside, one rename, "
        "hooks, activate scripts); a machine busy with other work widens the spread."),
    "mkvirtualenv -i": (
        "- **mkvirtualenv -i** pays the creation above before the install. With uv present the "
        "install itself is uv's (`uv pip install`); without uv it is pip's, which resolves and "
        "installs in Python."),
}


def render(sc: Scratch, cases: list[Case], traces: dict | None, cfg: Settings,
           sections: list[str], shells: list[str], elapsed: float) -> str:
    res = Results(cases)
    shells = [s for s in SHELL_ORDER if s in shells]
    body: list[str] = []
    targets: list[dict] = []
    builders = {"startup": _startup, "workon": _workon, "names": _names, "lslong": _lslong,
                "mk": _mk, "run": _run, "auto": _auto}
    for name in sections:
        if name == "procs":
            body += _procs(traces)
        elif name in builders:
            part, tg = builders[name](res, shells)
            body += part
            targets += tg
    out = ["# envwrap benchmark results", "",
           "Written by `python3 bench/run.py` (see bench/README.md for what each row means). "
           "Times are medians of the per-iteration times with min – max in parentheses; "
           "in-shell rows have the timer floor (an empty command timed the same way) "
           "subtracted.  Ratios are of medians.", ""]
    out += _machine(sc, res, cfg, elapsed) + [""]
    out += ["## Targets", "", "| Target | Shell | Measured | Goal | Verdict |",
            "|---|---|---|---|---|"]
    for t in targets:
        out.append(f"| {t['what']} | {t['shell']} | {t['measured']} | {t['goal']} | "
                   f"{t['verdict']} |")
    missed = {t["what"].split(" (")[0].split(" vs ")[0] for t in targets if "missed" in t["verdict"]}
    why = [text for key, text in WHY_MISSED.items() if any(m.startswith(key) for m in missed)]
    if why:
        out += ["", "### Why the missed targets are missed", ""] + why
    out += [""] + body
    problems = [(c.id, c.status) for c in cases if c.status.startswith(("failed", "missing"))]
    notes = [(c.id, c.note) for c in cases if c.note and "fail" in c.note]
    if problems or sc.missing or notes:
        out += ["## Unavailable or failed", ""]
        for tool, why in sorted(sc.missing.items()):
            out.append(f"- tool `{tool}`: {why.splitlines()[0] if why else '?'}")
        for cid, st in problems:
            out.append(f"- `{cid}`: {st.replace(chr(10), ' / ')[:600]}")
        for cid, note in notes:
            out.append(f"- `{cid}`: {note}")
        out.append("")
    return "\n".join(out) + "\n"
