# iplgpu: `make run` runs the default experiment, `make test` the fast tests
# (minutes: before every commit), `make check` everything CI runs. Each
# installs the system packages it needs first (scripts/deps.sh, apt-get).

GO      ?= go
BIN     := bin/iplgpu
export PATH := $(PATH):/usr/local/go/bin
# Headless GL through Mesa's surfaceless EGL platform (llvmpipe without a GPU).
export EGL_PLATFORM ?= surfaceless
# go-gl takes its functions through EGL (-tags egl), so no binary links libGL,
# libGLX or libX11 for them: only the window (GLFW, viz) needs X. NWB export
# and import link the HDF5 C library (-tags hdf5); the headless GPU build
# (scripts/gpu-prepare.sh) leaves it out and refuses NWB files.
export GOFLAGS += -tags=egl,hdf5
# The NWB tests fail rather than skip without pynwb and nwbinspector.
export IPLGPU_REQUIRE_NWB ?= 1

.PHONY: deps build run test check bench vet fmt docs

deps:
	@./scripts/deps.sh

build: deps
	$(GO) build -o $(BIN) ./cmd/iplgpu

# The default experiment on the embedded config: a new run directory under runs/.
run: build
	./$(BIN) run

# The fast tier (go test -short): unit, conformance, GL parity at small
# sizes on llvmpipe (must not skip: IPLGPU_REQUIRE_GL=1), golden, CLI,
# reliability and the fuzz corpora, the window tests under a virtual X server.
# The long science tests and the real Slurm are left to `make check`.
test: deps
	IPLGPU_REQUIRE_GL=1 xvfb-run -a -s "-screen 0 1280x1024x24" $(GO) test -short -count=1 -timeout 20m ./...

# Everything CI runs: gofmt and go vet, then every test, including the long
# science tests (held-out seeds, every prediction's preset) and the sweep
# tests against a real single-node Slurm started for them and stopped after
# (IPLGPU_REQUIRE_SLURM=1: they fail rather than skip without it; the slow
# time-limit requeue test too); then the Python package, installed with pip
# (pip install ./python), and its tests against bin/iplgpu.
check: deps vet build
	IPLGPU_REQUIRE_GL=1 IPLGPU_REQUIRE_SLURM=1 IPLGPU_SLURM_SLOW=1 ./scripts/slurm/with-slurm.sh \
		xvfb-run -a -s "-screen 0 1280x1024x24" $(GO) test -count=1 -timeout 80m ./...
	./scripts/python-test.sh $(BIN)

bench: build
	$(GO) test -run XXX -bench . -benchtime 3x ./engine/
	./$(BIN) bench

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)

# Reruns what README.md and docs/ publish (about two hours on 2 cores; stages
# one by one: scripts/docs.sh seeds) and refills their include blocks.
docs: build
	./scripts/docs.sh
