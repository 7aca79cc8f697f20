# Two commands for a fresh clone: `make run` starts Tidings, `make test` runs the tests.
# Both create or update the local virtualenv in .venv first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
PACKAGE_STAMP := $(VENV)/.installed-package

.PHONY: run test lint screenshots translations server package package-smoke icons release-check \
	bench-peers

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/tidings

server: $(STAMP)
	$(VENV)/bin/tidings-server

# The tests use real services: tests/system_packages.sh installs the Debian packages behind them
# where it can, and the tests find or start the rest (tests/postgres_server.py).
test: $(STAMP)
	tests/system_packages.sh
	$(VENV)/bin/python -m pytest

# Style and types: ruff, then mypy (configured in pyproject.toml, tests included).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Renders the main window with a sample conversation to docs/screenshot-*.png (offscreen).
# The Korean one needs a font with Hangul (Debian: fonts-noto-cjk), and the reactions one with
# colour emoji (Debian: fonts-noto-color-emoji), or they show boxes.
screenshots: $(STAMP)
	@fc-list :lang=ko | grep -q . || { echo "no font with Hangul: install fonts-noto-cjk" >&2; exit 1; }
	@fc-list | grep -qi emoji || { echo "no emoji font: install fonts-noto-color-emoji" >&2; exit 1; }
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python packaging/screenshots.py

# Updates resources/i18n/*.ts from the code's strings and compiles them to .qm.
translations: $(STAMP)
	$(VENV)/bin/python packaging/translations.py

# PyInstaller, for the targets below only: `make run` and `make test` do without it.
$(PACKAGE_STAMP): $(STAMP)
	$(VENV)/bin/python -m pip install --quiet -e '.[dev,package]'
	touch $(PACKAGE_STAMP)

# Builds the desktop app for this platform as one folder, dist/tidings/ (packaging/tidings.spec).
package: $(PACKAGE_STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build packaging/tidings.spec

# Builds the app, then runs the built one with no Python around it: --version and --self-test.
package-smoke: package
	TIDINGS_TEST_PACKAGE=dist/tidings $(VENV)/bin/python -m pytest tests/test_package.py

# Renders resources/tidings.svg to the PNG, ICO and ICNS files in resources/icons/ (offscreen).
icons: $(STAMP)
	$(VENV)/bin/python packaging/icons.py

# What a release must pass: the test suite, the long model-based runs (100 random histories each),
# the benchmark's quick mode (figures in build/bench-quick.json) and the built app's smoke test.
release-check: $(STAMP)
	$(MAKE) test
	TIDINGS_LONG_MODEL=1 $(VENV)/bin/python -m pytest tests/test_model.py tests/test_model_nodes.py
	mkdir -p build
	$(VENV)/bin/tidings-bench --size quick --json build/bench-quick.json
	$(MAKE) package-smoke

# Tidings beside Prosody (docs/performance.md, "Beside Prosody"): Debian's prosody (installed
# here where missing, as root), started by the benchmark itself on loopback, and tidings-bench,
# alternately, three runs each; one table of both, also in build/bench-peers.json and .md.
# `make bench-peers PEERS_ARGS="--runs 1"` for a single run of each.
PEERS_ARGS ?= --runs 3 --size quick
bench-peers: $(STAMP)
	@command -v prosody >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "bench-peers needs Prosody: sudo apt-get install prosody" >&2; exit 1; \
	  fi; \
	  echo "bench-peers: installing prosody" >&2; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends prosody >/dev/null; }
	$(VENV)/bin/python -m syncserver.bench.peers $(PEERS_ARGS) \
	  --json build/bench-peers.json --markdown build/bench-peers.md
