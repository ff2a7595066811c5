// prob.comp: the afferent event probability of every spine under one frame,
// p_k = clamp(p0 + pmax * vm(phi_k - frame) * g_k, 0, 1) (engine.EventProb). The
// drive changes only between frames, so this runs once per frame, not per step,
// and uses vmCR: the probabilities, and so the events, equal the CPU backend's bit
// for bit. One invocation per spine.

layout(local_size_x = 256) in;

layout(std430, binding = BIND_PHI) readonly buffer SpinePhi { float phi[]; };
layout(std430, binding = BIND_GAIN) readonly buffer SpineGain { float gain[]; };
layout(std430, binding = BIND_PROB) writeonly buffer SpineProb { float prob[]; };

uniform float uP0;
uniform float uPmax;
uniform float uKappa;
uniform float uFrame; // frame orientation (rad)
uniform uint uBlank;  // 1: blank screen (the host's NaN frame), p = clamp(p0)
uniform uint uTask;   // 1: multiply by the task gain

void main() {
    uint k = invocationIndex();
    if (k >= uInvocationCount) {
        return;
    }
    if (uBlank != 0u) {
        prob[k] = min(max(uP0, 0.0), 1.0);
        return;
    }
    float g = uTask != 0u ? gain[k] : 1.0;
    precise float x = phi[k] - uFrame;
    float v = vmCR(x, uKappa);
    precise float p = uP0 + uPmax * v * g;
    prob[k] = min(max(p, 0.0), 1.0);
}
