// viz_spines.vert: one point per spine (glDrawArrays(GL_POINTS, 0, spines)).
// Colour = the spine's tuning phi; brightness and size grow with its potential s.
// With uHighlight set, spines in no link are dimmed so that islets stand out.

uniform float uSpineUm;    // point diameter (um) of a resting spine
uniform float uSRef;       // potential s drawn at full brightness
uniform float uSpineGain;  // overall brightness
uniform float uHighlight;  // 0: all spines alike; 1: spines in no link dimmed

out vec3 vColour;
out float vRing;

void main() {
    int k = gl_VertexID;
    vec3 p = spinePos(k);
    float act = clamp(spineS[k] / uSRef, 0.0, 1.0);
    bool dim = uHighlight > 0.5 && spineLinked[k] == 0u;
    float dist = distance(p, uEye);
    gl_Position = uViewProj * vec4(p, 1.0);
    gl_PointSize = clamp(uSpineUm * (0.75 + 0.75 * act) * (dim ? 0.8 : 1.0) * uPxPerUm / max(dist, 1e-3), 3.0, 64.0);
    vColour = tuningColour(spinePhi[k]) * (uSpineGain * (0.45 + 0.55 * act) * (dim ? 0.45 : 1.0) * depthCue(dist));
    vRing = 0.0;
}
