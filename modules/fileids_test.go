package modules

import "testing"

// Issue 19 (second review) item 5: owner = "1000" / group = "100" settle:
// the host prints names and ids, a number is compared with the id.
func TestNumericOwnerSettles(t *testing.T) {
	probe := "type=file\nmode=644\nowner=admin\ngroup=users\nsize=2\nowner_id=1000\ngroup_id=100\nsha256=73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac\ncontent=eAo=\n"
	for _, c := range []struct {
		name         string
		owner, group string
		change       bool
	}{
		{"numeric ids", "1000", "100", false},
		{"names", "admin", "users", false},
		{"other id", "1001", "100", true},
		{"other group id", "1000", "0", true},
		{"other name", "root", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := (&File{Path: "/srv/n", Content: ptr("x\n"), Owner: c.owner, Group: c.group}).Plan(&Host{}, probe)
			if err != nil {
				t.Fatal(err)
			}
			if p.Changed() != c.change {
				t.Errorf("changed %v, want %v: %v", p.Changed(), c.change, p)
			}
		})
	}
}
