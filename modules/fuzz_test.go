package modules

import (
	"regexp"
	"strings"
	"testing"
)

// Fuzz targets for every parser of remote output and of user input. The
// seeds run as ordinary tests; `go test -fuzz FuzzX ./modules` explores.

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"0 2 * * 0", "*/5 * * * *", "0 3 1 * *", "@daily", "@reboot", "1-10/2 0,12 1 jan-dec mon-fri", "61 * * * *", "* * *", "5/10 * * * 7", "", "@nope", "1-0 * * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := ParseSchedule(s); err == nil && !strings.HasPrefix(strings.TrimSpace(s), "@") && len(strings.Fields(s)) != 5 {
			t.Errorf("accepted %q without five fields", s)
		}
	})
}

func FuzzEditCron(f *testing.F) {
	f.Add("# mine\n5 5 * * * /bin/true\n", "backup", true)
	f.Add("# clawrun: backup\nA=1\n0 2 * * * x\n# other\n", "backup", false)
	f.Add("", "x", true)
	f.Fuzz(func(t *testing.T, table, name string, present bool) {
		if strings.ContainsAny(name, "\n") || strings.TrimSpace(name) == "" {
			return // rejected by Check
		}
		out := EditCron(table, name, []string{"0 1 * * * job"}, present)
		again := EditCron(out, name, []string{"0 1 * * * job"}, present)
		if again != out {
			t.Errorf("not idempotent:\n%q\n%q", out, again)
		}
	})
}

func FuzzParseUFWState(f *testing.F) {
	f.Add("installed=yes\nENABLED=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\nuser.rules allow tcp 22 0.0.0.0/0 any 10.66.0.0/24 in comment=7373682061646d696e\nuser6.rules limit tcp 2222 ::/0 any ::/0 in_tailscale0\naddr eth0 10.66.0.11\n")
	f.Add("user.rules allow\nuser.rules a b c d e f g comment=zz\n=\n")
	f.Fuzz(func(t *testing.T, out string) {
		st := ParseUFWState(out)
		u := &UFW{State: "enabled", DefaultIncoming: "deny", Rules: []UFWRule{{Action: "allow", Port: "22", Proto: "tcp"}}}
		h := &Host{SSHClient: "10.66.0.1", SSHServer: "10.66.0.11", SSHPort: 22}
		u.Plan(h, out)
		for _, r := range st.Rules {
			_ = r.command(true) + r.String()
		}
	})
}

func FuzzParseUFWPort(f *testing.F) {
	for _, s := range []string{"22", "8000:8100", "80,443", "0", "70000", "a", "1:", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ParseUFWPort(s) == nil && s != "" && s != "any" {
			portMatches(s, 22)
		}
	})
}

func FuzzParseFileProbe(f *testing.F) {
	f.Add("type=file\nmode=644\nowner=root\ngroup=root\nsize=3\nsha256=x\ncontent=YQo=\n")
	f.Add("type=link\ntarget=/x\n")
	f.Add("content=!!!\ntype=file\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, m := range []Module{&File{Path: "/x"}, &LineInFile{Path: "/x", Line: "a", Create: true}, &Cron{Name: "n", Schedule: "@daily", Command: "c", CronFile: "f"}} {
			m.Plan(&Host{}, out)
		}
	})
}

func FuzzParseApt(f *testing.F) {
	f.Add("lists_age=5\nhave_lists=yes\npkg hello ii 2.10-3\npkg x un\nsim Inst hello (2.10-3 Debian:12 [amd64])\nsim Purg x [1]\nsim E: broken\n")
	f.Add("pkg \npkg a i\nsimup Inst\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, a := range []*Apt{{Packages: []string{"hello", "x"}}, {Packages: []string{"hello"}, State: "absent", Purge: true}, {Upgrade: "full", UpdateCache: true}} {
			a.Plan(nil, out)
		}
	})
}

func FuzzDecodeOrdered(f *testing.F) {
	f.Add(`{"b":1,"a":{"y":[1,2,{"z":null}],"x":"s"}}`)
	f.Add(`[1,2`)
	f.Add(`{"a":1}{"b":2}`)
	f.Fuzz(func(t *testing.T, in string) {
		v, tree, err := decodeOrdered([]byte(in))
		if err != nil {
			return
		}
		out, err := encodeOrdered(v, tree, "  ")
		if err != nil {
			t.Fatalf("an unchanged document cannot be written: %v", err)
		}
		v2, _, err := decodeOrdered(out)
		if err != nil {
			t.Fatalf("re-encoded JSON does not parse: %v\n%s", err, out)
		}
		if !jsonEqual(v, v2) {
			t.Errorf("round trip changed the value:\n%s", out)
		}
		var changes []jsonChange
		diffJSON("", v, map[string]any{}, &changes)
	})
}

func FuzzEditLines(f *testing.F) {
	f.Add("a\nb\n", "c", "^b", true)
	f.Add("", "x", "", false)
	f.Fuzz(func(t *testing.T, content, line, re string, present bool) {
		if strings.Contains(line, "\n") {
			return
		}
		rx, err := regexp.Compile(re)
		if err != nil || (present && re != "" && !rx.MatchString(line)) {
			return // rejected by Check
		}
		once := EditLines(content, line, re, present)
		if twice := EditLines(once, line, re, present); twice != once {
			t.Errorf("not idempotent: %q -> %q -> %q", content, once, twice)
		}
	})
}

func TestSplitFileProbe(t *testing.T) {
	specs := []FileSpec{{Path: "/srv/current"}, {Path: "/etc/app.conf"}, {Path: "/srv"}}
	// BatchFileProbe's format: paths by index in sorted order.
	out := "L\t2\tL3Nydi9yZWxlYXNlcy8yCg==\nE\t0\nE\t1\n" +
		"S\tregular file\t644\troot\troot\t6\t0\t0\t/etc/app.conf\nS\tdirectory\t755\troot\troot\t4096\t0\t0\t/srv\n" +
		"e6c7ae3fe1d4bdbd9e5f4b3f8bd9e8baa0c1e74b1be2b6f02a7d82e0cfc0f6d8  /etc/app.conf\nC\t0\tYSA9IDEK\n"
	got, err := SplitFileProbe(specs, out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/srv/current":  "type=link\ntarget=L3Nydi9yZWxlYXNlcy8yCg==\nguard=root\n",
		"/etc/app.conf": "type=file\nmode=644\nowner=root\ngroup=root\nsize=6\nowner_id=0\ngroup_id=0\nsha256=e6c7ae3fe1d4bdbd9e5f4b3f8bd9e8baa0c1e74b1be2b6f02a7d82e0cfc0f6d8\ncontent=YSA9IDEK\nguard=root\n",
		"/srv":          "type=directory\nmode=755\nowner=root\ngroup=root\nsize=4096\nowner_id=0\ngroup_id=0\nguard=root\n",
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s:\n%q\nwant\n%q", p, got[p], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("extra paths: %v", got)
	}
}

func FuzzSplitFileProbe(f *testing.F) {
	f.Add("L\t0\tL2IK\nE\t1\nS\tregular file\t644\troot\troot\t1\t0\t0\t/c\nC\t1\tYQ==\n")
	f.Add("S\t\t\t\t\t\t\t\t\nC\t\t\n")
	specs := []FileSpec{{Path: "/a"}, {Path: "/c"}}
	f.Fuzz(func(t *testing.T, out string) {
		got, _ := SplitFileProbe(specs, out)
		for p, o := range got {
			(&File{Path: p}).Plan(&Host{}, o)
		}
	})
}
