package modules

import (
	"encoding/base64"
	"strings"
	"testing"
)

// Issue 19, items 3-5: parsers and renderers that decide what a write
// puts on the host.

func TestCheckPath(t *testing.T) {
	cases := []struct{ path, err string }{
		{"/srv/x", ""},
		{"", ""}, // unknown at validate time
		{"/srv/link/", `Write "/srv/link"`},
		{"/srv/./x", `Write "/srv/x"`},
		{"/srv/a/../x", `Write "/srv/x"`},
		{"//srv/x", `Write "/srv/x"`},
		{"srv/x", "is relative"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			d := checkPath(Attrs{}, "path", c.path)
			got := ""
			if d.HasErrors() {
				got = d[0].Detail
			}
			if c.err == "" && got != "" || !strings.Contains(got, c.err) {
				t.Errorf("got %q, want %q", got, c.err)
			}
		})
	}
}

func jqPlan(t *testing.T, expr, content string) (*Plan, error) {
	t.Helper()
	j := &JQEdit{Path: "/etc/x.json", Expression: expr}
	if d := j.Check(Attrs{}); d.HasErrors() {
		t.Fatal(d)
	}
	return j.Plan(nil, "type=file\nmode=644\nowner=root\ngroup=root\nsha256="+sha([]byte(content))+"\ncontent="+base64.StdEncoding.EncodeToString([]byte(content))+"\n")
}

func TestJQEditKeepsUntouchedValues(t *testing.T) {
	cases := []struct {
		name, expr, in string
		out, diff, err string
	}{
		{name: "numbers keep their source text", expr: `.name = "b"`,
			in:   `{"big": 1e400, "price": 1.50, "exp": 1E20, "neg": -0, "l": [1.0, 2], "name": "a"}`,
			out:  "{\n  \"big\": 1e400,\n  \"price\": 1.50,\n  \"exp\": 1E20,\n  \"neg\": -0,\n  \"l\": [\n    1.0,\n    2\n  ],\n  \"name\": \"b\"\n}\n",
			diff: "~ .name: \"a\" → \"b\"\n"},
		{name: "a changed number is written anew", expr: `.price = 2`, in: `{"price": 1.50}`,
			out: "{\n  \"price\": 2\n}\n", diff: "~ .price: 1.5 → 2\n"},
		{name: "equal by value: no write", expr: `.exp = 100000000000000000000`, in: `{"exp": 1E20}`},
		{name: "Latin-1 refused", expr: `.a = 1`, in: "{\"n\": \"caf\xe9\"}", err: "not UTF-8 (byte 0xe9 at offset 10"},
		{name: "lone surrogate refused", expr: `.a = 1`, in: `{"n": "\ud800x"}`, err: "half of a UTF-16 surrogate pair"},
		{name: "surrogate pair accepted", expr: `.a = 1`, in: `{"n": "\ud83d\ude00"}`, out: "{\n  \"n\": \"😀\",\n  \"a\": 1\n}\n", diff: "+ .a: 1\n"},
		{name: "escaped backslash is no surrogate", expr: `.a = 1`, in: `{"n": "\\ud800"}`, out: "{\n  \"n\": \"\\\\ud800\",\n  \"a\": 1\n}\n", diff: "+ .a: 1\n"},
		{name: "duplicate key refused", expr: `.a = 1`, in: `{"k": 1, "k": 2}`, err: `key "k" appears twice`},
		{name: "infinite result refused", expr: `.big = .big * 1e300`, in: `{"big": 1e300}`, err: "JSON cannot represent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := jqPlan(t, c.expr, c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var out string
			for _, w := range p.Writes {
				out = string(w.Content)
			}
			if out != c.out || p.Diff != c.diff {
				t.Errorf("wrote\n%s\ndiff\n%s\nwant\n%s\ndiff\n%s", out, p.Diff, c.out, c.diff)
			}
		})
	}
}

func TestCronEnvValue(t *testing.T) {
	cases := []struct{ in, out, err string }{
		{"admin@example.com", "admin@example.com", ""},
		{"", `""`, ""},
		{" lead", `" lead"`, ""},
		{`"x"`, `'"x"'`, ""},
		{`a"b`, `a"b`, ""},
		{"trail ", "", "trailing spaces"},
		{"a\nb", "", "one line"},
		{` '" `, "", "trailing"},
		{` '"`, "", "both quote characters"},
	}
	for _, c := range cases {
		got, err := cronEnvValue(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.out {
			t.Errorf("%q: got %q (%v), want %q", c.in, got, err, c.out)
		}
	}
}

// TestParseScheduleDebian: verdicts of Debian 12's crontab -n (cron
// 3.0pl1-162) for each schedule; validate may be stricter, never looser.
func TestParseScheduleDebian(t *testing.T) {
	cases := []struct {
		s      string
		debian bool // crontab -n accepts it
		ours   bool
	}{
		{"5/10 * * * *", false, false},
		{"*/0 * * * *", false, false},
		{"*/5 * * * *", true, true},
		{"1-5/20 * * * *", true, true},
		{"0 0 * JAN-mar/2 *", true, true},
		{"0 0 * * 7", true, true},
		{"0 0 * * sun-7", true, true},
		{"0 0 0 * *", false, false},
		{"0 0 * * Sunday", false, false},
		{"0 24 * * *", false, false},
		{"00005 * * * *", true, true},
		{"* * * * mon/2", false, false},
		{"1,,2 * * * *", false, false},
		{"*/5x * * * *", false, false},
		{"@Daily", false, false},
		{"@daily", true, true},
		{"@ daily", false, false},
		{"0-59/0 * * * *", false, false},
		{"-5 * * * *", false, false},
		{"* * * 0 *", false, false},
		{"jan * * * *", false, false},
		{"* */1 * * *", true, true},
		{"0\t0 * *\t*", true, true},
		// cron skips what follows a valid item, or never runs it: refused.
		{"*x * * * *", true, false},
		{"*/2/3 * * * *", true, false},
		{"1-2-3 * * * *", true, false},
		{"*-5 * * * *", true, false},
		{"5-3 * * * *", true, false},
		{"*/100 * * * *", true, false},
		{"* * * * *\n* * * * * evil", false, false},
	}
	for _, c := range cases {
		err := ParseSchedule(c.s)
		if (err == nil) != c.ours {
			t.Errorf("%q: ParseSchedule error %v, want accepted=%v", c.s, err, c.ours)
		}
		if err == nil && !c.debian {
			t.Errorf("%q: accepted, but Debian's cron rejects it", c.s)
		}
	}
}
