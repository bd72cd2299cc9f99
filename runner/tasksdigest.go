package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/clawrun/clawrun/playbooks"
)

// TasksDigest is a sha256 of the playbook's task list: each task's and
// handler's module and name, which every output prints anyway. It holds
// no attribute value, so it reveals no secret (a plain digest of the
// playbook's text could be brute-forced for a low-entropy secret in it;
// saved plans key theirs for that reason). merge-plans refuses to merge
// runs whose digests differ.
func TasksDigest(pb *playbooks.Playbook) string {
	h := sha256.New()
	for _, list := range [][]*playbooks.TaskSpec{pb.Tasks, pb.Handlers} {
		for _, t := range list {
			fmt.Fprintf(h, "%q %q %t\n", t.Module, t.Name, t.Handler)
		}
		h.Write([]byte("--\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
