# The two commands of the README: `make dashboard` and `make test`. Each sets up what it needs
# (a virtual environment with the package and the extra it runs: `.[dashboard]` for the
# dashboard, `.[test]` for the tests, which includes the dashboard; for tests, Debian's
# chromium) and is quick to re-run. `pip install .` alone is the library without the server.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8866
CHROMIUM ?= /usr/bin/chromium

.PHONY: dashboard test lint chromium fonts hub-deps setup setup-test catalogues messages bench clean

dashboard: setup catalogues
	$(VENV)/bin/pnen-explorer dashboard --port $(PORT)

test: setup-test catalogues chromium fonts hub-deps lint
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

# The interface's translations: each .po catalogue compiled to the .mo gettext reads (never
# edited by hand; the wheel build compiles them too, see hatch_build.py).
LOCALE     := pnen_explorer/locale
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard $(LOCALE)/*/LC_MESSAGES/*.po))

catalogues: $(CATALOGUES)

$(LOCALE)/%.mo: $(LOCALE)/%.po | $(VENV)/.installed
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@

# After changing an interface string: extract every string into the template and bring each
# catalogue up to date (new strings empty, removed ones dropped); then translate the empties.
messages: setup-test
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output \
		--project pnen-explorer -o $(LOCALE)/pnen_explorer.pot pnen_explorer
	$(VENV)/bin/pybabel update -i $(LOCALE)/pnen_explorer.pot -d $(LOCALE) -D pnen_explorer \
		--no-fuzzy-matching --ignore-obsolete
	sed -i '1,/^msgid ""$$/{/^#, fuzzy$$/d}' $(LOCALE)/*/LC_MESSAGES/*.po  # the header is no guess

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

# A CJK font, so that Chinese text renders in the browser tests and screenshots (Debian's
# fonts-noto-cjk; the page asks for it by name and falls back to the system's Chinese fonts).
fonts:
	@if ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's fonts-noto-cjk for Chinese text..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
		else \
			echo "Chinese text needs a CJK font: run 'sudo apt-get install fonts-noto-cjk'."; \
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
