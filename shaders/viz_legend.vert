// viz_legend.vert: the orientation colour key, a half ring of uSegments segments
// (glDrawArrays(GL_TRIANGLES, 0, 6 * uSegments)) placed in pixels from the
// bottom-left corner. At screen angle a (0 to 180 deg, counter-clockwise from
// the right) it has the colour of orientation a, so a bar drawn along that
// radius would be the preferred stimulus of a spine of that colour.

uniform vec2 uCentre;  // centre of the ring (pixels from the bottom-left corner)
uniform float uRadius; // outer radius (pixels)
uniform int uSegments;

out vec3 vColour;

const vec2 CORNERS[6] = vec2[6](vec2(0.0, 0.0), vec2(1.0, 0.0), vec2(1.0, 1.0),
                                vec2(0.0, 0.0), vec2(1.0, 1.0), vec2(0.0, 1.0));

void main() {
    int seg = gl_VertexID / 6;
    vec2 c = CORNERS[gl_VertexID % 6];
    float a = PI * (float(seg) + c.x) / float(uSegments);
    vec2 px = uCentre + uRadius * mix(0.62, 1.0, c.y) * vec2(cos(a), sin(a));
    gl_Position = vec4(px / uViewport * 2.0 - 1.0, 0.0, 1.0);
    vColour = 0.85 * tuningColour(a);
}
