# K-GPU developer commands. Every target installs what it needs on a fresh Debian machine.
PYTHON ?= python3
UV ?= $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")

.PHONY: all install programs test bench demo clean

all: programs

install:
	./scripts/install-system-deps
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen

programs: install
	$(UV) run --frozen python -m kgpu_sbf.addresses --check
	$(UV) run --frozen python -m kgpu_sbf.build
	$(UV) run --frozen python -m kgpu_sbf.spl

test: programs
	$(UV) run --frozen pytest -q

bench: programs
	$(UV) run --frozen python bench/cu.py

demo: programs
	$(UV) run --frozen python -m kgpu.demo

clean:
	rm -rf programs/target
