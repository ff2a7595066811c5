// viz_overlay.frag: the heads-up display's pixel, premultiplied by its alpha
// (blended with ONE, ONE_MINUS_SRC_ALPHA over the scene, or copied where the
// rectangle is opaque). texelFetch at the fragment's pixel: no filtering.

uniform sampler2D uOverlay;
uniform vec2 uViewport; // as in viz_common.glsl, which fragment shaders do not include

out vec4 fragColour;

void main() {
    ivec2 px = ivec2(gl_FragCoord.xy);
    fragColour = texelFetch(uOverlay, ivec2(px.x, int(uViewport.y) - 1 - px.y), 0);
}
