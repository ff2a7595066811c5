package codecheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// DocRef is a name in a comment that names nothing: pkg.Name where pkg is
// one of the module's packages and Name none of its exported identifiers, or
// a word of two or more capitalised parts (e.g. NewBackend) that is no identifier of
// the module and no word of NotGo.
type DocRef struct {
	File string // relative to the module root
	Line int
	Ref  string // as written, pkg.Name or pkg.Type.Member
}

// camel matches a word of two or more capitalised parts that is not part of a qualified name.
var camel = regexp.MustCompile(`(?:^|[^.\w"])([A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*)\b`)

// NotGo are words of two or more capitalised parts in comments that name no Go identifier: units,
// products, and names in other languages (GLSL blocks, Linux, Slurm).
var NotGo = map[string]bool{
	"OpenGL": true, "GiB": true, "MiB": true, "NumPy": true, "TrueType": true, "SwiftShader": true,
	"MemAvailable": true, "VmSize": true, // /proc/meminfo and /proc/self/status fields
	"MaxArraySize": true,                                            // a Slurm setting
	"SpineS":       true,                                            // a GLSL storage block
	"VectorData":   true, "VectorIndex": true, "DynamicTable": true, // NWB (hdmf-common) types
	"H5Rcreate": true, // an HDF5 C function
}

// qualified matches pkg.Name and pkg.Type.Method.
var qualified = regexp.MustCompile(`\b([a-z][a-z0-9]*)\.([A-Z][A-Za-z0-9_]*)(?:\.([A-Z][A-Za-z0-9_]*))?`)

// DocRefs checks every comment of the non-test .go files under root: each
// pkg.Name (and pkg.Type.Member) where pkg is the name of one of the
// module's packages must name an exported identifier of it (a function,
// type, variable or constant; a method or field of the type), and each
// word of two or more capitalised parts must be an identifier somewhere in the module (tests
// included) or a word of NotGo. It returns the references that do not, in
// file order.
func DocRefs(root string) ([]DocRef, error) {
	type file struct {
		path string
		f    *ast.File
	}
	var files []file
	idents := map[string]bool{} // every identifier of the module
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				idents[id.Name] = true
			}
			return true
		})
		if !strings.HasSuffix(path, "_test.go") {
			files = append(files, file{path, f})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The exported names of each package (by package name; main left out),
	// with Type.Member for the methods and fields of each type.
	names := map[string]map[string]bool{}
	for _, fl := range files {
		pkg := fl.f.Name.Name
		if pkg == "main" {
			continue
		}
		if names[pkg] == nil {
			names[pkg] = map[string]bool{}
		}
		for n := range exported(fl.f) {
			names[pkg][n] = true
		}
	}
	var out []DocRef
	for _, fl := range files {
		rel, _ := filepath.Rel(root, fl.path)
		for _, cg := range fl.f.Comments {
			for _, c := range cg.List {
				for _, m := range qualified.FindAllStringSubmatchIndex(c.Text, -1) {
					pkg, name := c.Text[m[2]:m[3]], c.Text[m[4]:m[5]]
					known := names[pkg]
					if known == nil {
						continue
					}
					ref := pkg + "." + name
					ok := known[name]
					if ok && m[6] >= 0 {
						member := name + "." + c.Text[m[6]:m[7]]
						if known[name+".*"] { // a type whose members are not all listed (embedded, interface)
							continue
						}
						ok, ref = known[member], pkg+"."+member
					}
					if !ok {
						line := fset.Position(c.Pos()).Line + strings.Count(c.Text[:m[0]], "\n")
						out = append(out, DocRef{File: filepath.ToSlash(rel), Line: line, Ref: ref})
					}
				}
				for _, m := range camel.FindAllStringSubmatchIndex(c.Text, -1) {
					w := c.Text[m[2]:m[3]]
					if !idents[w] && !NotGo[w] {
						line := fset.Position(c.Pos()).Line + strings.Count(c.Text[:m[2]], "\n")
						out = append(out, DocRef{File: filepath.ToSlash(rel), Line: line, Ref: w})
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out, nil
}

// exported returns the exported top-level names of f, with Type.Member for
// methods, struct fields and interface methods; Type.* marks a type with
// embedded members, whose members are not checked.
func exported(f *ast.File) map[string]bool {
	out := map[string]bool{}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) > 0 {
				if recv := funcName(d); recv != d.Name.Name {
					out[recv] = true
				}
				continue
			}
			out[d.Name.Name] = true
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch sp := spec.(type) {
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						out[n.Name] = true
					}
				case *ast.TypeSpec:
					out[sp.Name.Name] = true
					var fields *ast.FieldList
					switch t := sp.Type.(type) {
					case *ast.StructType:
						fields = t.Fields
					case *ast.InterfaceType:
						fields = t.Methods
					default:
						out[sp.Name.Name+".*"] = true // an alias or a named type: members not listed here
					}
					if fields == nil {
						continue
					}
					for _, fld := range fields.List {
						if len(fld.Names) == 0 {
							out[sp.Name.Name+".*"] = true
						}
						for _, n := range fld.Names {
							out[sp.Name.Name+"."+n.Name] = true
						}
					}
				}
			}
		}
	}
	return out
}
