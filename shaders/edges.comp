// edges.comp: one step of every IPL edge with an event at either end
// (cpu.Backend's event pass), one invocation per edge, from this step's event
// counts and coincidence traces: the coincidences C = (n_a x_b + n_b x_a -
// n_a n_b) CNorm (model.Coincidences); the fast efficacy e, stored as e / D
// (model.EScale: its decay by exp(-dt/tau_e) per step is the host's factor D),
// is read as stored x D, jumps by min(j_e C, 1) (1 - e) and is stored as e x
// 1/D; when learning (and formation is not blocked) the structural weight w
// grows by min(eta_w C, 1) (1 - w). An edge without events is not written. w's
// slow decay, and the folding of D into e, are applied once per segment
// (decay.comp). precise: no fused multiply-add, as on the CPU. The edge state is
// one (w, e) pair per edge, so the spines' gather fetches both in one load.

layout(local_size_x = 256) in;

layout(std430, binding = BIND_EVENTS) readonly buffer SpineEvents { uint events[]; };
layout(std430, binding = BIND_TRACE) readonly buffer SpineTrace { float trace[]; };
layout(std430, binding = BIND_EDGE_SPINES) readonly buffer EdgeSpines { ivec2 ends[]; }; // (A, B)
layout(std430, binding = BIND_EDGE_STATE) buffer EdgeState { vec2 we[]; };          // (w, e)

uniform float uD;      // the lazy decay of e after this step (model.EScale)
uniform float uInvD;   // float32(1 / uD)
uniform float uJE;     // e jump per coincidence
uniform float uEtaW;   // w growth per coincidence
uniform float uCNorm;  // (2/a) tanh(a/2), a = dt / tau_c
uniform uint uGrow;    // 1: w may grow (learning and formation not blocked)

void main() {
    uint ed = invocationIndex();
    if (ed >= uInvocationCount) {
        return;
    }
    ivec2 ab = ends[ed];
    uint na = events[ab.x];
    uint nb = events[ab.y];
    if ((na | nb) == 0u) {
        return;
    }
    vec2 x = we[ed];
    float fa = float(na);
    float fb = float(nb);
    precise float co = flush32((fa * trace[ab.y] + fb * trace[ab.x] - fa * fb) * uCNorm);
    // Every term is >= 0: only the products by factors below 1 can fall below
    // the normal range (flush32, as the CPU backend).
    precise float ee = flush32(x.y * uD);
    precise float je = flush32(min(uJE * co, 1.0) * (1.0 - ee));
    ee = (ee + je) * uInvD;
    precise float ww = x.x;
    if (uGrow != 0u) {
        precise float gw = flush32(min(uEtaW * co, 1.0) * (1.0 - ww));
        ww = ww + gw;
    }
    we[ed] = vec2(ww, ee);
}
