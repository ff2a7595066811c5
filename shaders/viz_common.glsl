// viz_common.glsl: what iplgpu's render shaders (viz_*.vert) share. viz/ compiles
// a vertex shader as "#version 430 core", this file, then the .vert body.
//
// The storage blocks are the GL backend's arrays (engine/gl Buffers), drawn from
// without a copy, and viz's own static ones. viz binds buffers by block name, so
// the binding numbers below appear nowhere else; blocks a shader does not use
// are dropped by the compiler.

layout(std430, binding = 0) readonly buffer VizSpineX { float spineX[]; };      // um, per spine
layout(std430, binding = 1) readonly buffer VizSpineY { float spineY[]; };      // um, per spine
layout(std430, binding = 2) readonly buffer VizSpineZ { float spineZ[]; };      // um, per spine
layout(std430, binding = 3) readonly buffer VizSpineS { float spineS[]; };      // potential s, per spine
layout(std430, binding = 4) readonly buffer VizSpinePhi { float spinePhi[]; };  // tuning (rad), per spine
layout(std430, binding = 7) readonly buffer VizSomata { vec4 somata[]; };       // (x, y, z um, theta rad) per neuron
layout(std430, binding = 8) readonly buffer VizLinked { uint spineLinked[]; };  // 1: the spine is in a link (viz_links.comp)
layout(std430, binding = 9) readonly buffer VizLinkList { uvec4 linkList[]; };  // (A, B, bits of w, 0) per link (viz_links.comp)

// Camera, set once per frame.
uniform mat4 uViewProj; // world (um) to clip space
uniform vec3 uEye;      // eye position (um)
uniform vec2 uViewport; // viewport size (pixels)
uniform float uPxPerUm; // pixels spanned by 1 um at 1 um from the eye
uniform vec2 uFog;      // depth cue: full brightness nearer than uFog.x, dimmest beyond uFog.y (um)

const float PI = 3.14159265358979;

// tuningColour maps an orientation (rad) to a colour with period pi: raised
// cosines 120 deg apart, a smooth colour wheel. viz.TuningColour mirrors it.
vec3 tuningColour(float phi) {
    float t = phi / PI;
    return 0.5 + 0.5 * cos(2.0 * PI * (t - vec3(0.0, 1.0 / 3.0, 2.0 / 3.0)));
}

// depthCue dims what lies far from the eye, which makes an additively blended
// cloud of points read as 3-D.
float depthCue(float dist) {
    return mix(1.0, 0.35, clamp((dist - uFog.x) / max(uFog.y - uFog.x, 1e-3), 0.0, 1.0));
}

vec3 spinePos(int k) {
    return vec3(spineX[k], spineY[k], spineZ[k]);
}
