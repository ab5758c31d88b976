"""argparse that reports a bad argument as one line (``envwrap: ...``), never usage spew."""

from __future__ import annotations

import argparse

from envwrap.errors import UserError

# help= value of an option that works but is not listed in --help
HIDDEN = argparse.SUPPRESS


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        # The CLI prints every UserError after "envwrap: ", so an "envwrap VERB"
        # prog is named by its verb alone there ("envwrap: config: ...").
        who = self.prog[len("envwrap "):] if self.prog.startswith("envwrap ") else self.prog
        raise UserError(f"{who}: {message} (see {self.prog} --help)", status=2)

    def exit(self, status: int = 0, message: str | None = None):  # type: ignore[override]
        if message:
            raise UserError(message.strip(), status=status or 2)
        raise SystemExit(status)

    def _print_message(self, message: str, file=None) -> None:
        # argparse ignores a failed write; --help into a closed or full standard
        # output must fail like any other output (one line, non-zero status).
        import sys

        if message:
            (file or sys.stderr).write(message)
