package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a bar on a terminal and plain lines (about every 5% or 10 s)
// otherwise, so logs stay readable.
type progress struct {
	w        io.Writer
	tty      bool
	start    time.Time
	lastLine time.Time
	lastPct  int
}

func newProgress(w io.Writer) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, start: time.Now(), lastPct: -1}
}

func (p *progress) update(done, total int, label string) {
	if total <= 0 {
		return
	}
	pct := 100 * done / total
	el := time.Since(p.start)
	eta := ""
	if done > 0 && done < total {
		rem := time.Duration(float64(el) * float64(total-done) / float64(done))
		eta = " eta " + rem.Round(time.Second).String()
	}
	if p.tty {
		const width = 30
		fill := width * done / total
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d %s%s   ", strings.Repeat("#", fill), strings.Repeat(".", width-fill), pct, done, total, label, eta)
		if done == total {
			fmt.Fprintln(p.w)
		}
		return
	}
	if done == total || pct/5 > p.lastPct/5 || time.Since(p.lastLine) > 10*time.Second {
		fmt.Fprintf(p.w, "progress: %d/%d trials (%d%%) %s elapsed %s%s\n", done, total, pct, label, el.Round(time.Second), eta)
		p.lastPct = pct
		p.lastLine = time.Now()
	}
}
