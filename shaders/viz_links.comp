// viz_links.comp: finds the links, the edges whose structural weight w is above
// the islet threshold: appends each one as (A, B, w) to the link list that
// viz_links.vert draws, counts them in a glDrawArraysIndirect command (six
// vertices per link; the host resets it to no vertices, one instance), and marks
// both of their spines as linked (the spine pass highlights islet members). One
// invocation per edge (Program.Dispatch1D over the edges), after the command and
// the marks were cleared; one atomic add per work group, so the list holds the
// links in no particular order. Two links of a spine may both write its mark:
// the same value, so the order does not matter. Links beyond the list's
// capacity uLinkCap are counted but not listed (viz_links.vert skips them).

layout(local_size_x = 128) in;

layout(std430, binding = 0) readonly buffer VizCountEdgeState { vec2 edgeState[]; };    // (w, e) per edge
layout(std430, binding = 1) readonly buffer VizCountEdgeSpines { ivec2 edgeSpines[]; }; // (A, B) per edge
// A DrawArraysIndirectCommand: count (6 per link), instanceCount, first, baseInstance.
layout(std430, binding = 2) buffer VizLinkCount { uint linkVertices; uint linkInstances; uint linkFirst; uint linkBase; };
layout(std430, binding = 3) writeonly buffer VizLinkedSpines { uint linked[]; };        // 1: in a link, per spine
layout(std430, binding = 4) writeonly buffer VizLinkListOut { uvec4 listOut[]; };       // (A, B, bits of w, 0) per link

uniform float uThreshold;
uniform uint uLinkCap; // capacity of the link list

shared uint groupCount;
shared uint groupBase;

void main() {
    if (gl_LocalInvocationIndex == 0u) {
        groupCount = 0u;
    }
    memoryBarrierShared(); // the shared writes visible to the group, then the barrier
    barrier();
    uint i = invocationIndex();
    // No early return: every invocation must reach the barriers.
    bool isLink = i < uInvocationCount && edgeState[i].x > uThreshold;
    uint slot = 0u;
    ivec2 ab = ivec2(0);
    if (isLink) {
        slot = atomicAdd(groupCount, 1u);
        ab = edgeSpines[i];
        linked[ab.x] = 1u;
        linked[ab.y] = 1u;
    }
    memoryBarrierShared(); // the shared writes visible to the group, then the barrier
    barrier();
    if (gl_LocalInvocationIndex == 0u && groupCount > 0u) {
        groupBase = atomicAdd(linkVertices, 6u * groupCount) / 6u;
    }
    memoryBarrierShared(); // the shared writes visible to the group, then the barrier
    barrier();
    if (isLink && groupBase + slot < uLinkCap) {
        listOut[groupBase + slot] = uvec4(uint(ab.x), uint(ab.y), floatBitsToUint(edgeState[i].x), 0u);
    }
}
