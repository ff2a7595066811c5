// decay.comp: the end of a segment (engine.CPU.endSegment), with factors that
// engine.Params.SegmentDecayOf computes on the host as the CPU backend does.
// Every stored e is multiplied by uEScale: the segment's lazy decay D folded
// into e, times the inter-trial decay of e (model.EScale.End; D alone when the
// host folds D inside a long segment). With uITI, an analytic inter-trial
// interval of length T: s relaxes towards its blank-screen value by fs =
// exp(-T / tau_s), the coincidence traces decay by fc, and b follows the exact
// OU transition with the Normal of (neuron, step, ITI). With uLearnW, w decays
// by exp(-lambda_w T_segment). One invocation per index in [0, max(S, E, N)).

layout(local_size_x = 256) in;

layout(std430, binding = BIND_S) buffer SpineS { float s[]; };
layout(std430, binding = BIND_TRACE) buffer SpineTrace { float trace[]; };
layout(std430, binding = BIND_EDGE_STATE) buffer EdgeState { vec2 we[]; }; // (w, e)
layout(std430, binding = BIND_BG) buffer NeuronBackground { float bg[]; };

uniform uvec2 uKey;
uniform uvec2 uStep;   // the step after the segment's last
uniform uint uSpines;
uniform uint uEdges;
uniform uint uNeurons;
uniform uint uITI;     // 1: the inter-trial factors apply
uniform uint uLearnW;  // 1: w decays
uniform float uSBlank; // blank-screen s
uniform float uFs;     // exp(-T / tau_s)
uniform float uEScale; // factor of every stored e (model.EScale.End)
uniform float uFc;     // exp(-T / tau_c)
uniform float uFw;     // exp(-T_segment lambda_w)
uniform float uFb;     // exp(-T / tau_b)
uniform float uNb;     // sd_b sqrt(1 - fb^2)

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
    if (i < uSpines && uITI != 0u) {
        precise float v = uSBlank + (s[i] - uSBlank) * uFs;
        s[i] = flush32(v);
        precise float x = trace[i] * uFc;
        trace[i] = flush32(x);
    }
    if (i < uEdges) {
        vec2 x = we[i];
        x.y = flush32(x.y * uEScale);
        if (uLearnW != 0u) {
            x.x = flush32(x.x * uFw);
        }
        we[i] = x;
    }
    if (i < uNeurons && uITI != 0u) {
        uvec4 wb = rngBlock(uKey, RNG_ITI, uStep, i);
        precise float b = bg[i] * uFb + uNb * rngNormal(wb.x, wb.y);
        bg[i] = b;
    }
}
