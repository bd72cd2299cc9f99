package output

import (
	"slices"
	"sort"
	"testing"
)

func TestPlayOrder(t *testing.T) {
	cases := []struct {
		name string
		seqs [][]string
		want []string
	}{
		{"host skips a task", [][]string{{"first", "third", "fourth"}, {"first", "second", "third", "fourth"}}, []string{"first", "second", "third", "fourth"}},
		{"disjoint", [][]string{{"a"}, {"b"}}, []string{"a", "b"}},
		{"cycle falls back to first sight", [][]string{{"a", "b"}, {"b", "a"}}, []string{"a", "b"}},
		{"handler after tasks", [][]string{{"t1", "h"}, {"t0", "t1", "h"}}, []string{"t0", "t1", "h"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := playOrder(c.seqs)
			got := make([]string, 0, len(r))
			for k := range r {
				got = append(got, k)
			}
			sort.Slice(got, func(i, j int) bool { return r[got[i]] < r[got[j]] })
			if !slices.Equal(got, c.want) {
				t.Fatalf("order %v, want %v", got, c.want)
			}
		})
	}
}
