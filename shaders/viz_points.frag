// viz_points.frag: a round point with a bright core and a soft halo (spines) or a
// thin ring (somata), written for additive blending (GL_ONE, GL_ONE).

in vec3 vColour;
in float vRing;

out vec4 fragColour;

void main() {
    float r = length(gl_PointCoord * 2.0 - 1.0);
    if (r > 1.0) {
        discard;
    }
    float f;
    if (vRing > 0.5) {
        f = smoothstep(0.55, 0.8, r) * (1.0 - smoothstep(0.85, 1.0, r)) + 0.2 * (1.0 - r);
    } else {
        float core = 1.0 - smoothstep(0.3, 0.55, r);
        float halo = 0.3 * (1.0 - r) * (1.0 - r);
        f = max(core, halo);
    }
    fragColour = vec4(vColour * f, 1.0);
}
