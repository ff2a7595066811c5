// viz_links.vert: one screen-aligned quad (two triangles, six vertices) per link,
// an IPL edge whose structural weight w is above the islet threshold, from the
// list viz_links.comp made this frame (glDrawArraysIndirect with its command:
// the cost follows the links, not the candidate contacts). Width and
// brightness grow with w; the colour is the mean tuning of the two spines
// (doubled-angle mean). Culled links go outside the clip volume and make no
// fragments.

uniform uint uLinkCap;    // capacity of the link list (links beyond it are not listed)
uniform float uLinkGain;  // brightness at w = 1
uniform float uLinkPx;    // width (pixels) at w = 1

out vec3 vColour;
out float vAcross; // signed distance from the centre line (pixels)
out float vHalf;   // half width of the solid part (pixels)

const vec2 CORNERS[6] = vec2[6](vec2(0.0, -1.0), vec2(1.0, -1.0), vec2(1.0, 1.0),
                                vec2(0.0, -1.0), vec2(1.0, 1.0), vec2(0.0, 1.0));

void main() {
    uint l = uint(gl_VertexID / 6);
    vec2 corner = CORNERS[gl_VertexID % 6];
    vColour = vec3(0.0);
    vAcross = 0.0;
    vHalf = 0.0;
    if (l >= uLinkCap) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
        return;
    }
    uvec4 link = linkList[l];
    ivec2 ab = ivec2(link.xy);
    float w = uintBitsToFloat(link.z);
    vec3 pa = spinePos(ab.x);
    vec3 pb = spinePos(ab.y);
    vec4 ca = uViewProj * vec4(pa, 1.0);
    vec4 cb = uViewProj * vec4(pb, 1.0);
    if (ca.w <= 0.0 || cb.w <= 0.0) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
        return;
    }
    vec2 half_vp = 0.5 * uViewport;
    vec2 d = cb.xy / cb.w * half_vp - ca.xy / ca.w * half_vp;
    float len = length(d);
    vec2 dir = len > 1e-4 ? d / len : vec2(1.0, 0.0);
    vec2 nrm = vec2(-dir.y, dir.x);
    vHalf = 0.5 * max(uLinkPx * w, 1.0);
    float halfOut = vHalf + 1.0; // one pixel of antialiasing margin
    vec4 c = corner.x < 0.5 ? ca : cb;
    c.xy += nrm * (corner.y * halfOut) / half_vp * c.w;
    gl_Position = c;
    vAcross = corner.y * halfOut;

    float a = 2.0 * spinePhi[ab.x];
    float b = 2.0 * spinePhi[ab.y];
    float phi = 0.5 * atan(sin(a) + sin(b), cos(a) + cos(b));
    float dist = distance(mix(pa, pb, corner.x), uEye);
    vColour = tuningColour(phi) * (uLinkGain * w * depthCue(dist));
}
