// common.glsl: the GLSL every iplgpu compute shader shares.
//
// engine/gl compiles a program as
//     #version 430
//     #defines from engine/gl: RNG_<PURPOSE> (the rng.Purpose values, as uints)
//                              and RNG_POISSON_MAX (rng.PoissonMax)
//     the caller's #defines
//     this file
//     the .comp body
// so the numbers below that must equal Go's come from Go, and a .comp never
// repeats this code.
//
// The random numbers mirror engine/rng/philox.go bit for bit: same Philox4x32-10,
// same counter layout (element, step low, step high, purpose), same key (seed low,
// seed high), same float conversions; Normal and Poisson use the cr* functions
// below, which round log, cos, exp, sqrt and division as Go does.

// ---- 1-D dispatch -------------------------------------------------------------
// engine/gl's Program.Dispatch1D splits a launch of n invocations into several
// dispatches when n needs more work groups than GL_MAX_COMPUTE_WORK_GROUP_COUNT;
// it sets these two uniforms. A kernel starts with
//     uint i = invocationIndex(); if (i >= uInvocationCount) return;
uniform uint uInvocationBase;  // index of this dispatch's first invocation
uniform uint uInvocationCount; // n, the invocations of the whole launch

uint invocationIndex() {
    return uInvocationBase + gl_GlobalInvocationID.x;
}

// ---- Philox4x32-10 (Salmon et al. 2011; constants of Random123) ----------------
const uint PHILOX_M0 = 0xD2511F53u;
const uint PHILOX_M1 = 0xCD9E8D57u;
const uint PHILOX_W0 = 0x9E3779B9u; // golden ratio
const uint PHILOX_W1 = 0xBB67AE85u; // sqrt(3) - 1

