// Package gl is iplgpu's OpenGL layer: a headless GL 4.3+ core context on one
// locked OS thread, shader storage buffers, compute programs built from the
// shaders package, split 1-D dispatches, GPU timers and a copy kernel for the
// bandwidth reference. The GL backend (engine/glbackend) and the window (viz/)
// are built on it; only these three import go-gl.
//
// # Contexts and threads
//
// NewContext creates a context through EGL with no surface and no display server.
// It tries, in order: hardware EGL devices (EGL_EXT_platform_device: NVIDIA's
// route, or Mesa with a GPU), Mesa's surfaceless platform
// (EGL_PLATFORM_SURFACELESS_MESA), software EGL devices, then
// EGL_DEFAULT_DISPLAY (set EGL_PLATFORM=surfaceless for Mesa there). It asks
// for OpenGL 4.3 core and fails, saying what was found and what is needed, when
// there is none. Info tells the renderer and whether it is a software one
// (llvmpipe: -backend auto then picks the CPU backend); Probe reads it without
// keeping a context. Several Contexts may live in one process.
//
// A Context owns one goroutine locked to its OS thread, and every GL call runs
// there: Do(f) hands f to that thread and waits. Every method of Buffer, Program
// and Timer, and the Context methods that say so, must be called inside f; called
// from elsewhere they panic rather than issue GL calls to no context. Do inside f
// runs directly (no deadlock); a panic inside f is re-raised in Do's caller.
// Info, Limits, CopyBandwidth, Do and Close may be called from any goroutine. The
// zero Context is not usable. Objects die with their Context.
//
// # Errors and panics
//
// What the machine or the data decides (no GL, a too-old GL, a buffer over
// GL_MAX_SHADER_STORAGE_BLOCK_SIZE, out of GPU memory, a shader that does not
// compile) returns an error that says what was asked for, what the limit or the
// driver's message is, and where. Programmer mistakes (a range outside a buffer,
// a binding past the limit, GL calls outside Do, a 2-D program in Dispatch1D)
// panic. GL records most errors instead of returning them; the bulk operations
// (NewBuffer, uploads, downloads, program builds) check, and CheckError reports
// what else is pending.
//
// # Programs
//
// A compute program is "#version 430", the #defines this package adds
// (RNG_<PURPOSE> from engine/rng's Purpose values, RNG_POISSON_MAX), the
// caller's #defines in name order, shaders/common.glsl, then the .comp body, with
// #line directives so that compiler messages come back as file:line:column of
// common.glsl or the .comp. NewProgram takes an embedded .comp; CompileCompute
// takes any source (tests use testdata/). Both go through CompileProgram, which
// compiles any Stages (viz's vertex and fragment shaders too) from a prelude and
// named source pieces, maps the info log's source numbers back to those names
// and links the stages. Storage blocks are std430 with explicit
// layout(binding = N); Program.Bind binds a Buffer by block name so Go need not
// repeat N. Uniform setters ignore uniforms the compiler dropped, as GL does.
//
// # Dispatch
//
// Program.Dispatch1D(n) runs invocationIndex() over [0, n) (common.glsl), in
// several glDispatchCompute calls with uInvocationBase set when n needs more work
// groups than GL_MAX_COMPUTE_WORK_GROUP_COUNT. Kernels start with
// "uint i = invocationIndex(); if (i >= uInvocationCount) return;". Barriers
// between dependent launches are the caller's (Context.Barrier); downloads and
// uploads order themselves after earlier shader writes.
//
// # Random numbers and float rounding
//
// common.glsl's Philox4x32-10, rngUniform01, rngUniformOpen and rngUniformExcl equal engine/rng's
// bit for bit. rngNormal and rngPoisson use common.glsl's cr* functions (crLog,
// crCos, crExp, crSqrt, crDiv: double precision rounded once to float32), which
// give Go's float32(math.F(float64(x))) except in ties too rare to have been seen
// in the tests' millions of draws; the GPU's own float log, cos and exp would not
// (llvmpipe's cos alone made 38% of normals differ); their doubles are precise,
// so no driver fuses them differently. GPUs flush float32 subnormals
// to zero where Go keeps them: rngPoisson differs from rng.Poisson for
// lambda > 87, far outside the model's range, and the kernels flush the
// subnormals of the state themselves (flush32, model.Flush32, as the CPU
// backend does), so that both kinds of device store the same bits.
//
// # Linking
//
// Built with -tags egl (the Makefile's GOFLAGS), go-gl links libEGL, not libGL:
// the package then needs no X library to load, and a program without the
// window (cmd/iplgpu with -tags nowindow, the test binaries) runs on a machine
// that has none.
//
// # Timing
//
// Timer wraps a GL_TIME_ELAPSED query; on software renderers, whose queries do
// not time compute work, it falls back on glFinish and the wall clock.
// CopyBandwidth times shaders/copy.comp and reports read plus write GB/s, the
// reference a step's achieved bandwidth is compared with.
//
// # Tests
//
// The tests share one Context made in TestMain (setting EGL_PLATFORM=surfaceless
// when unset; package gltest does the same for the packages built on this one) and run on Mesa llvmpipe where there is no GPU. Without any GL 4.3
// context they skip with the reason, unless IPLGPU_REQUIRE_GL=1 (CI), where they
// fail.
package gl
