// spines.comp: one step of every spine (MODEL.md section 4, engine.CPU.stepSpines).
// One invocation per spine: draw the afferent event a_k = [u < p_k] from the
// Philox word of (spine, step, Afferent), gather the lateral input over the spine's
// CSR row in ascending partner order (no atomics: the sum has the CPU's order),
// and advance s_k = s_k + dt/tau_s (-s_k + a_k + L_k). It reads s of the previous
// step (SpineS) and writes the next (SpineSNext): the host swaps the two buffers.
// Every float is float32 with no fused multiply-add (precise), as on the CPU.

layout(local_size_x = 256) in;

layout(std430, binding = BIND_PROB) readonly buffer SpineProb { float prob[]; };
layout(std430, binding = BIND_S) readonly buffer SpineS { float s[]; };
layout(std430, binding = BIND_S_NEXT) writeonly buffer SpineSNext { float sNext[]; };
layout(std430, binding = BIND_EVENTS) writeonly buffer SpineEvents { uint events[]; };
layout(std430, binding = BIND_ROW_PTR) readonly buffer CSRRowPtr { int rowPtr[]; };
layout(std430, binding = BIND_CSR) readonly buffer CSREntries { ivec2 entry[]; }; // (partner, edge)
layout(std430, binding = BIND_EDGE_STATE) readonly buffer EdgeState { vec2 we[]; };  // (w, e)
layout(std430, binding = BIND_GATE) readonly buffer SegmentGate { float gate[]; };

uniform uvec2 uKey;         // Philox key
uniform uvec2 uStep;        // global step (low, high word)
uniform uint uT;            // step index within the segment (gate[uT])
uniform float uStepOverTau; // dt / tau_s
uniform float uGLat;        // lateral gain
uniform uint uLateral;      // 0: L = 0 (lateral spread blocked or g_lat = 0)
uniform uint uDiffusive;    // 1: diffusive coupling, 0: additive

void main() {
    uint k = invocationIndex();
    if (k >= uInvocationCount) {
        return;
    }
    float u = rngUniform01(rngBlock(uKey, RNG_AFFERENT, uStep, k).x);
    bool event = u < prob[k];
    events[k] = event ? 1u : 0u;
    float a = event ? 1.0 : 0.0;
    float sk = s[k];
    precise float lat = 0.0;
    if (uLateral != 0u) {
        float m = gate[uT];
        precise float num = 0.0;
        precise float den = 0.0;
        int j1 = rowPtr[k + 1u];
        for (int j = rowPtr[k]; j < j1; j++) {
            ivec2 pe = entry[j];
            vec2 x = we[pe.y];
            precise float alpha = x.x * m * x.y;
            num += alpha * s[pe.x];
            den += alpha;
        }
        precise float x = uDiffusive != 0u ? uGLat * (num - den * sk) : uGLat * num;
        // max(1, den) = 1 leaves x exact; dividing only above 1 also spares most
        // spines the division.
        lat = den > 1.0 ? x / den : x;
    }
    precise float sn = sk + uStepOverTau * (-sk + a + lat);
    sNext[k] = sn;
}
