// gain.comp: the task excitability of every spine, g_k = 1 + beta * max(vm(phi_k - A),
// vm(phi_k - B)) with B = A + pi/2 (docs/model.md section 5.1). Run once when the task
// orientation changes, not per step, so it may use vmCR: the result equals
// engine.TaskGain bit for bit. One invocation per spine.

layout(local_size_x = 256) in;

layout(std430, binding = BIND_PHI) readonly buffer SpinePhi { float phi[]; };
layout(std430, binding = BIND_GAIN) writeonly buffer SpineGain { float gain[]; };

uniform float uKappa;
uniform float uBeta;
uniform float uTaskA;  // orientation A (rad)
uniform float uHalfPi; // float32(pi/2), as Go rounds the constant

void main() {
    uint k = invocationIndex();
    if (k >= uInvocationCount) {
        return;
    }
    precise float da = phi[k] - uTaskA;
    precise float db = da - uHalfPi;
    float va = vmCR(da, uKappa);
    float vb = vmCR(db, uKappa);
    precise float g = 1.0 + uBeta * max(va, vb);
    gain[k] = g;
}
