// dense_partial.comp: the first pass of y = W x, the all-to-all coupling step
// that engine/gl's DenseMatVec times as the N^2 baseline of `iplgpu bench
// -scaling`. For one block of columns of W, invocation (k, i) sums W[i][j] x[j]
// over the uChunk columns j of the block's chunk k and writes partial[k N + i];
// dense_reduce.comp adds the chunks into y. With W
// column-major, neighbouring invocations read neighbouring words at every j
// (coalesced on a GPU, vector loads on llvmpipe), no invocation waits for
// another (no barriers, no shared memory), and the chunks give a GPU enough
// invocations when N alone would not fill it.

layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer DenseW { float W[]; };   // columns [uColBase, ...) of W, column-major
layout(std430, binding = 1) readonly buffer DenseX { float x[]; };
layout(std430, binding = 2) writeonly buffer DensePartial { float partial[]; };

uniform uint uN;
uniform uint uColBase;  // first column of W in this block
uniform uint uChunk;    // columns per chunk
uniform uint uCols;     // columns in this block

void main() {
    uint v = invocationIndex();
    if (v >= uInvocationCount) {
        return;
    }
    uint kLocal = v / uN;
    uint i = v % uN;
    uint first = kLocal * uChunk;
    uint last = min(first + uChunk, uCols);
    float sum = 0.0;
    for (uint c = first; c < last; c++) {
        sum += W[c * uN + i] * x[uColBase + c];
    }
    partial[kLocal * uN + i] = sum;
}
