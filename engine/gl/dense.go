package gl

import (
	"fmt"
	"math"
	"time"
)

// denseEntry is W[row][col] as shaders/dense_fill.comp computes it (the same
// formula as engine.DenseEntry): small positive values, rows summing below 1.
func denseEntry(row, col, n int) float64 {
	return float64((uint32(row)*31+uint32(col)*17)&63) / (64 * float64(n))
}

// denseX is the vector the dense baseline multiplies.
func denseX(j int) float32 { return 1 + float32(j%7)/8 }

// maxDenseBlockBytes keeps each block of columns below 2 GiB, so that the
// kernels' uint indices (column * N + row) cannot overflow whatever the driver
// allows.
const maxDenseBlockBytes = 1 << 31

// denseInvocations is about how many invocations a product should have to fill
// a large GPU (132 multiprocessors x 2048 resident threads on an H200 is 2^18):
// the columns are cut into chunks until chunks x N reaches it.
const denseInvocations = 1 << 18

// denseMinChunk is the fewest columns a chunk sums, so that the partial sums
// stay a small fraction (at most 1/64) of the matrix's traffic.
const denseMinChunk = 64

// DensePlan is how DenseMatVec lays out an n x n product on a device whose
// storage bindings span at most blockBytes.
type DensePlan struct {
	N            int
	Chunk        int // columns each partial sum covers
	ColsPerBlock int // columns per storage block (a multiple of Chunk, except a last block)
	Blocks       int
}

// PlanDense plans the product; it fails when one column does not fit a binding.
func PlanDense(n int, blockBytes int64) (DensePlan, error) {
	colBytes := int64(n) * 4
	cols := int(min(blockBytes, maxDenseBlockBytes) / colBytes)
	if cols < 1 {
		return DensePlan{}, fmt.Errorf("one column of a %d x %d matrix (%d bytes) exceeds the storage block limit of %d bytes", n, n, colBytes, blockBytes)
	}
	cols = min(cols, n)
	k := (denseInvocations + n - 1) / n // chunks wanted
	chunk := min(max((n+k-1)/k, denseMinChunk), cols)
	cols = cols / chunk * chunk
	return DensePlan{N: n, Chunk: chunk, ColsPerBlock: cols, Blocks: (n + cols - 1) / cols}, nil
}

// DenseMatVec times the N^2 baseline of `iplgpu bench -scaling`: reps products
// y = W x of a dense n x n float32 matrix W with a vector, each after the
// previous one (barriers between them, as between the steps of a simulation).
// It returns the seconds of the fastest product (on a shared machine, the one
// least disturbed by other work). W is filled on the device
// (shaders/dense_fill.comp), stored column-major in blocks of columns that
// each fit one storage binding (GL_MAX_SHADER_STORAGE_BLOCK_SIZE), so n is
// limited by the device's memory alone: 4 n^2 bytes, which the caller should
// check first; GL_OUT_OF_MEMORY comes back as an error. Each block takes two
// passes (shaders/dense_partial.comp, dense_reduce.comp). The last product is
// checked against the host. It may be called from any goroutine, or inside Do.
func (c *Context) DenseMatVec(n, reps int) (secPerProduct float64, err error) {
	if n < 1 || reps < 1 {
		panic(fmt.Sprintf("engine/gl: DenseMatVec(n=%d, reps=%d)", n, reps))
	}
	plan, err := PlanDense(n, c.limits.MaxSSBOBlockSize)
	if err != nil {
		return 0, fmt.Errorf("engine/gl: dense baseline on %s: %w", c.info.Renderer, err)
	}
	if uint64(plan.ColsPerBlock/plan.Chunk)*uint64(n) > math.MaxUint32 {
		return 0, fmt.Errorf("engine/gl: dense baseline of %d x %d needs more than 2^32 invocations per pass", n, n)
	}
	err = c.Do(func() error {
		d := &denseRun{c: c, n: n, plan: plan}
		defer d.delete()
		if err := d.build(); err != nil {
			return err
		}
		c.Barrier()
		if err := d.product(); err != nil { // warm-up: first use, page faults
			return err
		}
		t := c.NewTimer()
		defer t.Delete()
		fastest := time.Duration(math.MaxInt64)
		for range reps {
			t.Begin()
			if err := d.product(); err != nil {
				return err
			}
			t.End()
			fastest = min(fastest, t.Elapsed())
		}
		if err := glError("dense baseline"); err != nil {
			return err
		}
		if err := d.check(); err != nil {
			return err
		}
		if fastest <= 0 {
			return fmt.Errorf("engine/gl: the fastest of %d dense products timed at %v", reps, fastest)
		}
		secPerProduct = fastest.Seconds()
		return nil
	})
	return secPerProduct, err
}

