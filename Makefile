# The two commands of the README: `make dashboard` and `make test`. Each sets up what it needs
# (a virtual environment with the package and the extra it runs: `.[dashboard]` for the
# dashboard, `.[test]` for the tests, which includes the dashboard; for tests, Debian's
# chromium) and is quick to re-run. `pip install .` alone is the library without the server.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8866
CHROMIUM ?= /usr/bin/chromium

.PHONY: dashboard test lint chromium hub-deps setup setup-test bench clean

dashboard: setup
	$(VENV)/bin/pnen-explorer dashboard --port $(PORT)

test: setup-test chromium hub-deps lint
	$(PY) -m pytest tests pnen_explorer
	$(PY) -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
		$(filter-out notebooks/dashboard.ipynb,$(wildcard notebooks/*.ipynb))
	$(PY) -m pytest --nbval-lax notebooks/dashboard.ipynb

lint: setup-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --editable '.[dashboard]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --editable '.[test]'
	touch $@ $(VENV)/.installed

# Debian's chromium for the browser tests (Playwright is pointed at it; it never downloads one).
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's chromium for the browser tests..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Browser tests need Chromium at $(CHROMIUM): run 'sudo apt-get install chromium'."; \
			exit 1; \
		fi; \
	fi

# The JupyterHub proxy for tests/test_hub_browser.py and benchmarks/bench_hub.py: the npm package
# configurable-http-proxy, installed into the project's .hub/ (never globally). Needs node and
# npm (Debian: `apt-get install nodejs npm`); the hub itself comes with the [hub] extra.
HUB_PROXY := .hub/node_modules/.bin/configurable-http-proxy
CHP_VERSION ?= 4.6.3

hub-deps: $(HUB_PROXY)

$(HUB_PROXY):
	@if ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's nodejs and npm for the JupyterHub proxy..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
		else \
			echo "The hub tests need node and npm: run 'sudo apt-get install nodejs npm'."; \
			exit 1; \
		fi; \
	fi
	mkdir -p .hub
	npm install --prefix .hub --no-audit --no-fund --loglevel=error \
		configurable-http-proxy@$(CHP_VERSION)
	touch $@

bench: setup-test chromium
	$(PY) benchmarks/bench_kernel.py
	$(PY) benchmarks/bench_page.py
	$(PY) benchmarks/bench_classroom.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .hypothesis .hub
