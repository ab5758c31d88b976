"""argparse that reports a bad argument as one line (``envwrap: ...``), never usage spew."""

from __future__ import annotations

import argparse

from envwrap.core.errors import UserError

# help= value of an option that works but is not listed in --help
HIDDEN = argparse.SUPPRESS


class Captured(BaseException):
    """Raised instead of parsing while :attr:`Parser.capture` is on: carries the
    parser a command built (BaseException: no ``except Exception`` stops it)."""

    def __init__(self, parser: argparse.ArgumentParser):
        super().__init__(parser.prog)
        self.parser = parser


class Parser(argparse.ArgumentParser):
    # On only in ``make shells`` (tools/gen_shells.py): each command's options, for
    # TAB in every shell, are read from the parser the command itself builds.
    capture = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        if Parser.capture:
            raise Captured(self)
        return super().parse_known_args(args, namespace)

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
