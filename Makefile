# Haat — the two commands: `make run` and `make test`. Everything else is installed by these.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi:app

.PHONY: run test install install-dev lock translations extract-messages lint browser clean

PIP := $(BIN)/pip install --quiet --disable-pip-version-check --require-hashes

# requirements.txt pins every package the site runs on (transitive ones included, with hashes);
# requirements-dev.txt adds tests, lint and benchmarks. Both are generated from the .in files by `make lock`.
$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(PIP) -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

install-dev: $(BIN)/.installed-dev

# After changing requirements.in or requirements-dev.in: pin the whole tree again.
lock: install-dev
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes requirements.in -o requirements.txt
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes requirements-dev.in -o requirements-dev.txt

translations: install
	$(BIN)/pybabel compile --statistics -d marketplace/translations 2>&1 | grep -v '^compiling' || true
	@$(BIN)/pybabel compile -d marketplace/translations >/dev/null

# After adding strings: refresh the catalogues (en filled from the source; Hindi from hi-src/ fragments).
extract-messages: install
	$(BIN)/python tools/i18n.py

run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/python -m marketplace.devserver

lint: install-dev
	$(BIN)/ruff check .

# The browser tests drive Debian's chromium through playwright (never `playwright install`), with Noto fonts so
# that Hindi renders in screenshots; needs root once.
NOTO := /usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf
browser: /usr/bin/chromium $(NOTO)
/usr/bin/chromium $(NOTO):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core

# Test processes per pass (pytest-xdist; a module's tests stay together in one process). tests/conftest.py
# gives each its own PostgreSQL database and Redis databases, so at most 4. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test: install-dev translations lint browser
	$(PYTEST)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== the suite again on PostgreSQL =="; HAAT_TEST_DATABASE=postgres $(PYTEST); fi

clean:
	rm -rf $(VENV) instance
