// Package glbackend is the OpenGL compute backend: Backend implements engine.Backend with the kernels of shaders/: gain.comp (the
// task excitability, when the task orientation changes), prob.comp (each
// spine's afferent growth exp(mean), once per frame), then per step spines.comp
// (afferent events by time rescaling, model.AfferentEvents; coincidence
// traces, lateral gather over the CSR rows, spine potentials; one invocation
// per spine), edges.comp (w and e from the coincidences, for the edges with an
// event; one invocation per edge; e's decay is the host's lazy factor,
// model.EScale) and neurons.comp (potential, background, shared gain, spikes;
// one per neuron, summing its spines in order), and decay.comp for the end of
// a segment (e's factor folded in, an analytic inter-trial interval, the
// structural decay of w). Arrays are std430 structures
// of arrays, with (partner, edge) CSR entries, (A, B) edge ends and (w, e) edge
// state as 8-byte pairs so that a gather fetches each pair in one load. A Run
// uploads the segment's gate values, issues every step in one Do with a
// shader-storage barrier between dependent passes, and reads the spike counts
// (uint32 per bin x neuron on the device) back once. The kernels draw the CPU
// backend's Philox numbers and compute in float32 in its order, marked precise
// so that no multiply-add is fused, and flush the subnormals that decay
// produces as it does (model.Flush32), so that a GPU that flushes them
// (NVIDIA) and one that keeps them (llvmpipe) store the same state; Load refuses, before allocating, a network
// whose arrays exceed GL_MAX_SHADER_STORAGE_BLOCK_SIZE. Buffers exposes the
// spine positions, potentials and edge arrays for a renderer sharing the
// context.
package glbackend
