# The whole set-up is two commands:  make lab   and   make test
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
EXTRAS := test,torch,bench
PORT  ?= 8888

.PHONY: lab test setup dot chromium unit notebooks browser bench

setup: $(STAMP) dot

# Re-install only when the dependency list changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	@touch $@

# graphviz's `dot` draws the computation graphs.
dot:
	@command -v dot >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing graphviz (dot)..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) >/dev/null; \
	  else \
	    echo "graphviz's 'dot' is missing. Run:  sudo apt-get install -y graphviz   then re-run make."; exit 1; \
	  fi; }

# Debian's chromium for the browser tests (never a downloaded browser). CHROMIUM_PATH overrides.
chromium:
	@if [ -n "$${CHROMIUM_PATH:-}" ]; then test -x "$$CHROMIUM_PATH" || { echo "CHROMIUM_PATH=$$CHROMIUM_PATH is not executable"; exit 1; }; \
	elif ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing chromium for the browser tests..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core) >/dev/null; \
	  else \
	    echo "chromium is missing. Run:  sudo apt-get install -y chromium   (or set CHROMIUM_PATH) then re-run make."; exit 1; \
	  fi; fi

# Opens the lab on 127.0.0.1 with a fresh random token (printed in the URL below).
lab: setup
	@TOKEN=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(24))'); \
	echo "Open http://127.0.0.1:$(PORT)/lab?token=$$TOKEN"; \
	exec $(VENV)/bin/jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
	  --IdentityProvider.token="$$TOKEN" --ServerApp.root_dir=notebooks \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)  # containers often run as root

# Every test: unit tests, nbval over every notebook, browser tests.
test: setup chromium
	$(PY) -m pytest tests --nbval notebooks --nbval-current-env \
	  --nbval-sanitize-with tests/sanitize.cfg -q -rs

unit: setup
	$(PY) -m pytest tests --ignore=tests/browser -q -rs

notebooks: setup
	$(PY) -m pytest --nbval notebooks --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg -q

browser: setup chromium
	$(PY) -m pytest tests/browser -q -rs

bench: setup
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_widgets.py
