"""The scratch area: system packages, tool venvs, envwrap, fixtures and the clean environment.

Everything lives under bench/.work/ (git-ignored).  Each step is idempotent and
records what it found in ``Scratch.missing`` instead of raising, so that a run
goes on without a tool that could not be installed and reports it as missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sys
from pathlib import Path

from .util import SetupError, is_root, log, run, which

VEW_VERSION = "6.1.1"
FIXTURE_VERSION = "3"
N_MANY = 1000
N_FEW = 20
N_MID = 100          # lsvirtualenv -l with sizes: the "100 envs"
ONE_ENV = "bench-env"
MANY_TARGET = "proj-0500"

# Variables that a user's environment could need to reach the package index.
PASS_THROUGH = (
    "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "PIP_CERT",
    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL", "UV_NATIVE_TLS",
)

HOOK_POST = 'export BENCH_HOOK_POST="post:${VIRTUAL_ENV##*/}"\n'
HOOK_PRE = 'export BENCH_HOOK_PRE="pre:${VIRTUAL_ENV##*/}"\n'
# builtins only, so that the hooks cost what a careful user's hooks cost (no fork)
HOOK_POST_FISH = 'set -gx BENCH_HOOK_POST "post:"(string replace -r ".*/" "" -- $VIRTUAL_ENV)\n'
HOOK_PRE_FISH = 'set -gx BENCH_HOOK_PRE "pre:"(string replace -r ".*/" "" -- $VIRTUAL_ENV)\n'


def base_python() -> str:
    """The interpreter the harness runs under, outside any venv, with symlinks resolved."""
    exe = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(exe)


class Scratch:
    def __init__(self, root: Path, repo: Path, *, use_apt: bool = True):
        self.root = root.resolve()
        self.repo = repo.resolve()
        self.use_apt = use_apt
        self.python = base_python()
        self.tools = self.root / "tools"           # virtualenvwrapper + virtualenv + uv
        self.ewvenv = self.root / "envwrap-venv"   # pip install -e <repo>
        self.ewvenv_nouv = self.root / "envwrap-venv-nouv"   # the same without uv beside it
        self.bin = self.root / "bin"               # the only non-system dir on the shells' PATH
        self.bin_nouv = self.root / "bin-nouv"     # bin/ without uv (and its envwrap is the nouv one)
        self.wheels = self.root / "wheels"         # find-links dir of `mkvirtualenv -i` offline
        self.home = self.root / "home"
        self.xdg = self.root / "xdg"
        self.cache = self.root / "cache"
        self.homes = self.root / "homes"
        self.init = self.root / "init"             # static `envwrap init SHELL` output
        self.logs = self.root / "logs"
        self.tmp = self.root / "tmp"
        self.missing: dict[str, str] = {}     # tool -> why it is unavailable
        self.versions: dict[str, str] = {}
        self.setup_log = str(self.logs / "setup.log")

    # ------------------------------------------------------------------ paths
    def home_dir(self, tool: str, kind: str) -> Path:
        """WORKON_HOME of ``tool`` (vew | ew), fixture (1, 1h, 20, 100, 100p, 1000, mk)."""
        return self.homes / f"{tool}-{kind}"

    @property
    def vew_sh(self) -> Path:
        return self.tools / "bin" / "virtualenvwrapper.sh"

    @property
    def vew_lazy_sh(self) -> Path:
        return self.tools / "bin" / "virtualenvwrapper_lazy.sh"

    @property
    def vew_python(self) -> Path:
        return self.tools / "bin" / "python"

    def vew_loader(self, lazy: bool = False) -> str:
        """The rc lines a virtualenvwrapper user has (bash and zsh alike)."""
        lines = [f"export VIRTUALENVWRAPPER_PYTHON={shlex.quote(str(self.vew_python))}"]
        if lazy:   # the lazy loader finds the real script through this (or PATH)
            lines.append(f"export VIRTUALENVWRAPPER_SCRIPT={shlex.quote(str(self.vew_sh))}")
            lines.append(f"source {shlex.quote(str(self.vew_lazy_sh))}")
        else:
            lines.append(f"source {shlex.quote(str(self.vew_sh))}")
        return "\n".join(lines)

    def init_file(self, shell: str, auto: bool = False) -> Path:
        return self.init / f"envwrap{'-auto' if auto else ''}.{shell}"

    def has(self, tool: str) -> bool:
        return tool not in self.missing

    def offline_env(self) -> dict:
        """pip and uv with no index at all: packages come from the wheelhouse only."""
        w = str(self.wheels)
        return {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": w,
                "UV_NO_CONFIG": "1", "UV_OFFLINE": "1", "UV_NO_INDEX": "1", "UV_FIND_LINKS": w}

    def nouv_path(self) -> str:
        return self.shell_env()["PATH"].replace(str(self.bin), str(self.bin_nouv), 1)

    # ------------------------------------------------------------ environment
    def shell_env(self, workon_home: Path | None = None, **extra: str) -> dict:
        """A clean, isolated environment for every shell and tool the benchmark starts."""
        env = {
            "PATH": f"{self.bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(self.home),
            "USER": os.environ.get("USER", "root"),
            "LOGNAME": os.environ.get("LOGNAME", "root"),
            "SHELL": "/bin/bash",
            "TERM": "dumb",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TMPDIR": str(self.tmp),
            "XDG_CONFIG_HOME": str(self.xdg / "config"),
            "XDG_CACHE_HOME": str(self.xdg / "cache"),
            "XDG_DATA_HOME": str(self.xdg / "data"),
            "XDG_STATE_HOME": str(self.xdg / "state"),
            "ENVWRAP_CACHE_DIR": str(self.cache / "envwrap"),
            "UV_CACHE_DIR": str(self.cache / "uv"),
            "PIP_CACHE_DIR": str(self.cache / "pip"),
            "VIRTUALENV_OVERRIDE_APP_DATA": str(self.cache / "virtualenv"),
            "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "UV_NO_PROGRESS": "1",
            # No PYTHONPYCACHEPREFIX: with it Python ignores the __pycache__
            # directories inside an env, and the bytecode envwrap seeds with pip.
            "HISTFILE": "/dev/null",
        }
        for key in PASS_THROUGH:
            if key in os.environ:
                env[key] = os.environ[key]
        if workon_home is not None:
            env["WORKON_HOME"] = str(workon_home)
        env.update(extra)
        return env

    # ------------------------------------------------------------------ setup
    def setup(self, *, fresh: bool = False, skip_envwrap: bool = False) -> None:
        if fresh and self.root.exists():
            log(f"removing {self.root}")
            shutil.rmtree(self.root)
        shutil.rmtree(self.logs, ignore_errors=True)   # logs are per run
        for d in (self.root, self.bin, self.bin_nouv, self.home, self.cache, self.homes, self.init, self.logs,
                  self.tmp, self.xdg / "config", self.xdg / "cache", self.xdg / "data",
                  self.xdg / "state"):
            d.mkdir(parents=True, exist_ok=True)
        for d in (self.bin, self.bin_nouv):
            self._link("python3", self.python, d)
            self._link("python", self.python, d)
        self._system_packages()
        self._tools_venv()
        if skip_envwrap:
            self.missing["envwrap"] = "skipped (--no-envwrap)"
        else:
            self._envwrap()
            self._envwrap_nouv()
        self._wheelhouse()
        self._warm_uv_seed()
        self._fixtures()
        self._static_init()
        self._versions()

    def _link(self, name: str, target: Path | str, bin_dir: Path | None = None) -> None:
        link = (bin_dir or self.bin) / name
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(target, link)

    def _system_packages(self) -> None:
        """zsh, fish and strace from Debian when they are missing (and python3-venv)."""
        wanted = {"zsh": "zsh", "fish": "fish", "strace": "strace", "direnv": "direnv"}
        need = [pkg for cmd, pkg in wanted.items() if not which(cmd)]
        venv_ok = run([self.python, "-c", "import ensurepip, venv"], check=False).returncode == 0
        if not venv_ok:
            ver = f"{sys.version_info[0]}.{sys.version_info[1]}"
            need += ["python3-venv", f"python{ver}-venv"]
        if need and self.use_apt and is_root() and which("apt-get"):
            log(f"apt-get install {' '.join(need)}")
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            try:
                run(["apt-get", "update"], env=env, timeout=600, logfile=self.setup_log)
            except SetupError as exc:
                log(f"apt-get update failed: {exc}")
            for pkg in need:   # one at a time: a missing package must not block the others
                try:
                    run(["apt-get", "install", "-y", "--no-install-recommends", pkg], env=env,
                        timeout=600, logfile=self.setup_log)
                except SetupError as exc:
                    log(f"apt-get install {pkg} failed: {str(exc).splitlines()[0]}")
        for cmd in wanted:
            if not which(cmd):
                self.missing[cmd] = f"{cmd} is not installed (apt-get install {wanted[cmd]})"
        if run([self.python, "-c", "import ensurepip, venv"], check=False).returncode != 0:
            raise SetupError(f"{self.python} has no working venv/ensurepip module "
                             "(apt-get install python3-venv)")

    def _venv(self, path: Path) -> Path:
        py = path / "bin" / "python"
        if not py.exists():
            log(f"creating venv {path}")
            run([self.python, "-m", "venv", str(path)], logfile=self.setup_log)
        return py

    def _pip(self, py: Path, *args: str) -> None:
        run([str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", *args],
            logfile=self.setup_log, timeout=1200)

    def _tools_venv(self) -> None:
        stamp = self.tools / ".bench-stamp"
        spec = [f"virtualenvwrapper=={VEW_VERSION}", "virtualenv", "uv"]
        py = self._venv(self.tools)
        if not stamp.exists() or stamp.read_text() != json.dumps(spec):
            log(f"pip install {' '.join(spec)} (tools venv)")
            try:
                self._pip(py, *spec)
                stamp.write_text(json.dumps(spec))
            except SetupError as exc:
                log(f"tools install failed: {exc}")
                # Try each tool alone so one failure does not hide the others.
                for one in spec:
                    try:
                        self._pip(py, one)
                    except SetupError as exc1:
                        log(f"  {one}: {str(exc1).splitlines()[0]}")
        tb = self.tools / "bin"
        for tool, exe in (("vew", self.vew_sh), ("virtualenv", tb / "virtualenv"),
                          ("uv", tb / "uv")):
            if exe.exists():
                if tool != "vew":
                    self._link(exe.name, exe)
                if tool == "virtualenv":
                    self._link(exe.name, exe, self.bin_nouv)
            else:
                self.missing[tool] = f"{exe.name} not installed in the tools venv"

    def _envwrap(self) -> None:
        pyproject = self.repo / "pyproject.toml"
        if not pyproject.exists():
            self.missing["envwrap"] = f"no {pyproject}"
            return
        digest = hashlib.sha256(pyproject.read_bytes()).hexdigest()
        stamp = self.ewvenv / ".bench-stamp"
        try:
            py = self._venv(self.ewvenv)
            exe = self.ewvenv / "bin" / "envwrap"
            if not stamp.exists() or stamp.read_text() != digest or not exe.exists():
                log(f"pip install -e {self.repo} (envwrap venv)")
                self._pip(py, "-e", str(self.repo))
                try:
                    self._pip(py, "uv")   # what the [uv] extra brings, for --creator uv
                except SetupError as exc:
                    log(f"uv in the envwrap venv: {str(exc).splitlines()[0]}")
                stamp.write_text(digest)
            self._link("envwrap", exe)
            probe = run([str(exe), "init", "bash"], env=self.shell_env(self.home_dir("ew", "1")),
                        check=False, timeout=60)
            if probe.returncode != 0 or "workon" not in probe.stdout:
                tail = "\n".join(probe.stdout.strip().splitlines()[-6:])
                self.missing["envwrap"] = f"`envwrap init bash` exited {probe.returncode}: {tail}"
        except SetupError as exc:
            self.missing["envwrap"] = str(exc)
        if "envwrap" in self.missing:
            log(f"envwrap unavailable: {self.missing['envwrap']}")

    def _envwrap_nouv(self) -> None:
        """envwrap installed where no uv can be found (not beside it, not on PATH):
        what a user without uv has, for `mkvirtualenv -i` through pip."""
        if not self.has("envwrap"):
            self.missing["envwrap-nouv"] = "envwrap unavailable"
            return
        digest = hashlib.sha256((self.repo / "pyproject.toml").read_bytes()).hexdigest()
        stamp = self.ewvenv_nouv / ".bench-stamp"
        exe = self.ewvenv_nouv / "bin" / "envwrap"
        try:
            py = self._venv(self.ewvenv_nouv)
            if not stamp.exists() or stamp.read_text() != digest or not exe.exists():
                log(f"pip install -e {self.repo} (envwrap venv without uv)")
                self._pip(py, "-e", str(self.repo))
                stamp.write_text(digest)
        except SetupError as exc:
            self.missing["envwrap-nouv"] = str(exc)
            return
        if (self.ewvenv_nouv / "bin" / "uv").exists():
            self.missing["envwrap-nouv"] = "installing envwrap brings uv (a dependency)"
            return
        self._link("envwrap", exe, self.bin_nouv)

    def _wheelhouse(self) -> None:
        """requests and its dependencies as wheels, fetched once (the only network use
        after the installs); every `-i` row then installs from here with no index."""
        self.wheels.mkdir(parents=True, exist_ok=True)
        if list(self.wheels.glob("requests-*.whl")):
            return
        py = self.tools / "bin" / "python"
        try:
            log("pip download requests (wheelhouse for the -i rows)")
            run([str(py), "-m", "pip", "download", "-q", "--only-binary", ":all:", "-d",
                 str(self.wheels), "requests"], logfile=self.setup_log, timeout=600)
        except SetupError as exc:
            self.missing["wheelhouse"] = f"pip download requests failed: {str(exc).splitlines()[0]}"

    def _warm_uv_seed(self) -> None:
        """One online `uv venv --seed`, so that uv's cache holds the seed packages and
        the offline anchor (`uv venv --seed --offline`) can run on a fresh cache."""
        if not self.has("uv"):
            return
        target = self.tmp / "uv-seed-warm"
        shutil.rmtree(target, ignore_errors=True)
        try:
            run([str(self.tools / "bin" / "uv"), "venv", "-q", "--seed", "--python", self.python,
                 str(target)], env=self.shell_env(UV_PYTHON_DOWNLOADS="never"),
                logfile=self.setup_log, timeout=600)
        except SetupError as exc:
            log(f"uv venv --seed (to fill uv's cache) failed: {str(exc).splitlines()[0]}")
        shutil.rmtree(target, ignore_errors=True)

    # --------------------------------------------------------------- fixtures
    def _make_env(self, path: Path) -> None:
        run([self.python, "-m", "venv", "--without-pip", str(path)], logfile=self.setup_log)

    def _copy_env(self, template: Path, dest: Path) -> None:
        """cp -a of a --without-pip venv, with the absolute path in its scripts rewritten."""
        shutil.copytree(template, dest, symlinks=True)
        old, new = str(template), str(dest)
        for f in [dest / "pyvenv.cfg", *(dest / "bin").iterdir()]:
            if f.is_symlink() or not f.is_file():
                continue
            try:
                text = f.read_text()
            except UnicodeDecodeError:
                continue
            if old in text:
                f.write_text(text.replace(old, new))

    def _fixtures(self) -> None:
        stamp = self.homes / ".bench-stamp"
        want = f"{FIXTURE_VERSION}:{self.python}"
        if stamp.exists() and stamp.read_text() == want:
            self._reset_mutable_homes()
            self._sized_fixtures()
            return
        log(f"building fixtures ({N_MANY} envs x 2 homes) in {self.homes}")
        shutil.rmtree(self.homes, ignore_errors=True)
        self.homes.mkdir(parents=True)
        template = self.root / "template-env"
        shutil.rmtree(template, ignore_errors=True)
        self._make_env(template)
        for tool in ("ew", "vew"):
            for kind in ("1", "1h"):
                home = self.home_dir(tool, kind)
                home.mkdir()
                self._make_env(home / ONE_ENV)
            self._write_hooks(self.home_dir(tool, "1h"))
            for kind, count in (("20", N_FEW), ("1000", N_MANY)):
                home = self.home_dir(tool, kind)
                home.mkdir()
                for i in range(1, count + 1):
                    self._copy_env(template, home / f"proj-{i:04d}")
        self._reset_mutable_homes()
        stamp.write_text(want)
        self._sized_fixtures()

    def _sized_fixtures(self) -> None:
        """envwrap-only homes for `lsvirtualenv -l` with sizes, built when missing.

        ``ew-100``: 100 copies of the --without-pip template, like the other homes.
        ``ew-100p``: 100 envs *with pip* (a real env's ~1,650 entries to stat when
        sizes are measured): site-packages is hard-linked from one template, so it
        costs no disk, while each env still has its own directory tree and counts
        its files in full, as a real one does.  Scripts and pyvenv.cfg are real
        copies with their paths rewritten.
        """
        for kind, count, pip in (("100", N_MID, False), ("100p", N_MID, True)):
            stamp = self.homes / f".bench-stamp-{kind}"
            want = f"{FIXTURE_VERSION}:{self.python}:{count}"
            home = self.home_dir("ew", kind)
            if stamp.exists() and stamp.read_text() == want and home.is_dir():
                continue
            log(f"building fixture {home.name} ({count} envs{', with pip' if pip else ''})")
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            template = self.root / ("template-env-pip" if pip else "template-env")
            if pip and not (template / "bin" / "pip").exists():
                shutil.rmtree(template, ignore_errors=True)
                run([self.python, "-m", "venv", str(template)], logfile=self.setup_log)
            elif not template.is_dir():
                self._make_env(template)
            for i in range(1, count + 1):
                if pip:
                    self._link_env(template, home / f"proj-{i:04d}")
                else:
                    self._copy_env(template, home / f"proj-{i:04d}")
            stamp.write_text(want)

    @staticmethod
    def _link_env(template: Path, dest: Path) -> None:
        """`cp -al` of a venv; files that name the template's path become real copies."""
        shutil.copytree(template, dest, symlinks=True, copy_function=os.link)
        old, new = str(template), str(dest)
        for f in [dest / "pyvenv.cfg", *(dest / "bin").iterdir()]:
            if f.is_symlink() or not f.is_file():
                continue
            try:
                text = f.read_text()
            except UnicodeDecodeError:
                continue
            if old in text:
                mode = f.stat().st_mode
                f.unlink()   # never write through the link into the template
                f.write_text(text.replace(old, new))
                f.chmod(mode & 0o7777)

    @staticmethod
    def _write_hooks(home: Path) -> None:
        """Global hooks in WORKON_HOME, as virtualenvwrapper users write them."""
        (home / "postactivate").write_text(HOOK_POST)
        (home / "predeactivate").write_text(HOOK_PRE)
        # envwrap reads *.fish hooks in fish (virtualenvwrapper has no fish support).
        (home / "postactivate.fish").write_text(HOOK_POST_FISH)
        (home / "predeactivate.fish").write_text(HOOK_PRE_FISH)

    def _reset_mutable_homes(self) -> None:
        """Homes that mkvirtualenv writes into start empty on every run; hooks are rewritten."""
        for tool in ("ew", "vew"):
            self._write_hooks(self.home_dir(tool, "1h"))
        for tool in ("ew", "vew", "plain"):
            home = self.home_dir(tool, "mk")
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)

    # ---------------------------------------------------------- static init
    def _static_init(self) -> None:
        if not self.has("envwrap"):
            return
        env = self.shell_env(self.home_dir("ew", "1"))
        for shell, auto in [(sh, a) for sh in ("bash", "zsh", "fish") for a in (False, True)]:
            target = self.init_file(shell, auto)
            key = f"envwrap-init-{shell}{'-auto' if auto else ''}"
            argv = [str(self.bin / "envwrap"), "init", shell] + (["--auto"] if auto else [])
            try:
                proc = run(argv, env=env, check=False)
            except SetupError as exc:
                self.missing[key] = str(exc)
                continue
            if proc.returncode == 0 and proc.stdout.strip():
                target.write_text(proc.stdout)
            else:
                if target.exists():
                    target.unlink()
                self.missing[key] = (
                    f"`{' '.join(argv[1:])}` exited {proc.returncode}: "
                    f"{proc.stdout.strip()[-300:]}")

    # --------------------------------------------------------------- versions
    def _versions(self) -> None:
        def first_line(argv: list[str]) -> str:
            try:
                out = run(argv, check=False, env=self.shell_env(), timeout=60).stdout.strip()
            except SetupError as exc:
                return f"unavailable ({exc})"
            return out.splitlines()[0] if out else "?"

        v = self.versions
        v["python"] = first_line([self.python, "-VV"])
        v["bash"] = first_line(["bash", "--version"])
        for sh in ("zsh", "fish", "strace", "direnv"):
            v[sh] = first_line([sh, "--version"]) if self.has(sh) else "not installed"
        tb = self.tools / "bin"
        meta = ("import importlib.metadata as m, sys; "
                "print(' '.join(f'{d}=={m.version(d)}' for d in sys.argv[1:]))")
        if (tb / "python").exists():
            v["tools"] = first_line([str(tb / "python"), "-c", meta,
                                     "virtualenvwrapper", "virtualenv", "stevedore"])
        if self.has("uv"):
            v["uv"] = first_line([str(tb / "uv"), "--version"])
        if self.has("envwrap"):
            # The distribution is called envwrap-venv (the import name stays envwrap).
            which_dist = ("import importlib.metadata as m\n"
                          "for d in ('envwrap-venv', 'envwrap'):\n"
                          "    try:\n        print(f'{d}=={m.version(d)}'); break\n"
                          "    except m.PackageNotFoundError: pass\n"
                          "else: print('version unknown')")
            v["envwrap"] = first_line([str(self.ewvenv / "bin" / "python"), "-c", which_dist])
            try:
                head = run(["git", "-C", str(self.repo), "rev-parse", "--short", "HEAD"],
                           check=False)
                dirty = run(["git", "--no-optional-locks", "-C", str(self.repo), "status",
                             "--porcelain", "--", "envwrap", "shell"], check=False)
                rev = head.stdout.strip() if head.returncode == 0 else "no commit"
                if dirty.returncode == 0 and dirty.stdout.strip():
                    rev += " + uncommitted changes"
            except SetupError:
                rev = "git unavailable"
            v["envwrap_rev"] = rev
