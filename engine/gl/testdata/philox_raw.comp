// philox_raw.comp (test): out[i] = philox4x32(ctr[i], key[i].xy), for the
// Random123 known-answer vectors and arbitrary counters and keys.

layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer RawCtr { uvec4 ctr[]; };
layout(std430, binding = 1) readonly buffer RawKey { uvec4 key[]; };
layout(std430, binding = 2) writeonly buffer RawOut { uvec4 words[]; };

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
    words[i] = philox4x32(ctr[i], key[i].xy);
}
