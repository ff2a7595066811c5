// viz_legend.frag: the colour key's colour as the vertex shader gives it.

in vec3 vColour;

out vec4 fragColour;

void main() {
    fragColour = vec4(vColour, 1.0);
}
