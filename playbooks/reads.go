package playbooks

import (
	"crypto/sha256"
	"path/filepath"
	"sync"
)

// FileReads logs the controller files an evaluation of the playbook read
// (file and template sources, file(), templatefile()), with the sha256 of
// what was read, so that a saved plan can refuse any edit of them.
// Included files are in Playbook.Source already.
type FileReads struct {
	mu sync.Mutex
	m  map[string][sha256.Size]byte
}

// changedDuringRun stands for a file read twice with different contents.
var changedDuringRun [sha256.Size]byte

func (r *FileReads) note(path string, b []byte) {
	if r == nil {
		return
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	sum := sha256.Sum256(b)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string][sha256.Size]byte{}
	}
	if old, ok := r.m[path]; ok && old != sum {
		sum = changedDuringRun
	}
	r.m[path] = sum
}

// Snapshot returns the files read so far and their sha256.
func (r *FileReads) Snapshot() map[string][sha256.Size]byte {
	out := map[string][sha256.Size]byte{}
	if r == nil {
		return out
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range r.m {
		out[k] = v
	}
	return out
}
