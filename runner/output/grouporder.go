package output

// playOrder ranks task keys so that grouped output keeps the playbook's
// order. seqs are the hosts' keys in the order each host ran them (every
// host follows play order, but skips unchanged tasks, so no one host has
// them all): the keys are merged by a topological sort of "comes after"
// within each host, ties (and any cycle, from a repeated key) broken by
// first sight.
func playOrder(seqs [][]string) map[string]int {
	first := map[string]int{}
	var keys []string
	after := map[string]map[string]bool{} // key -> keys that must come later
	indeg := map[string]int{}
	for _, seq := range seqs {
		for i, k := range seq {
			if _, ok := first[k]; !ok {
				first[k] = len(keys)
				keys = append(keys, k)
				after[k] = map[string]bool{}
			}
			if i > 0 && seq[i-1] != k && !after[seq[i-1]][k] {
				after[seq[i-1]][k] = true
				indeg[k]++
			}
		}
	}
	rank := make(map[string]int, len(keys))
	for len(rank) < len(keys) {
		pick := ""
		for _, k := range keys { // lowest first sight among the ready
			if _, done := rank[k]; !done && indeg[k] == 0 {
				pick = k
				break
			}
		}
		if pick == "" { // a cycle: take the earliest seen
			for _, k := range keys {
				if _, done := rank[k]; !done {
					pick = k
					break
				}
			}
		}
		rank[pick] = len(rank)
		for n := range after[pick] {
			indeg[n]--
		}
	}
	return rank
}
