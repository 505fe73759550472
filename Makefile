# The two commands a newcomer needs: `make run` and `make test`.
# Both create .venv and install the project into it first, so a machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint typecheck bench clean chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/fundadmin db upgrade
	$(BIN)/fundadmin serve --demo --worker

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The browser tests drive Debian's Chromium; install it where apt-get can (CI), else they skip.
chromium:
	@test -x /usr/bin/chromium || ! command -v apt-get >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq chromium) || \
		echo "Chromium could not be installed: the browser tests will be skipped"

# Two workers, each with its own embedded PostgreSQL, a test file at a time: the suite waits on
# the database and on service processes as much as it computes, so two fit a 2-CPU machine.
# Files run in the order collected (tests/conftest.py puts the longest first), not by test count.
test: lint typecheck chromium
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

bench: install
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/letters.py

clean:
	rm -rf $(VENV) .fundadmin .pytest_cache .mypy_cache .ruff_cache
