// viz_overlay.frag: the heads-up display's pixel, premultiplied by its alpha
// (blended with ONE, ONE_MINUS_SRC_ALPHA over the scene).

uniform sampler2D uOverlay;

in vec2 vUV;

out vec4 fragColour;

void main() {
    fragColour = texture(uOverlay, vUV);
}
