// dense_fill.comp: fills one block of the dense baseline's matrix on the device
// (uploading N^2 floats from the host would take longer than timing them). The
// matrix is stored column-major, as W^T row by row: element e of a block holding
// columns [uColBase, ...) is W[i][j] with j = uColBase + e / N, i = e % N. Entries
// are engine.DenseEntry: small positive values whose rows sum below 1.

layout(local_size_x = 256) in;

layout(std430, binding = 0) writeonly buffer DenseW { float W[]; };

uniform uint uN;
uniform uint uColBase;

void main() {
    uint e = invocationIndex();
    if (e >= uInvocationCount) {
        return;
    }
    uint j = uColBase + e / uN;
    uint i = e % uN;
    W[e] = float((i * 31u + j * 17u) & 63u) / (64.0 * float(uN));
}
