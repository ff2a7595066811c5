// spines.comp: one step of every spine (docs/model.md sections 5 and 6, cpu.Backend's spine
// pass). One invocation per spine: advance the afferent residual z_k by the
// frame's growth exp(mu_k) and count the events while z_k >= 1, each with a
// fresh uniform of the Philox block (spine, step, Afferent | j << shift)
// (model.AfferentEvents: n_k ~ Poisson(mu_k)); advance the coincidence trace
// x_k = x_k exp(-dt/tau_c) + n_k; gather the lateral input over the spine's CSR
// row in ascending partner order (no atomics: the sum has the CPU's order) from
// w times the stored e, scaled once by gate x D (model.EScale); and advance
// s_k = s_k SDecay + SLat L_k + Q n_k (the exact exponential step with L held
// over the step; engine.Params). It reads s of the
// previous step (SpineS) and writes the next (SpineSNext): the host swaps the two
// buffers. Every float is float32 with no fused multiply-add (precise), as on the
// CPU, and the stores that decay can take below the normal range are flushed
// (flush32).

layout(local_size_x = 256) in;

layout(std430, binding = BIND_MEAN) buffer SpineMean { vec2 mean[]; }; // (exp(mu) of the frame, residual z)
layout(std430, binding = BIND_S) readonly buffer SpineS { float s[]; };
layout(std430, binding = BIND_S_NEXT) writeonly buffer SpineSNext { float sNext[]; };
layout(std430, binding = BIND_EVENTS) writeonly buffer SpineEvents { uint events[]; };
layout(std430, binding = BIND_TRACE) buffer SpineTrace { float trace[]; };
layout(std430, binding = BIND_ROW_PTR) readonly buffer CSRRowPtr { int rowPtr[]; };
layout(std430, binding = BIND_CSR) readonly buffer CSREntries { ivec2 entry[]; }; // (partner, edge)
layout(std430, binding = BIND_EDGE_STATE) readonly buffer EdgeState { vec2 we[]; };  // (w, e)
layout(std430, binding = BIND_GATE) readonly buffer SegmentGate { float gate[]; };

uniform uvec2 uKey;      // Philox key
uniform uvec2 uStep;     // global step (low, high word)
uniform uint uT;         // step index within the segment (gate[uT])
uniform float uD;        // the lazy decay of every e at the step's start (model.EScale)
uniform float uSDecay;   // exp(-dt / tau_s)
uniform float uSLat;     // 1 - exp(-dt / tau_s)
uniform float uQ;        // jump of s per event
uniform float uCDecay;   // exp(-dt / tau_c)
uniform float uGLat;     // lateral gain
uniform uint uLateral;   // 0: L = 0 (lateral spread blocked or g_lat = 0)
uniform uint uDiffusive; // 1: diffusive coupling, 0: additive

void main() {
    uint k = invocationIndex();
    if (k >= uInvocationCount) {
        return;
    }
    vec2 gz = mean[k];
    precise float z = gz.y * gz.x;
    int n = 0;
    if (z >= 1.0) {
        uvec4 wd;
        while (z >= 1.0 && n < RNG_POISSON_MAX) {
            if ((n & 3) == 0) {
                wd = rngBlock(uKey, RNG_AFFERENT | (uint(n >> 2) << RNG_AFFERENT_BLOCK_SHIFT), uStep, k);
            }
            z = z * rngUniformExcl(wd[n & 3]);
            n++;
        }
    }
    mean[k].y = z;
    events[k] = uint(n);
    float fn = float(n);
    precise float xk = trace[k] * uCDecay + fn;
    trace[k] = flush32(xk);
    float sk = s[k];
    precise float lat = 0.0;
    if (uLateral != 0u) {
        precise float gd = gate[uT] * uD;
        precise float num = 0.0;
        precise float den = 0.0;
        int j1 = rowPtr[k + 1u];
        for (int j = rowPtr[k]; j < j1; j++) {
            ivec2 pe = entry[j];
            vec2 x = we[pe.y];
            precise float alpha = flush32(x.x * x.y);
            num += alpha * s[pe.x];
            den += alpha;
        }
        num = flush32(gd * num);
        den = flush32(gd * den);
        precise float x = uDiffusive != 0u ? uGLat * (num - den * sk) : uGLat * num;
        // max(1, den) = 1 leaves x exact; dividing only above 1 also
        // spares most spines the division, which is correctly rounded (crDiv)
        // as Go's: a GPU's a / b may be off by ulps.
        lat = flush32(den > 1.0 ? crDiv(x, den) : x);
    }
    precise float sn = sk * uSDecay + uSLat * lat + uQ * fn;
    sNext[k] = flush32(sn);
}
