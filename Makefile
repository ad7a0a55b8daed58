# HeteroTrack developer entry points. Both main targets are idempotent:
# the virtual environment is (re)built only when missing or when pyproject.toml changes.
#   make demo   set up .venv and run the application on the built-in demo
#               (headless render into out/demo when there is no display)
#   make test   set up .venv (dev + vot extras) and .venv-vot (the VOT toolkit client), run the tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.heterotrack-installed
# The VOT toolkit client, kept apart: it pulls opencv-python, which clashes with our OpenCV build.
VOT_VENV  ?= .venv-vot
VOT_STAMP := $(VOT_VENV)/.vot-installed
# Installed before the project so pip never resolves a multi-GB CUDA build here.
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup demo test vot-client clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[setup] installing $(TORCH_SPEC) (CPU) and HeteroTrack into $(VENV)"
	$(BIN)/python -m pip install -q --disable-pip-version-check "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,vot]'
	@touch $@

vot-client: $(VOT_STAMP)

$(VOT_STAMP):
	@test -x $(VOT_VENV)/bin/python || $(PYTHON) -m venv $(VOT_VENV)
	@echo "[setup] installing the VOT toolkit client into $(VOT_VENV)"
	$(VOT_VENV)/bin/python -m pip install -q --disable-pip-version-check vot-toolkit vot-trax attributee==0.1.9
	@touch $@

demo: $(STAMP)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(BIN)/heterotrack gui --demo; \
	else \
		echo "[demo] no display found: rendering and tracking the headless demo (5 s of video)"; \
		$(BIN)/heterotrack demo --out out/demo --frames 150; \
	fi

# pytest exit code 5 means "no tests collected": for us that is a broken suite, so it fails loudly.
test: $(STAMP) $(VOT_STAMP)
	@QT_QPA_PLATFORM=offscreen HETEROTRACK_VOT=$(abspath $(VOT_VENV))/bin/vot $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "[test] pytest collected no tests: treating as failure"; exit 1; fi; \
	exit $$rc

clean:
	rm -rf $(VENV) $(VOT_VENV) out .pytest_cache
