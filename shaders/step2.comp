// step2.comp: the second pass of a step, the edges and the neurons in one
// dispatch (they read this step's events, traces and potentials and write
// disjoint arrays, so they need no barrier between them): invocation i steps
// edge i when i < uEdges and neuron i when i < uNeurons.

layout(local_size_x = 256) in;

uniform uint uEdges;
uniform uint uNeurons;

// The edges (cpu.Backend's decay in the spine pass and its event pass), from this step's event counts and coincidence traces: the
// coincidences C = (n_a x_b + n_b x_a - n_a n_b) CNorm (engine.Coincidences);
// the fast efficacy e decays by exp(-dt/tau_e) and jumps by min(j_e C, 1) (1 - e);
// when learning (and formation is not blocked) the structural weight w grows by
// min(eta_w C, 1) (1 - w). w's slow decay is applied once per segment
// (decay.comp). precise: no fused multiply-add, as on the CPU. The edge state is
// one (w, e) pair per edge, so the spines' gather fetches both in one load.

layout(std430, binding = BIND_EVENTS) readonly buffer SpineEvents { uint events[]; };
layout(std430, binding = BIND_TRACE) readonly buffer SpineTrace { float trace[]; };
layout(std430, binding = BIND_EDGE_SPINES) readonly buffer EdgeSpines { ivec2 ends[]; }; // (A, B)
layout(std430, binding = BIND_EDGE_STATE) buffer EdgeState { vec2 we[]; };          // (w, e)

uniform float uEDecay; // exp(-dt / tau_e)
uniform float uJE;     // e jump per coincidence
uniform float uEtaW;   // w growth per coincidence
uniform float uCNorm;  // (2/a) tanh(a/2), a = dt / tau_c
uniform uint uGrow;    // 1: w may grow (learning and formation not blocked)


// The neurons (the end of each neuron in cpu.Backend's spine pass): V_i = mean of its M spines' potentials + b_i, with b_i the exact
// Ornstein-Uhlenbeck update driven by the Normal of (neuron, step, Background),
// taken as the trapezoid mean of the step, (V before + V after)/2, from both
// spine buffers (each summed in spine order, as on the CPU); rate = h_i G rgain
// max(V_i - r0, 0), G the shared gain of the step (a uniform set by the host); when
// recording, Poisson(rate dt) spikes from the Uniform01 of (neuron, step, Spikes)
// are added to this step's bin. The Normal and the Poisson inversion use the cr*
// double-precision helpers so they equal Go's: that is N work per step, not S.

layout(std430, binding = BIND_S_NEXT) readonly buffer SpineSNext { float s[]; };   // after the step
layout(std430, binding = BIND_S) readonly buffer SpineS { float sOld[]; };            // before it
layout(std430, binding = BIND_BG) buffer NeuronBackground { float bg[]; };
layout(std430, binding = BIND_H) readonly buffer NeuronGain { float h[]; };
layout(std430, binding = BIND_COUNTS) buffer BinCounts { uint counts[]; };

uniform uvec2 uKey;
uniform uvec2 uStep;
uniform uint uM;           // spines per neuron
uniform float uHalfInvM;   // float32(0.5) / float32(M), as Go rounds it
uniform float uBgDecay;    // exp(-dt / tau_b)
uniform float uBgNoise;    // sd sqrt(1 - exp(-2 dt / tau_b))
uniform float uShared;     // shared gain G of this step
uniform float uRateGain;   // Hz
uniform float uThreshold;  // r0
uniform float uDt;         // s
uniform uint uRecord;      // 1: count spikes
uniform uint uBinOffset;   // bin * N: where this step's bin starts in counts


void edgeStep(uint ed) {
    ivec2 ab = ends[ed];
    uint na = events[ab.x];
    uint nb = events[ab.y];
    vec2 x = we[ed];
    precise float ee = x.y * uEDecay;
    precise float ww = x.x;
    if ((na | nb) != 0u) {
        float fa = float(na);
        float fb = float(nb);
        precise float co = (fa * trace[ab.y] + fb * trace[ab.x] - fa * fb) * uCNorm;
        ee += min(uJE * co, 1.0) * (1.0 - ee);
        if (uGrow != 0u) {
            ww += min(uEtaW * co, 1.0) * (1.0 - ww);
        }
    }
    we[ed] = vec2(ww, ee);
}

void neuronStep(uint i) {
    precise float sum = 0.0;
    precise float sumOld = 0.0;
    uint k0 = i * uM;
    for (uint j = 0u; j < uM; j++) {
        sum += s[k0 + j];
    }
    for (uint j = 0u; j < uM; j++) {
        sumOld += sOld[k0 + j];
    }
    uvec4 wb = rngBlock(uKey, RNG_BACKGROUND, uStep, i);
    float bOld = bg[i];
    precise float b = bOld * uBgDecay + uBgNoise * rngNormal(wb.x, wb.y);
    bg[i] = b;
    precise float v = (sumOld + sum) * uHalfInvM + (bOld + b) * 0.5;
    precise float rate = h[i] * uShared * uRateGain * max(v - uThreshold, 0.0);
    if (uRecord != 0u) {
        uvec4 ws = rngBlock(uKey, RNG_SPIKES, uStep, i);
        precise float lambda = rate * uDt;
        int n = rngPoisson(lambda, rngUniform01(ws.x));
        counts[uBinOffset + i] += uint(n);
    }
}

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
    if (i < uEdges) {
        edgeStep(i);
    }
    if (i < uNeurons) {
        neuronStep(i);
    }
}
