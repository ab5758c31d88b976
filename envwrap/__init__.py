"""envwrap: named virtual environments in one place, switched from any shell."""

__version__ = "0.1.0"
