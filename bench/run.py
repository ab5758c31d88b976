#!/usr/bin/env python3
"""Benchmark envwrap against virtualenvwrapper, venv, virtualenv and uv; write bench/RESULTS.md.

Usage: python3 bench/run.py [--quick] [--sections startup,workon,...] [--shells bash,zsh,fish]

Everything it installs goes to bench/.work/ (git-ignored); see bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import report  # noqa: E402
from harness.cases import SECTIONS, Case, Engine, Settings, auto_proc_cases  # noqa: E402
from harness.proctrace import trace_processes  # noqa: E402
from harness.scratch import Scratch  # noqa: E402
from harness.util import SetupError, log  # noqa: E402

ALL_SECTIONS = ["startup", "workon", "names", "lslong", "mk", "procs", "run", "auto"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="few iterations (about 2 minutes); numbers are rougher")
    p.add_argument("--sections", default=",".join(ALL_SECTIONS),
                   help=f"comma-separated subset of {','.join(ALL_SECTIONS)}")
    p.add_argument("--shells", default="bash,zsh,fish", help="comma-separated subset")
    p.add_argument("--rounds", type=int, help="alternation rounds per section (default 5, quick 3)")
    p.add_argument("--budget", type=float,
                   help="seconds of timed work per case (default 2.0, quick 0.5)")
    p.add_argument("--min-iter", type=int, help="fewest timed iterations per case")
    p.add_argument("--max-iter", type=int, help="most timed iterations per case")
    p.add_argument("--warmup", type=int, help="untimed iterations per case before timing")
    p.add_argument("--work-dir", default=str(HERE / ".work"), help="scratch directory")
    p.add_argument("--output", default=str(HERE / "RESULTS.md"), help="markdown report")
    p.add_argument("--fresh", action="store_true", help="delete the scratch directory first")
    p.add_argument("--no-apt", action="store_true", help="never run apt-get")
    p.add_argument("--no-envwrap", action="store_true", help="benchmark the other tools only")
    p.add_argument("--seed", type=int, default=None, help="seed of the shuffled order")
    p.add_argument("--render-only", action="store_true",
                   help="measure nothing: rewrite the report from the last run's results.json")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    cfg = Settings(quick=args.quick)
    if args.quick:
        cfg.rounds, cfg.budget, cfg.min_iter, cfg.max_iter, cfg.warmup = 3, 0.5, 3, 300, 2
    for name in ("rounds", "budget", "min_iter", "max_iter", "warmup"):
        val = getattr(args, name)
        if val is not None:
            setattr(cfg, name, val)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in sections if s not in ALL_SECTIONS]
    if unknown:
        print(f"unknown sections: {unknown}; choose from {ALL_SECTIONS}", file=sys.stderr)
        return 2
    if args.render_only:
        return render_only(args)
    random.seed(args.seed)
    report.note_load("start")
    started = time.time()
    scratch = Scratch(Path(args.work_dir), HERE.parent, use_apt=not args.no_apt)
    try:
        scratch.setup(fresh=args.fresh, skip_envwrap=args.no_envwrap)
    except SetupError as exc:
        log(f"setup failed: {exc}")
        return 1
    for tool, why in sorted(scratch.missing.items()):
        log(f"unavailable: {tool}: {why}")
    shells = [s.strip() for s in args.shells.split(",") if s.strip()]
    shells = [s for s in shells if s == "bash" or scratch.has(s)]
    engine = Engine(scratch, cfg)
    traces = None
    try:
        for name in sections:
            if name == "procs":
                if scratch.has("strace"):
                    log("section procs: counting processes under strace")
                    # The counts do not depend on the shell; --quick traces bash only.
                    traces = trace_processes(scratch, ["bash"] if cfg.quick else shells)
                else:
                    traces = {"error": scratch.missing["strace"]}
                continue
            engine.run_section(name, SECTIONS[name](scratch, shells, cfg.quick))
            if name == "auto":
                log("section auto: counting processes per prompt under strace")
                engine.cases.extend(auto_proc_cases(scratch, shells))
    except KeyboardInterrupt:
        log("interrupted: writing what was measured so far")
    finally:
        engine.close()
    elapsed = time.time() - started
    report.note_load("end")
    text = report.render(scratch, engine.cases, traces, cfg, sections, shells, elapsed)
    raw = {"settings": vars(cfg), "versions": scratch.versions, "missing": scratch.missing,
           "traces": traces, "sections": sections, "shells": shells, "elapsed": elapsed,
           "load": report.LOAD, "cases": [dataclasses.asdict(c) for c in engine.cases]}
    (scratch.root / "results.json").write_text(json.dumps(raw, indent=1, default=str))
    Path(args.output).write_text(text)
    log(f"wrote {args.output} ({elapsed:.0f}s)")
    return 0


def render_only(args: argparse.Namespace) -> int:
    """Rebuild the markdown from results.json (e.g. after changing the report's layout)."""
    scratch = Scratch(Path(args.work_dir), HERE.parent, use_apt=False)
    path = scratch.root / "results.json"
    if not path.exists():
        print(f"no {path}: run the benchmark first", file=sys.stderr)
        return 1
    raw = json.loads(path.read_text())
    scratch.versions, scratch.missing = raw["versions"], raw["missing"]
    cfg = Settings(**raw["settings"])
    cases = []
    for d in raw["cases"]:
        d["runner"] = tuple(d["runner"])
        cases.append(Case(**d))
    report.LOAD.update(raw.get("load", {}))
    text = report.render(scratch, cases, raw["traces"], cfg, raw["sections"], raw["shells"],
                         raw["elapsed"])
    Path(args.output).write_text(text)
    log(f"wrote {args.output} from {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
