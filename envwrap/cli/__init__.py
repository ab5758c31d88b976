"""What a user types: the command table, dispatch and one module per command family.

``envwrap.cli:main`` is the console script's entry point.
"""

from envwrap.cli.dispatch import main

__all__ = ["main"]
