// Command docinclude refills the include blocks of README.md and docs/*.md
// from the committed result files (package docinclude). Run from the
// repository root: go run ./internal/docinclude/cmd/docinclude [-write].
// Without -write it lists the stale pages and exits 1 if there are any.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/iplgpu/iplgpu/internal/docinclude"
)

func main() {
	write := flag.Bool("write", false, "rewrite the stale pages")
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	stale, err := docinclude.Stale(*root, *write)
	if err != nil {
		fmt.Fprintln(os.Stderr, "docinclude:", err)
		os.Exit(2)
	}
	for _, p := range stale {
		if *write {
			fmt.Println("rewrote", p)
		} else {
			fmt.Println("stale:", p)
		}
	}
	if len(stale) > 0 && !*write {
		os.Exit(1)
	}
}