// denseRun is the dense baseline's programs and buffers: W in blocks of
// columns, x, y and the partial sums.
type denseRun struct {
	c                     *Context
	n                     int
	plan                  DensePlan
	fill, partial, reduce *Program
	blocks                []denseBlock
	xBuf, yBuf, pBuf      *Buffer
	x                     []float32
	owned                 []interface{ Delete() }
}

// denseBlock is a block of columns of W: its buffer, first column and width.
type denseBlock struct {
	buf        *Buffer
	base, cols int
}

// delete frees what build made.
func (d *denseRun) delete() {
	for i := len(d.owned) - 1; i >= 0; i-- {
		d.owned[i].Delete()
	}
}

// build compiles the programs, fills W on the device block by block, uploads
// x and binds the buffers. Call inside Do.
func (d *denseRun) build() error {
	c, n, plan := d.c, d.n, d.plan
	var progs [3]*Program
	for i, name := range []string{"dense_fill.comp", "dense_partial.comp", "dense_reduce.comp"} {
		p, err := c.NewProgram(name, nil)
		if err != nil {
			return err
		}
		d.owned = append(d.owned, p)
		progs[i] = p
	}
	d.fill, d.partial, d.reduce = progs[0], progs[1], progs[2]
	for base := 0; base < n; base += plan.ColsPerBlock {
		cols := min(plan.ColsPerBlock, n-base)
		buf, err := c.NewBuffer(fmt.Sprintf("dense W columns %d-%d", base, base+cols-1), cols*n*4)
		if err != nil {
			return fmt.Errorf("dense baseline of %d x %d (%.2f GiB): %w", n, n, float64(n)*float64(n)*4/(1<<30), err)
		}
		d.owned = append(d.owned, buf)
		d.blocks = append(d.blocks, denseBlock{buf, base, cols})
		if err := d.fill.Bind("DenseW", buf); err != nil {
			return err
		}
		d.fill.SetUint("uN", uint32(n))
		d.fill.SetUint("uColBase", uint32(base))
		d.fill.Dispatch1D(cols * n)
	}
	d.x = make([]float32, n)
	for j := range d.x {
		d.x[j] = denseX(j)
	}
	chunksPerBlock := (plan.ColsPerBlock + plan.Chunk - 1) / plan.Chunk
	bufs := map[string]int{"dense x": 4 * n, "dense y": 4 * n, "dense partial sums": 4 * n * chunksPerBlock}
	made := map[string]*Buffer{}
	for name, size := range bufs {
		b, err := c.NewBuffer(name, size)
		if err != nil {
			return err
		}
		d.owned = append(d.owned, b)
		made[name] = b
	}
	d.xBuf, d.yBuf, d.pBuf = made["dense x"], made["dense y"], made["dense partial sums"]
	if err := Upload(d.xBuf, 0, d.x); err != nil {
		return err
	}
	for _, bind := range []struct {
		p     *Program
		block string
		buf   *Buffer
	}{{d.partial, "DenseX", d.xBuf}, {d.partial, "DensePartial", d.pBuf}, {d.reduce, "DensePartial", d.pBuf}, {d.reduce, "DenseY", d.yBuf}} {
		if err := bind.p.Bind(bind.block, bind.buf); err != nil {
			return err
		}
	}
	d.partial.SetUint("uN", uint32(n))
	d.partial.SetUint("uChunk", uint32(plan.Chunk))
	d.reduce.SetUint("uN", uint32(n))
	return nil
}

// product computes y = W x, block by block: the partial sums of each chunk
// of columns, then their sum. Call inside Do.
func (d *denseRun) product() error {
	c, n, plan := d.c, d.n, d.plan
	for bi, b := range d.blocks {
		if err := d.partial.Bind("DenseW", b.buf); err != nil {
			return err
		}
		chunks := (b.cols + plan.Chunk - 1) / plan.Chunk
		d.partial.SetUint("uColBase", uint32(b.base))
		d.partial.SetUint("uCols", uint32(b.cols))
		d.partial.Dispatch1D(chunks * n)
		c.Barrier()
		d.reduce.SetUint("uChunks", uint32(chunks))
		d.reduce.SetUint("uAccumulate", uint32(min(bi, 1)))
		d.reduce.Dispatch1D(n)
		c.Barrier()
	}
	return nil
}

// check compares y with the host's product: every row of a small product,
// else 64 spread over the rows and the last. Call inside Do.
func (d *denseRun) check() error {
	n := d.n
	y := make([]float32, n)
	if err := Download(d.yBuf, 0, y); err != nil {
		return err
	}
	check := []int{n - 1}
	for row := 0; row < n-1; row += max(1, n/64) {
		check = append(check, row)
	}
	for _, row := range check {
		want := 0.0
		for j := range n {
			want += denseEntry(row, j, n) * float64(d.x[j])
		}
		if diff := math.Abs(float64(y[row]) - want); diff > 1e-3*math.Abs(want) {
			return fmt.Errorf("engine/gl: dense baseline row %d: y = %v, the host computes %v", row, y[row], want)
		}
	}
	return nil
}
