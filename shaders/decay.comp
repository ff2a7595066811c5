// decay.comp: the analytic inter-trial interval of length T (engine.CPU.decay):
// s relaxes towards p0 by fs = exp(-T / tau_s), e decays by fe, w by fw when
// learning, and b follows the exact OU transition with the Normal of
// (neuron, step, ITI). The factors are float32 values computed on the host as
// the CPU backend computes them. One invocation per index in [0, max(S, E, N)).

layout(local_size_x = 256) in;

layout(std430, binding = BIND_S) buffer SpineS { float s[]; };
layout(std430, binding = BIND_EDGE_STATE) buffer EdgeState { vec2 we[]; }; // (w, e)
layout(std430, binding = BIND_BG) buffer NeuronBackground { float bg[]; };

uniform uvec2 uKey;
uniform uvec2 uStep;   // the step after the segment's last
uniform uint uSpines;
uniform uint uEdges;
uniform uint uNeurons;
uniform uint uLearn;   // 1: w decays too
uniform float uP0;
uniform float uFs;     // exp(-T / tau_s)
uniform float uFe;     // exp(-T / tau_e)
uniform float uFw;     // exp(-T lambda_w)
uniform float uFb;     // exp(-T / tau_b)
uniform float uNb;     // sd_b sqrt(1 - fb^2)

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
    if (i < uSpines) {
        precise float v = uP0 + (s[i] - uP0) * uFs;
        s[i] = v;
    }
    if (i < uEdges) {
        vec2 x = we[i];
        x.y = x.y * uFe;
        if (uLearn != 0u) {
            x.x = x.x * uFw;
        }
        we[i] = x;
    }
    if (i < uNeurons) {
        uvec4 wb = rngBlock(uKey, RNG_ITI, uStep, i);
        precise float b = bg[i] * uFb + uNb * rngNormal(wb.x, wb.y);
        bg[i] = b;
    }
}
