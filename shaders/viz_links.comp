// viz_links.comp: finds the links, the edges whose structural weight w is above
// the islet threshold: counts them (for the viewer's title) and marks both of
// their spines as linked (the spine pass highlights islet members). One
// invocation per edge (Program.Dispatch1D over the edges), after the count and
// the marks were cleared; one atomic add per work group. Two links of a spine
// may both write its mark: the same value, so the order does not matter.

layout(local_size_x = 128) in;

layout(std430, binding = 0) readonly buffer VizCountEdgeState { vec2 edgeState[]; };    // (w, e) per edge
layout(std430, binding = 1) readonly buffer VizCountEdgeSpines { ivec2 edgeSpines[]; }; // (A, B) per edge
layout(std430, binding = 2) buffer VizLinkCount { uint linkCount; };
layout(std430, binding = 3) writeonly buffer VizLinkedSpines { uint linked[]; };        // 1: in a link, per spine

uniform float uThreshold;

shared uint groupCount;

void main() {
    if (gl_LocalInvocationIndex == 0u) {
        groupCount = 0u;
    }
    barrier();
    uint i = invocationIndex();
    // No early return: every invocation must reach the barriers.
    if (i < uInvocationCount && edgeState[i].x > uThreshold) {
        atomicAdd(groupCount, 1u);
        ivec2 ab = edgeSpines[i];
        linked[ab.x] = 1u;
        linked[ab.y] = 1u;
    }
    barrier();
    if (gl_LocalInvocationIndex == 0u && groupCount > 0u) {
        atomicAdd(linkCount, groupCount);
    }
}
