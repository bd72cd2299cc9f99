package runner

import (
	"strings"
	"testing"

	"github.com/clawrun/clawrun/playbooks"
)

// TestRedactDiff: the old side of a secret, and the whole file of a task
// that writes one, never print.
func TestRedactDiff(t *testing.T) {
	s := &playbooks.Secrets{}
	s.Add("NEWTOKEN123")
	cases := []struct {
		name    string
		carries bool
		diff    string
		want    string
	}{
		{
			name: "replaced line hidden on both sides",
			diff: "--- a/env\n+++ b/env\n@@ -1,3 +1,3 @@\n A=1\n-TOKEN=OLDTOKEN999\n+TOKEN=NEWTOKEN123\n B=2\n",
			want: "--- a/env\n+++ b/env\n@@ -1,3 +1,3 @@\n A=1\n-(sensitive value)\n+TOKEN=(sensitive value)\n B=2\n",
		},
		{
			name: "block of several lines",
			diff: "@@ -1,2 +1,1 @@\n-X=OLDA\n-Y=OLDB\n+X=NEWTOKEN123\n",
			want: "@@ -1,2 +1,1 @@\n-(sensitive value)\n-(sensitive value)\n+X=(sensitive value)\n",
		},
		{
			name: "block without a secret untouched",
			diff: "@@ -1,2 +1,2 @@\n-mode=a\n+mode=b\n same\n",
			want: "@@ -1,2 +1,2 @@\n-mode=a\n+mode=b\n same\n",
		},
		{
			name:    "a task carrying a secret hides context and removed lines",
			carries: true,
			diff:    "@@ -1,3 +1,2 @@\n h1=OTHERHOSTTOKEN\n-h2=OLDTOKEN999\n+h2=NEWTOKEN123\n-gone=1\n",
			want:    "@@ -1,3 +1,2 @@\n (sensitive value)\n-(sensitive value)\n+h2=(sensitive value)\n-(sensitive value)\n",
		},
		{
			name: "removed line that looks like a header",
			diff: "@@ -1,1 +1,1 @@\n--- OLDTOKEN999\n+++ NEWTOKEN123\n",
			want: "@@ -1,1 +1,1 @@\n-(sensitive value)\n+++ (sensitive value)\n",
		},
		{
			name: "counts omitted in the header",
			diff: "@@ -1 +1 @@\n-OLDTOKEN999\n+NEWTOKEN123\n\\ No newline at end of file\n",
			want: "@@ -1 +1 @@\n-(sensitive value)\n+(sensitive value)\n\\ No newline at end of file\n",
		},
		{
			name: "two files",
			diff: "--- a\n+++ b\n@@ -1,1 +1,1 @@\n-k=OLD1\n+k=NEWTOKEN123\n--- c\n+++ d\n@@ -1,1 +1,1 @@\n-plain\n+text\n",
			want: "--- a\n+++ b\n@@ -1,1 +1,1 @@\n-(sensitive value)\n+k=(sensitive value)\n--- c\n+++ d\n@@ -1,1 +1,1 @@\n-plain\n+text\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redactDiff(c.diff, s, c.carries)
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			for _, old := range []string{"OLDTOKEN999", "OTHERHOSTTOKEN", "NEWTOKEN123", "OLDA", "OLDB", "OLD1"} {
				if strings.Contains(got, old) {
					t.Errorf("%s printed", old)
				}
			}
		})
	}
}
