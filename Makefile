# envwrap developer commands. Everything runs from .venv/, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHELL_NAME ?= bash

.PHONY: demo test lint bench clean shells

$(BIN)/envwrap: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# the distribution was called envwrap before it became envwrap-venv: drop a stale install
	$(BIN)/python -m pip uninstall --quiet --yes envwrap 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $@

# An interactive shell with envwrap loaded and a throwaway WORKON_HOME (and
# envwrap's cache and config). It needs envwrap only: the development venv when
# there is one, else a venv of its own with envwrap and its dependencies alone
# (no test or lint tools).
DEMO_VENV := .venv-demo
DEMO_EXE := $(if $(wildcard $(BIN)/envwrap),$(BIN)/envwrap,$(DEMO_VENV)/bin/envwrap)
demo: $(DEMO_EXE)
	$(DEMO_EXE) demo $(SHELL_NAME)

$(DEMO_VENV)/bin/envwrap: pyproject.toml
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet -e .
	touch $@

# The whole suite: unit tests, and real bash, zsh and fish processes.
test: $(BIN)/envwrap
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The generated blocks of envwrap/shells/*/envwrap.* (commands, TAB registrations), from
# envwrap/cli/table.py; tests/shells/test_table.py fails when they are out of date.
shells: $(BIN)/envwrap
	$(BIN)/python -m tools.gen_shells

lint: $(BIN)/envwrap
	$(BIN)/ruff check envwrap tests tools
	shellcheck -s bash envwrap/shells/bash/envwrap.bash envwrap/shells/bash/activate.sh
	zsh -n envwrap/shells/zsh/envwrap.zsh
	fish -n envwrap/shells/fish/envwrap.fish && fish_indent --check envwrap/shells/fish/envwrap.fish envwrap/shells/fish/activate.fish

bench: $(BIN)/envwrap
	$(PYTHON) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_VENV) .pytest_cache
