package main

import (
	"os"
	"regexp"
	"testing"
)

// Every real-host test lands in exactly one set, whatever N, and the sets
// are the same from one run to the next: a test left out would never run
// in CI, one in two sets would run twice on different slots.
func TestSplitCoversEveryTestOnce(t *testing.T) {
	if err := os.Chdir("../.."); err != nil {
		t.Fatal(err)
	}
	names, err := testNames(testDir)
	if err != nil {
		t.Fatal(err)
	}
	secs, err := readDurations(durationsFile)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 4; n++ {
		sets := split(names, secs, n)
		if len(sets) != n {
			t.Fatalf("n=%d: %d sets", n, len(sets))
		}
		res := make([]*regexp.Regexp, n)
		for i, s := range sets {
			res[i] = regexp.MustCompile(pattern(s))
		}
		for _, name := range names {
			hits := 0
			for _, re := range res {
				if re.MatchString(name) {
					hits++
				}
			}
			if hits != 1 {
				t.Errorf("n=%d: %s matches %d sets, want 1", n, name, hits)
			}
		}
		// A prefix of a test's name is not that test.
		for _, re := range res {
			if re.MatchString("TestAptModuleX") || re.MatchString("Test") {
				t.Errorf("n=%d: pattern %s is not anchored", n, re)
			}
		}
		again := split(names, secs, n)
		for i := range sets {
			if pattern(sets[i]) != pattern(again[i]) {
				t.Errorf("n=%d: set %d differs between two splits", n, i)
			}
		}
	}
}

func TestSplitBalances(t *testing.T) {
	secs := map[string]float64{"TestA": 100, "TestB": 60, "TestC": 50, "TestD": 10}
	sets := split([]string{"TestA", "TestB", "TestC", "TestD", "TestNew"}, secs, 2)
	// Longest first: A | B, C to B's set (60 < 100), D to A's (100 <
	// 110), TestNew (10 s when unknown) to the first of two at 110.
	want := []string{"^(TestA|TestD|TestNew)$", "^(TestB|TestC)$"}
	for i := range want {
		if got := pattern(sets[i]); got != want[i] {
			t.Errorf("set %d = %s, want %s", i, got, want[i])
		}
	}
	if got := pattern(split([]string{"TestA"}, secs, 2)[1]); got != "^$" {
		t.Errorf("empty set's pattern = %q, want one that matches no test", got)
	}
}
