// broken.comp (test): line 6 has a syntax error.

layout(local_size_x = 1) in;

void main() {
    uint i = invocationIndex() + ;
    if (i >= uInvocationCount) return;
}
