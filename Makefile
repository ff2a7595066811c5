# iplgpu: `make run` runs the default experiment, `make test` runs every test.
# Both install the system packages they need first (scripts/deps.sh, apt-get).

GO      ?= go
BIN     := bin/iplgpu
export PATH := $(PATH):/usr/local/go/bin
# Headless GL through Mesa's surfaceless EGL platform (llvmpipe without a GPU).
export EGL_PLATFORM ?= surfaceless
# go-gl takes its functions through EGL (-tags egl), so no binary links libGL,
# libGLX or libX11 for them: only the window (GLFW, viz) needs X.
export GOFLAGS += -tags=egl

.PHONY: deps build run test bench vet fmt

deps:
	@./scripts/deps.sh

build: deps
	$(GO) build -o $(BIN) ./cmd/iplgpu

# The default experiment on the embedded config: a new run directory under runs/.
run: build
	./$(BIN) run

# Every test: CPU, GL on llvmpipe (must not skip: IPLGPU_REQUIRE_GL=1), the
# window tests under a virtual X server, and the sweep tests against a real
# single-node Slurm started for the tests and stopped after them
# (IPLGPU_REQUIRE_SLURM=1: they fail rather than skip without it).
test: deps
	IPLGPU_REQUIRE_GL=1 IPLGPU_REQUIRE_SLURM=1 ./scripts/slurm/with-slurm.sh \
		xvfb-run -a -s "-screen 0 1280x1024x24" $(GO) test -count=1 -timeout 60m ./...

bench: build
	$(GO) test -run XXX -bench . -benchtime 3x ./engine/
	./$(BIN) bench

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)
