// dense_reduce.comp: the second pass of the dense baseline: adds the uChunks
// chunk sums of one block of columns (dense_partial.comp) into y, y[i] = (y[i]
// from the blocks before, or 0 for the first) + sum over k of partial[k N + i].

layout(local_size_x = 256) in;

// Binding points are context state shared by the programs: these continue
// dense_partial.comp's (W 0, x 1, partial 2), so one binding serves both.

layout(std430, binding = 2) readonly buffer DensePartial { float partial[]; };
layout(std430, binding = 3) buffer DenseY { float y[]; };

uniform uint uN;
uniform uint uChunks;
uniform uint uAccumulate; // 0 for the first block of columns

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
    float sum = uAccumulate != 0u ? y[i] : 0.0;
    for (uint k = 0u; k < uChunks; k++) {
        sum += partial[k * uN + i];
    }
    y[i] = sum;
}
