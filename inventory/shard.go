package inventory

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// MaxShards bounds N in --shard K/N: more shards than that is a typo.
const MaxShards = 1000

// Shard is one of N stable parts of an inventory (--shard K/N, K 1-based).
// A host belongs to shard FNV-1a-64(host name) mod N, plus one: the same
// name always lands in the same shard of N, whatever else the inventory
// holds and in whatever order, so a CI matrix of N jobs covers every host
// exactly once.
type Shard struct {
	K, N int
}

// ParseShard reads "K/N" (1 <= K <= N <= MaxShards); "" is no shard.
func ParseShard(s string) (*Shard, error) {
	if s == "" {
		return nil, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	k, errK := strconv.Atoi(strings.TrimSpace(ks))
	n, errN := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || errK != nil || errN != nil {
		return nil, fmt.Errorf("--shard %q: want K/N, e.g. --shard 2/4 for the second of four shards", s)
	}
	if n < 1 || n > MaxShards {
		return nil, fmt.Errorf("--shard %q: N must be 1 to %d", s, MaxShards)
	}
	if k < 1 || k > n {
		return nil, fmt.Errorf("--shard %q: K must be 1 to %d (shards are numbered from 1)", s, n)
	}
	return &Shard{K: k, N: n}, nil
}

// String is the K/N spelling.
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// ShardOf returns the 1-based shard of N that name belongs to.
func ShardOf(name string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int(h.Sum64()%uint64(n)) + 1
}

// Filter keeps the hosts of this shard, in their order; a nil shard keeps all.
func (s *Shard) Filter(hosts []*Host) []*Host {
	if s == nil {
		return hosts
	}
	var out []*Host
	for _, h := range hosts {
		if ShardOf(h.Name, s.N) == s.K {
			out = append(out, h)
		}
	}
	return out
}
