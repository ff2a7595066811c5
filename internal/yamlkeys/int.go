package yamlkeys

import (
	"fmt"
	"strconv"
	"strings"
)

// IntProblem checks s, the text of a plain (unquoted) YAML scalar for an
// integer of the given bits, before a decoder sees it: the decoder
// (go.yaml.in/yaml/v3) truncates 40.5 to 40, reads 010 as octal 8, 0x10 as
// hex and wraps what does not fit, each without a word. An integer must be
// a plain decimal literal within the type's range. why says what is wrong
// ("" when nothing is); notNumber is true when s is no number at all (the
// decoder's type error then says so).
func IntProblem(s string, bits int, unsigned bool) (why string, notNumber bool) {
	digits := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	switch {
	case digits == "" || strings.Trim(digits, "0123456789") != "":
		if _, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil || strings.HasPrefix(digits, "0x") || strings.HasPrefix(digits, "0o") {
			return "is not an integer in decimal digits (no decimal point, exponent or base prefix), e.g. 40", false
		}
		return "", true
	case len(digits) > 1 && digits[0] == '0':
		return fmt.Sprintf("has a leading zero, which YAML may read as an octal number: write %s", strings.TrimLeft(digits, "0")), false
	}
	if unsigned {
		if strings.HasPrefix(s, "-") {
			return "is negative: allowed a whole number from 0", false
		}
		if _, err := strconv.ParseUint(digits, 10, bits); err != nil {
			return fmt.Sprintf("does not fit: allowed whole numbers from 0 to %d", uint64(1)<<bits-1), false
		}
		return "", false
	}
	if _, err := strconv.ParseInt(s, 10, bits); err != nil {
		return fmt.Sprintf("does not fit: allowed whole numbers from %d to %d", -(int64(1) << (bits - 1)), int64(1)<<(bits-1)-1), false
	}
	return "", false
}
