// prob.comp: the expected afferent event count per step of every spine under one
// frame, mu_k = (rate0 + peak * vm(phi_k - frame) * g_k) * dt (engine.EventMean),
// and exp(-mu_k) (engine.ExpNeg), the probability of no event. The drive changes
// only between frames, so this runs once per frame, not per step, and uses vmCR
// and crExp: the means, and so the event counts, equal the CPU backend's bit for
// bit. One invocation per spine.

layout(local_size_x = 256) in;

layout(std430, binding = BIND_PHI) readonly buffer SpinePhi { float phi[]; };
layout(std430, binding = BIND_GAIN) readonly buffer SpineGain { float gain[]; };
layout(std430, binding = BIND_MEAN) writeonly buffer SpineMean { vec2 mean[]; }; // (mu, exp(-mu))

uniform float uRate0; // Hz
uniform float uPeak;  // Hz
uniform float uDt;    // s
uniform float uKappa;
uniform float uFrame; // frame orientation (rad)
uniform uint uBlank;  // 1: blank screen (the host's NaN frame), mu = rate0 dt
uniform uint uTask;   // 1: multiply by the task gain

void main() {
    uint k = invocationIndex();
    if (k >= uInvocationCount) {
        return;
    }
    precise float mu;
    if (uBlank != 0u) {
        mu = uRate0 * uDt;
    } else {
        float g = uTask != 0u ? gain[k] : 1.0;
        precise float x = phi[k] - uFrame;
        float v = vmCR(x, uKappa);
        mu = (uRate0 + uPeak * v * g) * uDt;
    }
    mean[k] = vec2(mu, crExp(-mu));
}
