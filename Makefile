# Two commands for a fresh machine:  make demo  |  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint serve worker clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Install, migrate the embedded SQLite database, load demo data, then run the
# web server and the background worker together (Ctrl+C stops both).
demo: $(STAMP)
	$(BIN)/o2o migrate
	$(BIN)/o2o demo
	$(BIN)/o2o serve --host $(HOST) --port $(PORT) --with-worker

# Install and run the whole suite (in parallel). DATABASE_URL picks the database.
# Exit status 5 (no tests collected) is a failure here: an empty run proves nothing.
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf $(VENV) data .pytest_cache
