// viz_somata.vert: one faint ring per soma (glDrawArrays(GL_POINTS, 0, neurons)),
// coloured by the neuron's preferred orientation theta.

uniform float uSomaUm;   // ring diameter (um)
uniform float uSomaGain; // brightness

out vec3 vColour;
out float vRing;

void main() {
    vec4 s = somata[gl_VertexID];
    float dist = distance(s.xyz, uEye);
    gl_Position = uViewProj * vec4(s.xyz, 1.0);
    gl_PointSize = clamp(uSomaUm * uPxPerUm / max(dist, 1e-3), 3.0, 96.0);
    vColour = tuningColour(s.w) * (uSomaGain * depthCue(dist));
    vRing = 1.0;
}
