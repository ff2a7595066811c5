// viz_overlay.vert: the heads-up display, a window-sized image drawn over the
// scene (glDrawArrays(GL_TRIANGLES, 0, 6)). The image's first row is the top
// of the window.

out vec2 vUV;

const vec2 CORNERS[6] = vec2[6](vec2(0.0, 0.0), vec2(1.0, 0.0), vec2(1.0, 1.0),
                                vec2(0.0, 0.0), vec2(1.0, 1.0), vec2(0.0, 1.0));

void main() {
    vec2 c = CORNERS[gl_VertexID];
    gl_Position = vec4(c * 2.0 - 1.0, 0.0, 1.0);
    vUV = vec2(c.x, 1.0 - c.y);
}
