package output

import (
	"sort"

	"github.com/clawrun/clawrun/runner/event"
)

// sortedHosts sorts recap keys for stable output.
func sortedHosts(m map[string]*event.Recap) []string {
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
