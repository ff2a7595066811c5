package recording

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// ErrBadData marks data that cannot be analysed (fisher.ErrBadData is it).
var ErrBadData = errors.New("bad data")

// Responses is a trials x bins x neurons array in C order, as responses.npy
// holds it: element (t, b, i) is data[(t*Bins + b)*Neurons + i]. The data stay
// in their stored type (spike counts are uint16), converted only when summed.
type Responses struct {
	Trials, Bins, Neurons int
	data                  any
}

// NewResponses wraps data of shape (trials, bins, neurons); data is a []float64,
// []float32, []uint8, []uint16, []uint32, []int32 or []int64 (what internal/npy
// reads) of matching length.
func NewResponses(shape []int, data any) (Responses, error) {
	if len(shape) != 3 {
		return Responses{}, fmt.Errorf("%w: responses of shape %v; want 3 axes, trials x bins x neurons", ErrBadData, shape)
	}
	r := Responses{Trials: shape[0], Bins: shape[1], Neurons: shape[2], data: data}
	var n int
	switch d := data.(type) {
	case []float64:
		n = len(d)
	case []float32:
		n = len(d)
	case []uint8:
		n = len(d)
	case []uint16:
		n = len(d)
	case []uint32:
		n = len(d)
	case []int32:
		n = len(d)
	case []int64:
		n = len(d)
	default:
		panic(fmt.Sprintf("recording: NewResponses: unsupported data type %T", data))
	}
	if n != shape[0]*shape[1]*shape[2] {
		return Responses{}, fmt.Errorf("%w: responses hold %d values but shape %v needs %d", ErrBadData, n, shape, shape[0]*shape[1]*shape[2])
	}
	return r, nil
}

// BinRange is the half-open range of bins [Start, End).
type BinRange struct {
	Start, End int
}

func (w BinRange) String() string { return fmt.Sprintf("[%d,%d)", w.Start, w.End) }

// Sum returns the len(rows) x Neurons matrix of the responses of trials rows
// summed over the bins of w, reusing dst when it has that shape (nil: allocate).
// rows must not be empty.
func (r Responses) Sum(dst *mat.Dense, rows []int, w BinRange) *mat.Dense {
	if w.Start < 0 || w.End > r.Bins || w.Start >= w.End {
		panic(fmt.Sprintf("recording: Responses.Sum: window %v outside the %d bins", w, r.Bins))
	}
	if len(rows) == 0 || r.Neurons == 0 {
		panic("recording: Responses.Sum of no trials or no neurons")
	}
	if dst == nil || dst.IsEmpty() {
		dst = mat.NewDense(len(rows), r.Neurons, nil)
	} else if rr, cc := dst.Dims(); rr != len(rows) || cc != r.Neurons {
		panic(fmt.Sprintf("recording: Responses.Sum: dst is %d x %d, want %d x %d", rr, cc, len(rows), r.Neurons))
	}
	raw := dst.RawMatrix()
	for a, t := range rows {
		if t < 0 || t >= r.Trials {
			panic(fmt.Sprintf("recording: Responses.Sum: trial %d outside [0, %d)", t, r.Trials))
		}
		out := raw.Data[a*raw.Stride : a*raw.Stride+r.Neurons]
		clear(out)
		lo := (t*r.Bins + w.Start) * r.Neurons
		hi := (t*r.Bins + w.End) * r.Neurons
		switch d := r.data.(type) {
		case []float64:
			sumBins(out, d[lo:hi])
		case []float32:
			sumBins(out, d[lo:hi])
		case []uint8:
			sumBins(out, d[lo:hi])
		case []uint16:
			sumBins(out, d[lo:hi])
		case []uint32:
			sumBins(out, d[lo:hi])
		case []int32:
			sumBins(out, d[lo:hi])
		case []int64:
			sumBins(out, d[lo:hi])
		}
	}
	return dst
}

// sumBins adds consecutive bins of len(out) neurons each into out.
func sumBins[T float64 | float32 | uint8 | uint16 | uint32 | int32 | int64](out []float64, bins []T) {
	n := len(out)
	for b := 0; b < len(bins); b += n {
		for i, v := range bins[b : b+n] {
			out[i] += float64(v)
		}
	}
}

// Select returns the responses of the given neurons (ascending, each in
// [0, Neurons)) as a new array of the same type: what an experimenter's sample
// of a larger population would have recorded.
func (r Responses) Select(neurons []int) Responses {
	for k, i := range neurons {
		if i < 0 || i >= r.Neurons || (k > 0 && i <= neurons[k-1]) {
			panic(fmt.Sprintf("recording: Responses.Select: neuron %d at position %d is out of range [0, %d) or out of order", i, k, r.Neurons))
		}
	}
	out := Responses{Trials: r.Trials, Bins: r.Bins, Neurons: len(neurons)}
	switch d := r.data.(type) {
	case []float64:
		out.data = selectColumns(d, r.Neurons, neurons)
	case []float32:
		out.data = selectColumns(d, r.Neurons, neurons)
	case []uint8:
		out.data = selectColumns(d, r.Neurons, neurons)
	case []uint16:
		out.data = selectColumns(d, r.Neurons, neurons)
	case []uint32:
		out.data = selectColumns(d, r.Neurons, neurons)
	case []int32:
		out.data = selectColumns(d, r.Neurons, neurons)
	case []int64:
		out.data = selectColumns(d, r.Neurons, neurons)
	}
	return out
}

// selectColumns keeps the given columns of rows of width n.
func selectColumns[T float64 | float32 | uint8 | uint16 | uint32 | int32 | int64](d []T, n int, cols []int) []T {
	rows := len(d) / n
	out := make([]T, 0, rows*len(cols))
	for r := range rows {
		row := d[r*n : (r+1)*n]
		for _, c := range cols {
			out = append(out, row[c])
		}
	}
	return out
}
