# jydesk — set-up, run, test and benchmarks. `make run` and `make test` are all the set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

DIST_STAMP := $(VENV)/.installed-dist

.PHONY: run test bench lint install clean screenshot wheel dist smoke-wheel smoke-dist

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[server,dev]"
	touch $(STAMP)

install: $(STAMP)

# The demo login (documented in the README) for the CLI step; the app asks for it in its login dialog.
run: $(STAMP)
	JYDESK_USER=demo JYDESK_PASSWORD=jydesk-demo $(BIN)/jydesk demo-data --households 300 --seed 1 --if-empty
	$(BIN)/jydesk

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The README's screenshot, under a real X display (Debian's xvfb).
screenshot: $(STAMP)
	xvfb-run -a -s "-screen 0 1600x1000x24" $(BIN)/python -m jydesk.ui.shell.screenshot docs/screenshot-main.png

# The wheel, dist/jydesk-<version>-py3-none-any.whl, built as `pip install .` builds it (forms/ and
# resources/ inside, as jydesk/_data); build/lib is setuptools' scratch, stale modules would ship.
wheel: $(STAMP)
	rm -rf build/lib build/bdist.*
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .

# The desktop bundle dist/jydesk/ (PyInstaller, packaging/jydesk.spec): runs without Python.
# Windows build steps: packaging/README.md.
$(DIST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[server,dev,dist]"
	touch $(DIST_STAMP)

dist: $(DIST_STAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/jydesk.spec

# The built wheel installed into a fresh virtualenv outside the checkout, every command tried.
smoke-wheel:
	$(PYTHON) packaging/smoke_wheel.py

# The bundle under Xvfb: starts, shows its login window, prints a blank form.
smoke-dist: dist
	$(PYTHON) packaging/smoke_bundle.py dist/jydesk
