"""How the hooks start the backend: ``python -I -S .../envwrap/__main__.py
--sys-path=DIR ...`` (the words envwrap/shells/loader.py writes into the
preamble, read by envwrap/hookstart.py). Without site, the backend must still
see what site would have given it (the directories of envwrap and its
dependencies, the site-packages list the pip choice is keyed on, the venv's
sys.prefix), and its quick exit must still deliver every byte and status."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cli, one_line

PROBE = ("import json, sys, platformdirs, shellingham, tomli_w, envwrap\n"
         "from envwrap.seeding.choice import _own_site_dirs\n"
         "print(json.dumps([sys.prefix, sys.exec_prefix, sys.base_prefix, _own_site_dirs(),\n"
         "                  [m.__file__ for m in (platformdirs, shellingham, tomli_w, envwrap)]]))\n")


def hook_words(user: dict, shell: str = "bash") -> list[str]:
    """The words of ``__envwrap_exe`` in ``envwrap init SHELL``'s preamble."""
    first = cli(user, "init", shell, check=True).stdout.splitlines()[0]
    assert first.startswith("__envwrap_exe=(") and first.endswith(")"), first
    return shlex.split(first[len("__envwrap_exe=("):-1])


def test_the_words_skip_site_and_name_the_directories(user):
    words = hook_words(user)
    python, flags, main, extra = words[0], words[1:3], words[3], words[4:]
    assert Path(python).is_absolute() and flags == ["-I", "-S"] and main.endswith("/envwrap/__main__.py")
    assert extra and all(w.startswith("--sys-path=/") for w in extra)
    dirs = [w[len("--sys-path="):] for w in extra]
    assert str(Path(main).parent.parent) in dirs  # envwrap's own parent
    assert len(dirs) == len(set(dirs))
    # fish gets the same words, PowerShell the console script
    fish_first = cli(user, "init", "fish", check=True).stdout.splitlines()[0]
    assert shlex.split(fish_first)[3:] == words


def test_without_site_the_backend_sees_what_site_gave(user):
    """sys.prefix (the venv's, as site.venv() sets it), the site-packages list
    (the key of the remembered pip choice: a start with -S and a start with site
    share the record) and the files envwrap and its dependencies load from."""
    words = hook_words(user)
    python, main, extra = words[0], words[3], words[4:]
    with_site = subprocess.run([python, "-I", "-c", PROBE], env=user, capture_output=True, text=True, check=True)
    # what envwrap/__main__.py does under -S, then the probe
    hook = (f"import os, sys\nsys.argv = {[main, *extra, 'probe']!r}\n"
            f"sys.path.append(os.path.dirname(os.path.dirname({main!r})))\n"
            "from envwrap import hookstart\n"
            "hookstart.begin()\n"
            "assert sys.argv[1:] == ['probe'], sys.argv\n"
            "assert 'site' not in sys.modules\n" + PROBE)
    without = subprocess.run([python, "-I", "-S", "-c", hook], env=user, capture_output=True, text=True)
    assert without.returncode == 0, without.stderr
    assert json.loads(without.stdout) == json.loads(with_site.stdout)


def test_a_start_with_site_still_works(user):
    """The words of an older preamble (``python -I .../__main__.py``, site on)
    and ``python -m envwrap`` keep working: the -S handling is only for -S."""
    words = hook_words(user)
    python, main = words[0], words[3]
    assert subprocess.run([python, "-I", main, "new", "--without-pip", "old words"], env=user,
                          capture_output=True, text=True).returncode == 0
    proc = subprocess.run([python, "-m", "envwrap", "ls"], env=user, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == "old words\n"


def test_the_quick_exit_delivers_output_and_status(user):
    words = hook_words(user)
    assert cli(user, "new", "--without-pip", "one").returncode == 0
    listing = subprocess.run([*words, "ls"], env=user, capture_output=True, text=True)
    assert listing.returncode == 0 and listing.stdout == "one\n" and listing.stderr == ""
    # a long output, every byte of it; and the words are a fixed point: the
    # backend started by them writes the same words again
    for shell in ("bash", "fish"):
        init = subprocess.run([*words, "init", shell], env=user, capture_output=True, text=True)
        assert init.returncode == 0 and init.stdout == cli(user, "init", shell).stdout
    # statuses and one-line errors pass through
    missing = subprocess.run([*words, "path", "nosuch"], env=user, capture_output=True, text=True)
    assert missing.returncode == 1 and one_line(missing.stderr)
    usage = subprocess.run([*words, "sh", "bash"], env=user, capture_output=True, text=True)
    assert usage.returncode == 2 and one_line(usage.stderr)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/dev/full is Linux's")
def test_the_quick_exit_reports_a_full_or_closed_stdout(user):
    words = hook_words(user)
    assert cli(user, "new", "--without-pip", "one").returncode == 0
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*words, "ls"], env=user, stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 1 and one_line(proc.stderr) and "No space left" in proc.stderr
    proc = subprocess.run(["bash", "-c", '"$@" >&-', "bash", *words, "ls"], env=user, capture_output=True, text=True)
    assert proc.returncode == 1 and one_line(proc.stderr) and "closed" in proc.stderr


def test_a_dependency_only_site_finds_keeps_site(monkeypatch):
    """When a dependency is in no directory of sys.path (an import hook in a
    .pth file finds it), the words keep site: python -I .../__main__.py."""
    from envwrap.shells import loader

    parent = str(Path(loader.__file__).resolve().parents[2])
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setattr(sys, "path", [parent])  # envwrap's parent, none of its dependencies
    assert loader._site_words(parent, set()) is None
    words = loader.command("bash")
    assert words[1:] == ["-I", str(Path(parent, "envwrap", "__main__.py"))], words
    monkeypatch.setattr(sys, "path", [parent, *json.loads(subprocess.run(
        [sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
        capture_output=True, text=True, check=True).stdout)])
    assert loader.command("bash")[1:3] == ["-I", "-S"]
