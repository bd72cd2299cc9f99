// Command sizecheck reports non-test Go files over 450 lines and functions
// over 90 lines, the limits ARCHITECTURE.md sets; it exits 1 if any exist.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const (
	maxFileLines = 450
	maxFuncLines = 90
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	bad := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		bad += check(path)
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sizecheck:", err)
		os.Exit(2)
	}
	if bad > 0 {
		os.Exit(1)
	}
	fmt.Println("sizecheck: ok")
}

func check(path string) int {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sizecheck:", err)
		return 1
	}
	bad := 0
	if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
		fmt.Printf("%s: %d lines (max %d)\n", path, n, maxFileLines)
		bad++
	}
	ast.Inspect(f, func(n ast.Node) bool {
		var name string
		switch fn := n.(type) {
		case *ast.FuncDecl:
			name = fn.Name.Name
			if fn.Recv != nil && len(fn.Recv.List) > 0 {
				name = recvName(fn.Recv.List[0].Type) + "." + name
			}
		case *ast.FuncLit:
			name = "func literal"
		default:
			return true
		}
		lines := fset.Position(n.End()).Line - fset.Position(n.Pos()).Line + 1
		if lines > maxFuncLines {
			fmt.Printf("%s:%d: %s is %d lines (max %d)\n", path, fset.Position(n.Pos()).Line, name, lines, maxFuncLines)
			bad++
		}
		return true
	})
	return bad
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return recvName(t.X)
	}
	return "?"
}
