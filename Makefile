# The two commands: `make run` (the platform on embedded defaults) and `make test` (everything).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Bytecode caches are written even where PYTHONDONTWRITEBYTECODE is set (.venv and __pycache__ are
# ignored by git): without them each process of `make run` recompiles ~1,400 modules, 5-15 s apiece.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install lock run test test-suite test-shifted lint check unit demo migrate makemigrations bench bench-quick bench-first-run clean proving-ground

# uv (bootstrapped into the venv with pip) installs in seconds from its cache; pip is the fallback.
# requirements.lock pins every version so each machine gets the same set (`make lock` renews it).
$(STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	@echo "installing OneSet and its pinned dependencies (requirements.lock) into $(VENV)"
	@if $(BIN)/pip install -q --disable-pip-version-check uv \
		&& $(BIN)/uv pip install -q --python $(BIN)/python -c requirements.lock -e '.[dev]'; then :; \
	else \
		echo "uv failed; installing with pip instead (slower)"; \
		$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'; \
	fi
	touch $(STAMP)

lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 -q \
		-o requirements.lock

install: $(STAMP)

# make run PORT=8010 HOST=0.0.0.0
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(STAMP)
	$(BIN)/oneset migrate
	$(BIN)/oneset demo
	$(BIN)/oneset serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

# First what the suite needs beyond Python (scripts/test-services says what it installs and why;
# ONESET_SKIP_SETUP=1 opts out), then lint, the suite, and the shifted-clock run, with minio and
# meilisearch on PATH.
test: $(STAMP)
	@date '+%T the services are set up, then lint'
	@setup="$$(scripts/test-services)" && eval "$$setup" && $(MAKE) --no-print-directory test-suite

# Two pytest workers, one test file each at a time (module fixtures stay per file); every worker
# starts its own private servers. The slowest tests and when each step starts are printed, so a
# CI log shows where its budget went.
PYTEST_PARALLEL ?= -n 2 --dist loadfile
test-suite: lint
	@date '+%T the suite starts'
	$(BIN)/pytest $(PYTEST_PARALLEL) --durations=25
	@date '+%T the shifted-clock run starts'
	$(MAKE) test-shifted
	@date '+%T the proving ground starts'
	$(MAKE) proving-ground QUICK=1
	@date '+%T done'

# The time-sensitive suites again with the machine clock three years ahead (Debian's faketime), so
# the next time bomb fails here and not in a user's hands. The MinIO and Meilisearch cases are left
# to the run above: MinIO (Go) ignores faketime, so its signature check sees the skew, and
# Meilisearch crashes under faketime's LD_PRELOAD; neither holds a time rule of OneSet's.
# tests/oneset/test_hygiene.py is left out too: the collectors compare file times, which the kernel
# writes on the real clock, with oneset.clock, which faketime moves, so under the shift every fresh
# temp file looks three years old (measuring ages on the store's own clock is the fix; see
# docs/operations.md, "Known limit: whose clock ages a file").
SHIFT ?= +3y
test-shifted: $(STAMP)
	faketime -f '$(SHIFT)' $(BIN)/pytest $(PYTEST_PARALLEL) -p no:cacheprovider tests/market tests/surveys \
		tests/accounts tests/oneset tests/unit -k 'not minio and not meili' \
		--ignore=tests/oneset/test_hygiene.py

check: test

unit: $(STAMP)
	$(BIN)/pytest tests/unit

migrate: $(STAMP)
	$(BIN)/oneset migrate

demo: $(STAMP)
	$(BIN)/oneset demo

# make makemigrations APP=market
makemigrations: $(STAMP)
	PICCOLO_CONF=oneset.piccolo_conf $(BIN)/piccolo migrations new $(APP) --auto

# Rules: bench/README.md. bench-quick is the CI-sized run of every benchmark.
# bench_first_run.py clones and installs from scratch: its own target, not part of the loops.
BENCHES := $(filter-out bench/bench_first_run.py,$(wildcard bench/bench_*.py))
bench: $(STAMP)
	for b in $(BENCHES); do $(BIN)/python $$b || exit 1; done

bench-quick: $(STAMP)
	for b in $(BENCHES); do $(BIN)/python $$b --quick || exit 1; done

# make bench-first-run PORT=8765: a fresh clone's `make run` to /health 200, by phase.
bench-first-run:
	$(PY) bench/bench_first_run.py --port $(PORT)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache

# The production topology under load and faults (bench/proving_ground.py). QUICK=1 (about 6 min on
# this 2-core machine, also under a load average of 7) ends make test; the full run takes about 25.
# The last line is the verdict; the exit status says it too.
proving-ground: $(STAMP)
	$(BIN)/python bench/proving_ground.py $(if $(QUICK),--quick)
