// dispatch_check.comp (test): hits[i] += 1,
// so that a split 1-D launch can be seen to cover every index exactly once.

layout(local_size_x = 64) in;

layout(std430, binding = 0) buffer DispatchHits { uint hits[]; };

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
    atomicAdd(hits[i], 1u);
}
