# Two set-up commands: `make run` and `make test`. Both create .venv when needed and are quiet when nothing changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench app demo-data clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## make run: install, then the whole loop on the embedded demo data
run: $(STAMP)
	$(BIN)/workbench demo

## system-deps: Debian packages the tests use: Chromium (browser tests of the apps and reports, driven by Playwright),
## CJK fonts (Chinese rendering and PDF tests), Java (PySpark local mode) and R's psych (peer check of the
## range-restriction corrections). Installed with apt when running as root (CI); otherwise the tests that need them skip and say why.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then $(call apt_install,chromium,); fi
	@if ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then $(call apt_install,fonts-noto-cjk,--no-install-recommends); fi
	@if ! command -v java >/dev/null 2>&1; then $(call apt_install,default-jre-headless,--no-install-recommends); fi
	@if ! { command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(psych)' >/dev/null 2>&1; }; then \
	  $(call apt_install,r-cran-psych,--no-install-recommends); fi

# $(call apt_install,PACKAGES,FLAGS): apt-get install as root (retrying after an update), else a note.
define apt_install
if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
  echo "installing $(1) with apt-get"; \
  apt-get install -y -qq $(2) $(1) >/dev/null 2>&1 || \
  { apt-get update -qq >/dev/null && apt-get install -y -qq $(2) $(1) >/dev/null; }; \
else echo "note: $(1) missing and not root: the tests that need it will skip"; fi
endef

## make test: install, then the whole test suite (slow and browser tests included)
test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

## make app: the Voila apps on http://127.0.0.1:8866 (live feedback, weight tuner, audit viewer)
app: $(STAMP)
	$(BIN)/workbench serve

## make bench: speed and memory benchmarks (not tests)
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

## make demo-data: regenerate datasets/demo with the fixed seed
demo-data: $(STAMP)
	$(BIN)/workbench simulate --demo --out datasets/demo

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks
