// Command funcsize prints the functions of the module's non-test source
// longer than -lines lines or with more than -params parameters, as a
// Markdown table; run it from the module root:
//
//	go run ./internal/codecheck/cmd/funcsize
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/iplgpu/iplgpu/internal/codecheck"
)

func main() {
	lines := flag.Int("lines", codecheck.MaxLines, "report functions longer than this many lines")
	params := flag.Int("params", codecheck.MaxParams, "report functions with more parameters than this")
	flag.Parse()
	fs, err := codecheck.Funcs(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "funcsize:", err)
		os.Exit(1)
	}
	fmt.Println("| function | lines | params | allowed because |")
	fmt.Println("|---|---:|---:|---|")
	for _, f := range fs {
		if f.Lines > *lines || f.Params > *params {
			fmt.Printf("| %s | %d | %d | %s |\n", f.Name, f.Lines, f.Params, codecheck.SizeAllowed[f.Name])
		}
	}
}