// philox4x32 is rng.Philox4x32: ten rounds of the bijection on ctr with key.
uvec4 philox4x32(uvec4 ctr, uvec2 key) {
    for (int r = 0; r < 10; r++) {
        uint hi0, lo0, hi1, lo1;
        umulExtended(PHILOX_M0, ctr.x, hi0, lo0);
        umulExtended(PHILOX_M1, ctr.z, hi1, lo1);
        ctr = uvec4(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
        key += uvec2(PHILOX_W0, PHILOX_W1);
    }
    return ctr;
}

// rngBlock is rng.Stream.Block: key = (seed low, seed high) as Stream.Key gives
// it, step = (low word, high word) of the 64-bit step, purpose = an RNG_* define.
uvec4 rngBlock(uvec2 key, uint purpose, uvec2 step, uint element) {
    return philox4x32(uvec4(element, step.x, step.y, purpose), key);
}

// ---- Floats from words -------------------------------------------------------
// Every operation in these two is exact in float32, so they equal Go's everywhere.

// rngUniform01 is rng.Uniform01: 24 bits to [0, 1).
float rngUniform01(uint x) {
    return float(x >> 8u) * (1.0 / 16777216.0);
}

// rngUniformExcl is rng.UniformExcl: the odd multiples of 2^-24 in (0, 1).
float rngUniformExcl(uint x) {
    return float((x >> 8u) | 1u) * (1.0 / 16777216.0);
}

// rngUniformOpen is rng.UniformOpen: 24 bits to (0, 1), never 0.
float rngUniformOpen(uint x) {
    return (float(x >> 8u) + 0.5) * (1.0 / 16777216.0);
}

// ---- Subnormals ----------------------------------------------------------------
// flush32 is model.Flush32: a subnormal to a zero of its sign. A GPU may flush
// subnormal float results (NVIDIA does) where llvmpipe and Go keep them; the
// kernels flush explicitly wherever decay can take a stored value (or one it
// is computed from) below the normal range, so every backend stores the same
// bits.
float flush32(float x) {
    uint b = floatBitsToUint(x);
    return (b & 0x7f800000u) == 0u ? uintBitsToFloat(b & 0x80000000u) : x;
}

// ---- float32 functions as Go rounds them ---------------------------------------
// Go computes float32(math.Log(float64(x))) and the like: the float32 nearest the
// true value. GLSL's float log, cos and exp are approximations (llvmpipe's cos is
// off by 2e-5 near its zeros, NVIDIA's a/b by ulps). These compute in double
// (core since GL 4.0) to about 1e-16 relative and round once to float32, so they
// equal Go's result except when the true value lies within ~1e-16 of a float32
// rounding boundary (odds ~1e-8 per call). They cost a few dozen double
// operations: use them where a float must equal the CPU backend's. Their
// doubles are precise: a driver that fused a multiply-add would round
// differently from one that does not, and in those rare ties two GPUs would
// disagree; unfused, every GL 4.3 device computes the same doubles.

const double CR_PIO2_HI = 1.5707963267341256lf;     // pi/2 to 33 bits: k * it is exact for |k| < 2^20
const double CR_PIO2_LO = 6.077100506506192e-11lf;  // pi/2 - CR_PIO2_HI
const double CR_2_OVER_PI = 0.6366197723675814lf;
const double CR_LN2_HI = 0.6931471805598903lf;      // ln 2 to 42 bits: k * it is exact for |k| < 2^11
const double CR_LN2_LO = 5.497923018708371e-14lf;   // ln 2 - CR_LN2_HI
const double CR_INV_LN2 = 1.4426950408889634lf;
const double CR_SQRT_HALF = 0.7071067811865476lf;

// crSinPoly and crCosPoly: Taylor series for |r| <= pi/4 + a little, truncation
// below 1e-20 relative.
double crSinPoly(double r) {
    precise double r2 = r * r;
    precise double p = -8.22063524662433e-18lf;
    p = p * r2 + 2.8114572543455206e-15lf;
    p = p * r2 - 7.647163731819816e-13lf;
    p = p * r2 + 1.6059043836821613e-10lf;
    p = p * r2 - 2.505210838544172e-08lf;
    p = p * r2 + 2.7557319223985893e-06lf;
    p = p * r2 - 0.0001984126984126984lf;
    p = p * r2 + 0.008333333333333333lf;
    p = p * r2 - 0.16666666666666666lf;
    precise double v = r + r * (r2 * p);
    return v;
}

double crCosPoly(double r) {
    precise double r2 = r * r;
    precise double p = 4.110317623312165e-19lf;
    p = p * r2 - 1.5619206968586225e-16lf;
    p = p * r2 + 4.779477332387385e-14lf;
    p = p * r2 - 1.1470745597729725e-11lf;
    p = p * r2 + 2.08767569878681e-09lf;
    p = p * r2 - 2.755731922398589e-07lf;
    p = p * r2 + 2.48015873015873e-05lf;
    p = p * r2 - 0.001388888888888889lf;
    p = p * r2 + 0.041666666666666664lf;
    p = p * r2 - 0.5lf;
    precise double v = 1.0lf + r2 * p;
    return v;
}

// crCos is float32(math.Cos(float64(x))) for |x| < 1.6e6; beyond, GLSL's cos.
float crCos(float x) {
    double xd = double(x);
    precise double k = floor(xd * CR_2_OVER_PI + 0.5lf);
    if (abs(k) >= 1048576.0lf) {
        return cos(x);
    }
    // x - k*HI is exact (Sterbenz); the error of r is ~1e-26 absolute.
    precise double r = (xd - k * CR_PIO2_HI) - k * CR_PIO2_LO;
    int q = int(k) & 3;
    double v;
    if (q == 0) {
        v = crCosPoly(r);
    } else if (q == 1) {
        v = -crSinPoly(r);
    } else if (q == 2) {
        v = -crCosPoly(r);
    } else {
        v = crSinPoly(r);
    }
    return float(v);
}

// crLog is float32(math.Log(float64(x))) for x > 0 (GLSL's log otherwise).
float crLog(float x) {
    if (!(x > 0.0) || isinf(x)) {
        return log(x);
    }
    int e;
    double f = frexp(double(x), e); // x = f 2^e, f in [0.5, 1)
    if (f < CR_SQRT_HALF) {
        f *= 2.0lf;
        e -= 1;
    }
    // ln f = 2 atanh(s), s = (f-1)/(f+1), |s| <= 0.172: series to s^23.
    precise double s = (f - 1.0lf) / (f + 1.0lf);
    precise double s2 = s * s;
    precise double p = 0.043478260869565216lf;
    p = p * s2 + 0.047619047619047616lf;
    p = p * s2 + 0.05263157894736842lf;
    p = p * s2 + 0.058823529411764705lf;
    p = p * s2 + 0.06666666666666667lf;
    p = p * s2 + 0.07692307692307693lf;
    p = p * s2 + 0.09090909090909091lf;
    p = p * s2 + 0.1111111111111111lf;
    p = p * s2 + 0.14285714285714285lf;
    p = p * s2 + 0.2lf;
    p = p * s2 + 0.3333333333333333lf;
    precise double lnf = 2.0lf * s + 2.0lf * s * (s2 * p);
    double de = double(e);
    precise double v = de * CR_LN2_HI + (de * CR_LN2_LO + lnf);
    return float(v);
}

// crExp is float32(math.Exp(float64(x))). Below -87.3 the result is a float32
// subnormal, which GPUs may flush to zero where Go keeps it.
float crExp(float x) {
    if (isnan(x)) {
        return x;
    }
    if (x > 89.0) {
        return uintBitsToFloat(0x7f800000u); // +Inf, as float32(math.Exp) gives
    }
    if (x < -104.0) {
        return 0.0; // below half the smallest float32 subnormal
    }
    double xd = double(x);
    precise double k = floor(xd * CR_INV_LN2 + 0.5lf);
    precise double r = (xd - k * CR_LN2_HI) - k * CR_LN2_LO; // |r| <= 0.35
    precise double p = 1.1470745597729725e-11lf;
    p = p * r + 1.6059043836821613e-10lf;
    p = p * r + 2.08767569878681e-09lf;
    p = p * r + 2.505210838544172e-08lf;
    p = p * r + 2.755731922398589e-07lf;
    p = p * r + 2.7557319223985893e-06lf;
    p = p * r + 2.48015873015873e-05lf;
    p = p * r + 0.0001984126984126984lf;
    p = p * r + 0.001388888888888889lf;
    p = p * r + 0.008333333333333333lf;
    p = p * r + 0.041666666666666664lf;
    p = p * r + 0.16666666666666666lf;
    p = p * r + 0.5lf;
    p = p * r + 1.0lf;
    p = p * r + 1.0lf;
    return float(ldexp(p, int(k)));
}

// crSqrt is float32(math.Sqrt(float64(x))), the correctly rounded float32 sqrt.
float crSqrt(float x) {
    return float(sqrt(double(x)));
}

// crDiv is a / b correctly rounded, as Go's float32 division (a double quotient
// rounded to float32 is the correctly rounded float32 quotient).
float crDiv(float a, float b) {
    return float(double(a) / double(b));
}

// float32(2 pi), the constant Go's rng.Normal multiplies by (0x40C90FDB).
const float RNG_TWO_PI = 6.283185482025146484375;

// rngNormal is rng.Normal: Box-Muller on (UniformOpen(x), Uniform01(y)), every step
// in float32 as Go rounds it. precise keeps the compiler from fusing the float
// products.
float rngNormal(uint x, uint y) {
    float u1 = rngUniformOpen(x);
    float u2 = rngUniform01(y);
    float r = crSqrt(-2.0 * crLog(u1));
    precise float a = RNG_TWO_PI * u2;
    precise float z = r * crCos(a);
    return z;
}

// rngPoissonExp is rng.PoissonExp: rngPoisson (below) with expNeg = exp(-lambda) given
// (computed once where lambda serves many draws, e.g. a spine's event mean over
// a frame), for 0 < lambda <= RNG_POISSON_LAMBDA_MAX.
int rngPoissonExp(float lambda, float expNeg, float u) {
    if (!(lambda > 0.0)) {
        return 0;
    }
    precise float p = expNeg;
    precise float f = p;
    int k = 0;
    while (u >= f && k < RNG_POISSON_MAX) {
        k++;
        p = p * crDiv(lambda, float(k));
        f = f + p;
        if (p == 0.0) {
            break;
        }
    }
    return k;
}

// rngPoisson is rng.Poisson: a Poisson(lambda) count from one uniform u in [0, 1)
// by inversion of the cumulative distribution, with the same loop, the same
// float32 operations in the same order and the same cap RNG_POISSON_MAX.
// lambda is clamped to RNG_POISSON_LAMBDA_MAX, where exp(-lambda) is still a
// normal float32 on every device.
int rngPoisson(float lambda, float u) {
    if (!(lambda > 0.0)) {
        return 0;
    }
    lambda = min(lambda, float(RNG_POISSON_LAMBDA_MAX));
    return rngPoissonExp(lambda, crExp(-lambda), u);
}

// ---- Tuning -------------------------------------------------------------------
// vm is the von Mises-like tuning curve of docs/model.md section 3.3, period pi in x (radians):
// 1 at x = 0, exp(-2 kappa) at x = pi/2. Fast: the driver's float cos and exp.
float vm(float x, float kappa) {
    return exp(kappa * (cos(2.0 * x) - 1.0));
}

// vmCR is vm rounded as Go's
//     float32(math.Exp(float64(kappa * (float32(math.Cos(float64(2*x))) - 1))))
// computes it, for a CPU backend that must match the GPU's event probabilities.
// It costs two dozen double operations more than vm.
float vmCR(float x, float kappa) {
    precise float a = 2.0 * x;
    precise float e = kappa * (crCos(a) - 1.0);
    return crExp(e);
}

// ---- Storage bindings of the GL backend ----------------------------------------
// Every array of the engine's state has its own SSBO binding point, the same in
// every kernel that uses it, so engine/gl binds each buffer once per Run rather
// than per dispatch. engine/gl reads the points back by block name (the block
// names below in comments) and checks that the kernels agree.
#define BIND_PHI 0          // SpinePhi: spine tuning (rad), float per spine
#define BIND_GAIN 1         // SpineGain: task excitability, float per spine
#define BIND_MEAN 2         // SpineMean: (mu, exp(-mu)) of the frame, vec2 per spine: expected event count per step
#define BIND_S 3            // SpineS: spine potential of the previous step
#define BIND_S_NEXT 4       // SpineSNext: spine potential of this step
#define BIND_EVENTS 5       // SpineEvents: afferent event count of this step, uint per spine
#define BIND_ROW_PTR 6      // CSRRowPtr: CSR row pointers, int per spine + 1
#define BIND_CSR 7          // CSREntries: (partner spine, edge), ivec2 per CSR entry
#define BIND_EDGE_SPINES 8  // EdgeSpines: (spine A, spine B), ivec2 per edge
#define BIND_EDGE_STATE 9   // EdgeState: (w, e), vec2 per edge
#define BIND_BG 10          // NeuronBackground: OU background b, float per neuron
#define BIND_H 11           // NeuronGain: homeostatic gain h, float per neuron
#define BIND_COUNTS 12      // BinCounts: spike counts, uint per bin x neuron
#define BIND_GATE 13        // SegmentGate: top-down gate m per step of the segment
#define BIND_TRACE 14       // SpineTrace: coincidence trace x, float per spine
#define BIND_FB_U 15        // NeuronFeedbackU: u(theta_i) = vm(theta_i - A) - vm(theta_i - B), float per neuron (host-computed)
