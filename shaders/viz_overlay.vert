// viz_overlay.vert: a rectangle of the heads-up display, a window-sized image
// drawn over the scene (glDrawArrays(GL_TRIANGLES, 0, 6) per rectangle). The
// image's first row is the top of the window.

uniform vec4 uRect; // x0, y0, x1, y1 in pixels from the top-left corner

const vec2 CORNERS[6] = vec2[6](vec2(0.0, 0.0), vec2(1.0, 0.0), vec2(1.0, 1.0),
                                vec2(0.0, 0.0), vec2(1.0, 1.0), vec2(0.0, 1.0));

void main() {
    vec2 uv = mix(uRect.xy, uRect.zw, CORNERS[gl_VertexID]) / uViewport;
    gl_Position = vec4(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0);
}
