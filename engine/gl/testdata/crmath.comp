// crmath.comp (test): the correctly rounded float32 functions of common.glsl on
// inputs x[i], y[i]: a[i] = (crCos(x), crLog(x), crExp(x), crSqrt(x)),
// b[i] = (crDiv(x, y), vmCR(x, uKappa), vm(x, uKappa), 0).

layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer MathX { float xs[]; };
layout(std430, binding = 1) readonly buffer MathY { float ys[]; };
layout(std430, binding = 2) writeonly buffer MathA { vec4 a[]; };
layout(std430, binding = 3) writeonly buffer MathB { vec4 b[]; };

uniform float uKappa;

void main() {
    uint i = invocationIndex();
    if (i >= uInvocationCount) {
        return;
    }
    float x = xs[i];
    a[i] = vec4(crCos(x), crLog(x), crExp(x), crSqrt(x));
    b[i] = vec4(crDiv(x, ys[i]), vmCR(x, uKappa), vm(x, uKappa), 0.0);
}
