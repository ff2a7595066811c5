// copy.comp: dst[i] = src[i] over vec4s, the memory-bandwidth reference that
// engine/gl's CopyBandwidth times (one 16-byte read and one 16-byte write per
// invocation). Dispatched with Program.Dispatch1D over the vec4 count.

layout(local_size_x = 256) in;

layout(std430, binding = 0) readonly buffer CopySrc { vec4 src[]; };
layout(std430, binding = 1) writeonly buffer CopyDst { vec4 dst[]; };

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
    dst[i] = src[i];
}
