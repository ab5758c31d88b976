"""Benchmark harness for envwrap (see bench/README.md)."""
