package main

import "io"

// console is where a command prints: results to stdout, notes and errors to
// stderr.
type console struct {
	stdout, stderr io.Writer
}
