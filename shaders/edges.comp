// edges.comp: one step of every IPL edge (engine.CPU.stepEdges), one invocation
// per edge, from this step's afferent events: the fast efficacy e decays and jumps
// by j_e (1 - e) on a co-activation; when learning, the structural weight w decays
// by lambda_w dt and, unless formation is blocked, grows by eta_w (1 - w) on a
// co-activation. precise: no fused multiply-add, as on the CPU. The edge state is
// one (w, e) pair per edge, so the spines' gather fetches both in one load.

layout(local_size_x = 256) in;

layout(std430, binding = BIND_EVENTS) readonly buffer SpineEvents { uint events[]; };
layout(std430, binding = BIND_EDGE_SPINES) readonly buffer EdgeSpines { ivec2 ends[]; }; // (A, B)
layout(std430, binding = BIND_EDGE_STATE) buffer EdgeState { vec2 we[]; };          // (w, e)

uniform float uEDecay; // exp(-dt / tau_e)
uniform float uJE;     // e jump per co-activation
uniform float uWDecay; // lambda_w dt
uniform float uEtaW;   // w growth per co-activation
uniform uint uLearn;   // 1: structural plasticity on
uniform uint uGrow;    // 1: w may grow (learning and formation not blocked)

void main() {
    uint ed = invocationIndex();
    if (ed >= uInvocationCount) {
        return;
    }
    ivec2 ab = ends[ed];
    bool co = (events[ab.x] & events[ab.y]) == 1u;
    vec2 x = we[ed];
    precise float ee = x.y * uEDecay;
    if (co) {
        ee += uJE * (1.0 - ee);
    }
    precise float ww = x.x;
    if (uLearn != 0u) {
        ww -= uWDecay * ww;
        if (co && uGrow != 0u) {
            ww += uEtaW * (1.0 - ww);
        }
    }
    we[ed] = vec2(ww, ee);
}
