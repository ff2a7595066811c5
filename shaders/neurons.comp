// neurons.comp: one step of every neuron (engine.CPU.stepNeurons), one invocation
// per neuron: V_i = mean of its M spines' potentials + b_i, with b_i the exact
// Ornstein-Uhlenbeck update driven by the Normal of (neuron, step, Background),
// taken as the trapezoid mean of the step, (V before + V after)/2, from both
// spine buffers (each summed in spine order, as on the CPU); rate = h_i G rgain
// max(V_i - r0, 0), G the shared gain of the step (a uniform set by the host); when
// recording, Poisson(rate dt) spikes from the Uniform01 of (neuron, step, Spikes)
// are added to this step's bin. The Normal and the Poisson inversion use the cr*
// double-precision helpers so they equal Go's: that is N work per step, not S.
// The fed-back belief (docs/model.md section 7.2) adds uFeedback u_i to V, with u_i
// computed on the host (model.FeedbackU) and uFeedback = 0 without feedback
// (adding +-0 leaves V unchanged).

layout(local_size_x = 64) in;

layout(std430, binding = BIND_S_NEXT) readonly buffer SpineSNext { float s[]; };   // after the step
layout(std430, binding = BIND_S) readonly buffer SpineS { float sOld[]; };            // before it
layout(std430, binding = BIND_BG) buffer NeuronBackground { float bg[]; };
layout(std430, binding = BIND_H) readonly buffer NeuronGain { float h[]; };
layout(std430, binding = BIND_COUNTS) buffer BinCounts { uint counts[]; };
layout(std430, binding = BIND_FB_U) readonly buffer NeuronFeedbackU { float fbU[]; };

uniform uvec2 uKey;
uniform uvec2 uStep;
uniform uint uM;           // spines per neuron
uniform float uHalfInvM;   // float32(0.5) / float32(M), as Go rounds it
uniform float uBgDecay;    // exp(-dt / tau_b)
uniform float uBgNoise;    // sd sqrt(1 - exp(-2 dt / tau_b))
uniform float uShared;     // shared gain G of this step
uniform float uFeedback;   // feedback term F = k_fb m delta of this step
uniform float uRateGain;   // Hz
uniform float uThreshold;  // r0
uniform float uDt;         // s
uniform uint uRecord;      // 1: count spikes
uniform uint uBinOffset;   // bin * N: where this step's bin starts in counts

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
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
    precise float v = (sumOld + sum) * uHalfInvM + (bOld + b) * 0.5 + uFeedback * fbU[i];
    precise float rate = h[i] * uShared * uRateGain * max(v - uThreshold, 0.0);
    if (uRecord != 0u) {
        uvec4 ws = rngBlock(uKey, RNG_SPIKES, uStep, i);
        precise float lambda = rate * uDt;
        int n = rngPoisson(lambda, rngUniform01(ws.x));
        counts[uBinOffset + i] += uint(n);
    }
}
