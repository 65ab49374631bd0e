# The whole set-up is two commands:  make lab   and   make test
SHELL := /bin/bash
# Importing a lesson's my_engine.py must not leave __pycache__/ beside it.
export PYTHONDONTWRITEBYTECODE := 1
VENV  := .venv
PY    := $(VENV)/bin/python
PORT  ?= 8888
# make lab installs only what the lessons need; make test adds the test tools, torch and the peers.
LAB_EXTRAS  := lab
TEST_EXTRAS := lab,test,torch,bench,hub,lint

.PHONY: lab edition test setup setup-test dot chromium unit notebooks browser bench

setup: $(VENV)/.lab-stamp dot
setup-test: $(VENV)/.test-stamp dot

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Re-install only when the dependency list changes.
# jupyter-config/ holds the settings that open the lab with no news or update prompts.
$(VENV)/.lab-stamp: pyproject.toml $(shell find jupyter-config -type f) | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[$(LAB_EXTRAS)]'
	cp -r jupyter-config/etc jupyter-config/share $(VENV)/
	@touch $@

$(VENV)/.test-stamp: $(VENV)/.lab-stamp
	$(PY) -m pip install -q -e '.[$(TEST_EXTRAS)]'
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

# The learner's edition: my_lessons/ (git-ignored), made from notebooks/ with a blank for every
# exercise. Only lessons that are missing are written: a lesson already there (maybe with the
# learner's answers in it) is never touched. Delete one to start it afresh.
LESSONS := my_lessons

edition: setup
	@$(PY) -m backprop_lab.edition notebooks $(LESSONS)

# Opens the lab on the learner's first lesson, on 127.0.0.1 with a fresh random token (printed in
# the URL below). The server's root is the repository, so links between notebooks and to
# ../README.md open, and the solved edition, notebooks/, is one folder up.
lab: edition
	@TOKEN=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(24))'); \
	echo "Open http://127.0.0.1:$(PORT)/lab/tree/$(LESSONS)/01_derivatives.ipynb?token=$$TOKEN"; \
	exec $(VENV)/bin/jupyter lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
	  --IdentityProvider.token="$$TOKEN" --ServerApp.root_dir=. \
	  --LabApp.default_url=/lab/tree/$(LESSONS)/01_derivatives.ipynb \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)  # containers often run as root

# nbval runs on a copy of notebooks/ in a temporary folder, so a test run changes no file of the
# repository (lesson 3 saves my_engine.py beside the lessons; lessons 4-7 load it from there).
IN_A_COPY = tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && mkdir "$$tmp/tests" && \
	cp -r notebooks "$$tmp/" && rm -rf "$$tmp/notebooks/$(LESSONS)" "$$tmp/notebooks/my_engine.py" && \
	cp tests/sanitize.cfg "$$tmp/tests/" && cd "$$tmp"
PYTEST := $(CURDIR)/$(PY) -m pytest -c $(CURDIR)/pyproject.toml --rootdir=$(CURDIR)

# Every test: unit tests, nbval over every notebook, browser tests, the classroom hub (N = 3).
# Also the learner's edition: made with nbgrader and with backprop_lab.edition (the same notebooks),
# run with its blanks (only the stubs' own errors), and autograded (full marks solved, zero blank).
test: setup-test chromium proxy
	@$(IN_A_COPY) && $(PYTEST) $(CURDIR)/tests --nbval notebooks --nbval-current-env \
	  --nbval-sanitize-with tests/sanitize.cfg -q -rs

unit: setup-test
	$(PY) -m pytest tests --ignore=tests/browser -m 'not slow' -q -rs

notebooks: setup-test
	@$(IN_A_COPY) && $(PYTEST) --nbval notebooks --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg -q

browser: setup-test chromium
	$(PY) -m pytest tests/browser -q -rs

bench: setup-test proxy
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_widgets.py
	$(PY) benchmarks/bench_browser.py
	$(PY) benchmarks/bench_graph.py --compare
	$(PY) benchmarks/bench_classroom.py

# ---- JupyterHub for a class on this machine (deploy/, docs/teaching.md) -----------------------
# `make hub` listens on 127.0.0.1:$(HUB_PORT) only and prints how to log in. HUB_ARGS passes more
# options to deploy/classroom.py, e.g. HUB_ARGS='--idle-timeout 1800' or '--no-solutions' while a
# lesson is graded (--help lists them). Run as root (sudo make hub), learners are kept apart.
HUB_PORT ?= 8000
HUB_ARGS ?=
.PHONY: hub proxy course-release course-collect course-autograde course-feedback course-report course-grade

hub: $(VENV)/.hub-stamp dot proxy
	$(PY) deploy/classroom.py --port $(HUB_PORT) $(HUB_ARGS)

# The graded course on that hub (deploy/course.py), one lesson at a time: LESSON=3 (or its full name).
#   make course-release LESSON=3   learners then fetch it in JupyterLab's Assignments panel
#   make course-grade LESSON=3     collect, autograde, release feedback, print who passed what
# Each step alone: course-collect, course-autograde, course-feedback, course-report.
# HUB_STATE is the hub's state folder if it is not deploy/state (--state).
HUB_STATE ?= deploy/state
course-release course-collect course-autograde course-feedback course-report course-grade: $(VENV)/.hub-stamp
	@test -n "$(LESSON)" || { echo "Name the lesson: make $@ LESSON=3"; exit 1; }
	$(PY) deploy/classroom.py course $(@:course-%=%) $(LESSON) --state $(HUB_STATE)

$(VENV)/.hub-stamp: $(VENV)/.lab-stamp
	$(PY) -m pip install -q -e '.[lab,hub]'
	@touch $@

# configurable-http-proxy from npm, pinned by deploy/package-lock.json, into deploy/node_modules.
proxy: deploy/node_modules/.bin/configurable-http-proxy

deploy/node_modules/.bin/configurable-http-proxy: deploy/package.json deploy/package-lock.json
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Node.js and npm (for JupyterHub's proxy)..."; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >/dev/null; \
	  else \
	    echo "npm is missing. Run:  sudo apt-get install -y nodejs npm   then re-run make."; exit 1; \
	  fi; }
	npm ci --prefix deploy --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@
