# Two commands for a fresh machine:  make demo  |  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint serve worker clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Install, migrate the embedded SQLite database, load demo data, then run the
# web server and the background worker together (Ctrl+C stops both).
# `make demo PORT=8200 HOST=0.0.0.0` serves elsewhere: serve derives the payment and
# callback URLs from where it listens (or from O2O_PUBLIC_URL when set).
DEMO_URL := http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
demo: $(STAMP)
	$(BIN)/o2o migrate
	$(BIN)/o2o demo --base-url $${O2O_PUBLIC_URL:-$(DEMO_URL)}
	$(BIN)/o2o serve --host $(HOST) --port $(PORT) --with-worker

# Install and run the whole suite: in parallel, then the latency tests alone. DATABASE_URL picks the database.
# Exit status 5 (no tests collected) is a failure here: an empty run proves nothing.
test: $(STAMP) chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -n auto -m "not serial" $(PYTEST_ARGS)
	$(BIN)/pytest -m serial $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium (a test tool's own browser download does not work offline).
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
	  echo "installing Debian's chromium and a Chinese font for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium fonts-wqy-microhei >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf $(VENV) data .pytest_cache
