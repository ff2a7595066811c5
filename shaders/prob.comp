// prob.comp: the afferent growth of every spine under one frame, exp(mu_k), with
// mu_k = (rate0 + peak * vm(phi_k - frame) * g_k) * dt (engine/model: EventMean,
// AfferentGrowth) the expected event count per step. The drive changes only
// between frames, so this runs once per frame, not per step, and uses vmCR and
// crExp: the growth, and so the event counts, equal the CPU backend's bit for
// bit. It writes only the growth (x) of each spine's pair and leaves the
// residual (y), which spines.comp advances. One invocation per spine.

layout(local_size_x = 256) in;

layout(std430, binding = BIND_PHI) readonly buffer SpinePhi { float phi[]; };
layout(std430, binding = BIND_GAIN) readonly buffer SpineGain { float gain[]; };
layout(std430, binding = BIND_MEAN) buffer SpineMean { vec2 mean[]; }; // (exp(mu), residual z)

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
    mean[k].x = crExp(mu);
}
