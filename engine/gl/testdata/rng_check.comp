// rng_check.comp (test): for element uElementBase + i at step uStep, purpose
// uPurpose, writes the Philox block and the floats engine/rng derives from it:
// (Uniform01(w.x), UniformOpen(w.y), Normal(w.z, w.w), Poisson(lambda_i, Uniform01(w.x)))
// with lambda_i = (i mod 8192) / 128, in [0, 64): every value once near zero
// and up to the cap RNG_POISSON_MAX.

layout(local_size_x = 64) in;

layout(std430, binding = 0) writeonly buffer CheckWords { uvec4 words[]; };
layout(std430, binding = 1) writeonly buffer CheckFloats { vec4 floats[]; };

uniform uvec2 uKey;
uniform uvec2 uStep;
uniform uint uPurpose;
uniform uint uElementBase;

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
    uvec4 w = rngBlock(uKey, uPurpose, uStep, uElementBase + i);
    words[i] = w;
    float lambda = float(i & 8191u) * (1.0 / 128.0);
    floats[i] = vec4(rngUniform01(w.x), rngUniformOpen(w.y), rngNormal(w.z, w.w),
                     float(rngPoisson(lambda, rngUniform01(w.x))));
}
