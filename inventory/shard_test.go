package inventory

import (
	"strings"
	"testing"
)

// TestShardOf pins the documented hash (FNV-1a 64 of the name, mod N,
// plus 1) with values computed independently of Go's hash/fnv.
func TestShardOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		want [3]int // N = 2, 3, 7
	}{
		{"a", [3]int{1, 2, 6}},
		{"h01", [3]int{1, 3, 5}},
		{"web-1", [3]int{2, 2, 3}},
	} {
		for i, n := range []int{2, 3, 7} {
			if got := ShardOf(tc.name, n); got != tc.want[i] {
				t.Errorf("ShardOf(%q, %d) = %d, want %d", tc.name, n, got, tc.want[i])
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     *Shard
		err      string
	}{
		{"none", "", nil, ""},
		{"first", "1/3", &Shard{1, 3}, ""},
		{"last", "3/3", &Shard{3, 3}, ""},
		{"spaces", " 2 / 4 ", &Shard{2, 4}, ""},
		{"zero K", "0/3", nil, "K must be 1 to 3"},
		{"K above N", "4/3", nil, "K must be 1 to 3"},
		{"zero N", "1/0", nil, "N must be 1 to 1000"},
		{"huge N", "1/1001", nil, "N must be 1 to 1000"},
		{"word", "x", nil, "want K/N"},
		{"no N", "1/", nil, "want K/N"},
		{"three parts", "1/2/3", nil, "want K/N"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseShard(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseShard(%q) = %v, %v; want error %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Fatalf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}
