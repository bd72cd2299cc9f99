// Command e2esplit splits the real-host tests of test/e2e into N sets of
// about equal running time, so that test/all.sh runs them on N testbed
// slots at once (the tests mostly wait on hosts: boots, apt, services).
//
//	go run ./test/e2esplit N          one -run pattern per line, N lines
//	go run ./test/e2esplit -record LOG...  rewrite durations.txt from go test -v logs
//
// The test names come from the source (func TestX(t *testing.T) in
// test/e2e/*_test.go), so a new test is never left out; one missing from
// durations.txt counts as defaultSeconds. The split is longest first, each
// test to the set with the least time so far: stable for the same files.
package main

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

const (
	testDir        = "test/e2e"
	durationsFile  = "test/e2esplit/durations.txt"
	defaultSeconds = 10.0
)

func main() {
	if len(os.Args) >= 3 && os.Args[1] == "-record" {
		if err := record(os.Args[2:]); err != nil {
			fail(err)
		}
		return
	}
	n, err := strconv.Atoi(strings.Join(os.Args[1:], " "))
	if err != nil || n < 1 || n > 10 {
		fail(fmt.Errorf("usage: e2esplit N (1-10) | e2esplit -record go-test-v.log..."))
	}
	names, err := testNames(testDir)
	if err != nil {
		fail(err)
	}
	secs, err := readDurations(durationsFile)
	if err != nil {
		fail(err)
	}
	for _, set := range split(names, secs, n) {
		fmt.Println(pattern(set))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "e2esplit:", err)
	os.Exit(1)
}

// testNames lists the top-level Test functions of the package in dir.
func testNames(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return nil, err
	}
	var names []string
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if ok && fd.Recv == nil && isTest(fd) {
				names = append(names, fd.Name.Name)
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no tests found in %s (run from the repository's root)", dir)
	}
	sort.Strings(names)
	return names, nil
}

// isTest: TestX(t *testing.T), as go test picks them (not TestMain).
func isTest(fd *ast.FuncDecl) bool {
	name := fd.Name.Name
	if !strings.HasPrefix(name, "Test") || name == "TestMain" {
		return false
	}
	ps := fd.Type.Params.List
	if len(ps) != 1 || len(ps[0].Names) > 1 {
		return false
	}
	star, ok := ps[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "T"
}

// readDurations reads "seconds name" lines.
func readDurations(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	secs := map[string]float64{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		s, err := strconv.ParseFloat(fs[0], 64)
		if len(fs) != 2 || err != nil {
			return nil, fmt.Errorf("%s:%d: want \"seconds TestName\"", path, line)
		}
		secs[fs[1]] = s
	}
	return secs, sc.Err()
}

// split deals the tests, longest first, to the set with the least time.
func split(names []string, secs map[string]float64, n int) [][]string {
	order := append([]string(nil), names...)
	cost := func(name string) float64 {
		if s, ok := secs[name]; ok {
			return s
		}
		return defaultSeconds
	}
	sort.SliceStable(order, func(i, j int) bool { return cost(order[i]) > cost(order[j]) })
	sets := make([][]string, n)
	total := make([]float64, n)
	for _, name := range order {
		k := 0
		for i := range total {
			if total[i] < total[k] {
				k = i
			}
		}
		sets[k] = append(sets[k], name)
		total[k] += cost(name)
	}
	for _, s := range sets {
		sort.Strings(s)
	}
	return sets
}

// pattern matches exactly the named top-level tests (and their subtests).
// An empty set matches nothing rather than everything.
func pattern(set []string) string {
	if len(set) == 0 {
		return "^$"
	}
	return "^(" + strings.Join(set, "|") + ")$"
}

// all.sh prefixes the lines of each slot with "[slot N] ".
var passLine = regexp.MustCompile(`^(?:\[slot \d\] )?--- (?:PASS|FAIL): (Test\w+) \(([0-9.]+)s\)$`)

// record rewrites durations.txt from the top-level results of go test -v logs.
func record(logs []string) error {
	var lines []string
	for _, log := range logs {
		data, err := os.ReadFile(log)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if m := passLine.FindStringSubmatch(line); m != nil {
				lines = append(lines, m[2]+" "+m[1])
			}
		}
	}
	if len(lines) == 0 {
		return fmt.Errorf("%s: no top-level --- PASS/FAIL lines", strings.Join(logs, ", "))
	}
	sort.Slice(lines, func(i, j int) bool { return strings.Fields(lines[i])[1] < strings.Fields(lines[j])[1] })
	head := "# seconds test: real-host test durations for e2esplit (go run ./test/e2esplit -record LOG...)\n"
	return os.WriteFile(durationsFile, []byte(head+strings.Join(lines, "\n")+"\n"), 0o644)
}
