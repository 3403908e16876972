# Two commands on a fresh machine: `make serve` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 1
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
INPUTS := $(wildcard ontology/*.ttl data/*.ttl data/wikidata/*.ttl shapes/*.ttl)

.PHONY: serve test lint validate fmt build system-deps clean bench bench-scale

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	rm -f $(VENV)/.installed-* && touch $@

# Validation runs at build time and is recorded, so the server starts without it.
build/validation.json: $(STAMP) $(INPUTS)
	$(BIN)/python -m server build

build: build/validation.json

validate: $(STAMP)
	$(BIN)/python -m server validate

fmt: $(STAMP)
	$(BIN)/python -m server fmt

# Debian packages the tests drive for real (headless chromium); installed when root.
system-deps:
	@bash scripts/system-deps.sh

# One granian worker by default: on two cores it answers as fast as two (the load generator
# or the proxy needs the other core) at half the memory; raise WORKERS on bigger machines.
serve: $(STAMP) build/validation.json
	exec $(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) \
		--workers $(WORKERS) --no-ws server.wsgi:app

lint: $(STAMP)
	$(BIN)/ruff check server tests scripts bench
	$(BIN)/mypy

test: $(STAMP) system-deps build/validation.json lint
	$(BIN)/pytest

# Our server against Oxigraph, rdflib-endpoint and nginx on the same data: one table of
# ratios and targets (issue 6), a few minutes. bench/README.md says what is measured.
bench: $(STAMP) system-deps build/validation.json
	$(BIN)/python -m bench

# The same costs at 1k, 10k and 100k synthetic signatories (long: builds are time-boxed).
bench-scale: $(STAMP) system-deps
	$(BIN)/python -m bench.scale

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
