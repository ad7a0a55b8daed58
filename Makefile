# HeteroTrack developer entry points. Both main targets are idempotent:
# the virtual environment is (re)built only when missing or when pyproject.toml changes.
#   make demo   set up .venv and run the application on the built-in demo
#               (headless render into out/demo when there is no display)
#   make test   set up .venv with the dev and vot extras and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.heterotrack-installed
# Installed before the project so pip never resolves a multi-GB CUDA build here.
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup demo test clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[setup] installing $(TORCH_SPEC) (CPU) and HeteroTrack into $(VENV)"
	$(BIN)/python -m pip install -q --disable-pip-version-check "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,vot]'
	@touch $@

demo: $(STAMP)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(BIN)/heterotrack gui --demo; \
	else \
		echo "[demo] no display found: rendering the headless demo"; \
		$(BIN)/heterotrack demo --out out/demo; \
	fi

# pytest exit code 5 means "no tests collected": for us that is a broken suite, so it fails loudly.
test: $(STAMP)
	@QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "[test] pytest collected no tests: treating as failure"; exit 1; fi; \
	exit $$rc

clean:
	rm -rf $(VENV) out .pytest_cache
