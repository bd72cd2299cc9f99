// Command mutate checks that the fast tests catch small bugs planted in
// safety-critical code. Each package keeps the list of its mutations next
// to its code (<package>/mutations.txt). For each mutation, mutate applies
// it to a temporary copy of the repository, runs the fast tests and
// requires them to fail; it prints a table of mutation -> failing tests
// and exits 1 when a mutation survives or no longer applies.
//
//	go run ./test/mutate [-run REGEXP]      (test/mutate.sh)
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// mutation is one block of a mutations.txt.
type mutation struct {
	Name, Dir, File, From, To string
	Tests                     []string
	Line                      int // where the block starts, for messages
}

var defaultTests = []string{"./runner/...", "./modules/", "./playbooks/"}

func main() {
	run := flag.String("run", "", "only mutations whose name matches this regexp")
	par := flag.Int("p", 2, "mutations checked at once (each in its own copy)")
	flag.Parse()
	re, err := regexp.Compile(*run)
	if err != nil {
		fatal(err)
	}
	ms, err := loadAll(".")
	if err != nil {
		fatal(err)
	}
	var sel []mutation
	for _, m := range ms {
		if re.MatchString(m.Name) {
			sel = append(sel, m)
		}
	}
	if len(sel) == 0 {
		fatal(fmt.Errorf("no mutations selected"))
	}
	start := time.Now()
	// Each worker has its own copy: a mutant must not meet another.
	type result struct {
		verdict string
		ok      bool
	}
	results := make([]chan result, len(sel))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	var copies []string
	next := make(chan int, len(sel))
	for i := range sel {
		next <- i
	}
	close(next)
	for w := 0; w < max(1, *par); w++ {
		tmp, err := os.MkdirTemp("", "clawrun-mutate-")
		if err != nil {
			fatal(err)
		}
		copies = append(copies, tmp)
		if err := copyRepo(".", tmp); err != nil {
			fatal(err)
		}
		go func() {
			for i := range next {
				v, ok := check(tmp, sel[i])
				results[i] <- result{v, ok}
			}
		}()
	}
	bad := 0
	fmt.Printf("| mutation | file | caught by |\n|---|---|---|\n")
	for i, m := range sel {
		r := <-results[i]
		if !r.ok {
			bad++
		}
		fmt.Printf("| %s | %s | %s |\n", m.Name, filepath.Join(m.Dir, m.File), r.verdict)
	}
	for _, d := range copies {
		os.RemoveAll(d)
	}
	fmt.Printf("\n%d mutations, %d not caught, %s\n", len(sel), bad, time.Since(start).Round(time.Second))
	if bad > 0 {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "mutate:", err)
	os.Exit(2)
}

// loadAll reads every mutations.txt below root.
func loadAll(root string) ([]mutation, error) {
	var all []mutation
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.Name() == "mutations.txt" {
			ms, err := parse(p)
			if err != nil {
				return err
			}
			all = append(all, ms...)
		}
		return nil
	})
	return all, err
}

// parse reads blocks of "key: value" lines separated by blank lines; "#"
// lines are comments. Values are taken literally (no escapes).
func parse(path string) ([]mutation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mutation
	var cur *mutation
	flush := func() error {
		if cur == nil {
			return nil
		}
		if cur.Name == "" || cur.File == "" || cur.From == "" {
			return fmt.Errorf("%s:%d: a mutation needs mutation, file and from", path, cur.Line)
		}
		if cur.Tests == nil {
			cur.Tests = defaultTests
		}
		out = append(out, *cur)
		cur = nil
		return nil
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want key: value", path, n)
		}
		if cur == nil {
			cur = &mutation{Dir: filepath.Dir(path), Line: n}
		}
		v = strings.TrimPrefix(v, " ")
		switch k {
		case "mutation":
			cur.Name = v
		case "file":
			cur.File = v
		case "from":
			cur.From = v
		case "to":
			cur.To = v
		case "tests":
			cur.Tests = strings.Fields(v)
		default:
			return nil, fmt.Errorf("%s:%d: unknown key %q", path, n, k)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, sc.Err()
}

// copyRepo copies the files git knows (tracked or not ignored).
func copyRepo(src, dst string) error {
	out, err := exec.Command("git", "-C", src, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %w", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree
			}
			return err
		}
		st, _ := os.Stat(filepath.Join(src, name))
		p := filepath.Join(dst, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, st.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

var failRE = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)

// check applies m in the copy, runs its tests and restores the file. It
// returns what to print and whether the mutation was caught.
func check(tmp string, m mutation) (string, bool) {
	path := filepath.Join(tmp, m.Dir, m.File)
	orig, err := os.ReadFile(path)
	if err != nil {
		return "ERROR: " + err.Error(), false
	}
	if n := strings.Count(string(orig), m.From); n != 1 {
		return fmt.Sprintf("STALE: `from` found %d times (update %s/mutations.txt)", n, m.Dir), false
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(orig), m.From, m.To, 1)), 0o644); err != nil {
		return "ERROR: " + err.Error(), false
	}
	defer os.WriteFile(path, orig, 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-count=1", "-failfast"}, m.Tests...)...)
	cmd.Dir = tmp
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err == nil {
		return "**SURVIVED**: no fast test failed", false
	}
	if strings.Contains(out.String(), "[build failed]") || strings.Contains(out.String(), "[setup failed]") {
		return "ERROR: the mutant does not compile; make it a bug, not a build error:\n" + firstLines(out.String(), 5), false
	}
	names := map[string]bool{}
	for _, f := range failRE.FindAllStringSubmatch(out.String(), -1) {
		names[f[1]] = true
	}
	if len(names) == 0 {
		return "ERROR: tests failed without a failing test:\n" + firstLines(out.String(), 5), false
	}
	var list []string
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	// A parent test fails with its subtest: name the deepest ones.
	var leaves []string
	for _, n := range list {
		leaf := true
		for _, o := range list {
			if strings.HasPrefix(o, n+"/") {
				leaf = false
			}
		}
		if leaf {
			leaves = append(leaves, n)
		}
	}
	return strings.Join(leaves, ", "), true
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " / ")
}
