// viz_links.frag: a link quad with antialiased edges, for additive blending.

in vec3 vColour;
in float vAcross;
in float vHalf;

out vec4 fragColour;

void main() {
    float cover = clamp(vHalf + 0.5 - abs(vAcross), 0.0, 1.0);
    fragColour = vec4(vColour * cover, 1.0);
}
