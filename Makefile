# Haat — the two commands: `make run` and `make test`. Everything else is installed by these.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi:app

.PHONY: run test install translations extract-messages lint clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(BIN)/.installed

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

lint: install
	$(BIN)/ruff check .

# The browser test drives Debian's chromium through playwright (never `playwright install`); needs root once.
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

test: install translations lint /usr/bin/chromium
	$(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== the suite again on PostgreSQL =="; HAAT_TEST_DATABASE=postgres $(BIN)/pytest; fi

clean:
	rm -rf $(VENV) instance
