# The README's commands. `make run` serves the site; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
CATALOGS := $(wildcard webapp/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test test-sqlite test-postgresql bench lint format translations system-packages clean

run: $(VENV)/.installed $(COMPILED)
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# The whole suite twice: on SQLite, then on a PostgreSQL server the tests start on loopback.
test: test-sqlite test-postgresql

test-sqlite: $(VENV)/.installed $(COMPILED) system-packages
	$(BIN)/pytest

test-postgresql: $(VENV)/.installed $(COMPILED) system-packages
	ZIRKEL_TEST_DATABASE=postgresql $(BIN)/pytest

# Load-tests Zirkel on this machine (wrk, nginx; see bench/README.md); 5–6 minutes.
bench: $(VENV)/.installed $(COMPILED)
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The virtual environment, rebuilt when the dependencies change.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Zirkel needs Python 3.11 or newer (PYTHON=$(PYTHON))."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Compiled message catalogs are build output, not kept in git.
%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

# After changing strings: extract them and merge them into every catalog.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _lp:1c,2 --project Zirkel -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --width 100
	rm webapp/translations/messages.pot

# Browser tests drive Debian's Chromium, live tests start nginx, the second pass starts
# PostgreSQL, systemd-analyze checks the shipped units: install them when missing (as
# root), or say what to install.
system-packages:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "The tests need Debian packages:$$missing (sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
	find . -name '*.mo' -delete
