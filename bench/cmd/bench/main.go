// Command bench times clawrun against Ansible on testbed hosts: the
// hardening workload of bench/ansible/vps.yml and its clawrun twin
// bench/clawrun/vps.hcl, on separate host sets, alternately, and prints
// medians and ratios for a cold apply, a no-change rerun and a plan.
//
//	sudo bench/run.sh                      # 1, 4, 8 hosts with Ansible; 24 clawrun-only
//	sudo bench/run.sh -sizes 4 -reps 5
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	sizesFlag  = flag.String("sizes", "1,4,8,24", "host counts to measure")
	ansibleMax = flag.Int("ansible-max", 8, "largest host count Ansible is run at (it takes minutes beyond)")
	reps       = flag.Int("reps", 3, "repetitions of no-change and plan runs (medians are reported)")
	coldReps   = flag.Int("cold-reps", 3, "cold applies per size, each on freshly reset hosts (median reported)")
	out        = flag.String("out", "bench/results.md", "markdown table of the results")
	ansibleDir = flag.String("ansible", "bench/ansible", "folder of the Ansible workload")
	state      = "/run/clawrun-testbed"
)

// scaleHeading starts the part of the results file bench/scale.sh's
// numbers are in; this command rewrites only what comes before it.
const scaleHeading = "## Scale: one controller, loopback hosts"

type result struct {
	size                             int
	cold, noChange, plan             time.Duration
	aCold, aNoChange, aCheck         time.Duration
	handshakes, roundTrips, failures int
	maxRSSKB                         int64
}

func main() {
	flag.Parse()
	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fatal("bad -sizes %q", *sizesFlag)
		}
		sizes = append(sizes, n)
	}
	sort.Ints(sizes)
	maxC := sizes[len(sizes)-1]
	maxA := 0
	for _, s := range sizes {
		if s <= *ansibleMax {
			maxA = s
		}
	}
	bin, err := filepath.Abs("bench/out/clawrun")
	must(err)
	run("go", "build", "-o", bin, "./cmd/clawrun")
	must(os.MkdirAll("bench/out", 0o755))
	total := maxC + maxA
	fmt.Printf("booting %d testbed hosts (clawrun on h1..h%d, Ansible on h%d..h%d)\n", total, maxC, maxC+1, total)
	booted = true
	run("bash", "test/testbed/testbed.sh", "up", strconv.Itoa(total))
	defer run("bash", "test/testbed/testbed.sh", "down")
	var results []result
	for _, n := range sizes {
		cHosts := names(1, n)
		var aHosts []string
		if n <= *ansibleMax {
			aHosts = names(maxC+1, n)
		}
		fmt.Printf("\n== %d hosts\n", n)
		inv := writeInventory(cHosts)
		aInv := writeAnsibleInventory(aHosts)
		r := result{size: n}
		var cc, acs []time.Duration
		for i := 0; i < *coldReps; i++ {
			reset(append(cHosts, aHosts...))
			d, _ := timeClawrun(bin, "apply", inv)
			cc = append(cc, d)
			if len(aHosts) > 0 {
				acs = append(acs, timeAnsible(aInv, false))
			}
		}
		r.cold = median(cc)
		if len(aHosts) > 0 {
			r.aCold = median(acs)
		}
		var cs, as, ps, ac []time.Duration
		for i := 0; i < *reps; i++ {
			d, st := timeClawrun(bin, "apply", inv)
			cs = append(cs, d)
			r.handshakes, r.roundTrips, r.failures, r.maxRSSKB = st.handshakes, st.roundTrips, st.failures, max(r.maxRSSKB, st.rss)
			if st.changed != 0 {
				fatal("no-change rerun changed %d tasks", st.changed)
			}
			p, _ := timeClawrun(bin, "plan", inv)
			ps = append(ps, p)
			if len(aHosts) > 0 {
				as = append(as, timeAnsible(aInv, false))
				ac = append(ac, timeAnsible(aInv, true))
			}
		}
		r.noChange, r.plan = median(cs), median(ps)
		if len(aHosts) > 0 {
			r.aNoChange, r.aCheck = median(as), median(ac)
		}
		fmt.Printf("clawrun: cold %s, no-change %s, plan %s; handshakes/host %d, round trips/host %d, failures %d, max RSS %d KiB\n",
			ms(r.cold), ms(r.noChange), ms(r.plan), r.handshakes, r.roundTrips, r.failures, r.maxRSSKB)
		if len(aHosts) > 0 {
			fmt.Printf("ansible: cold %s, no-change %s, check %s\n", ms(r.aCold), ms(r.aNoChange), ms(r.aCheck))
		}
		results = append(results, r)
	}
	table := render(results)
	fmt.Println()
	fmt.Print(table)
	// The scale section (bench/scale.sh, written by hand) stays.
	if old, err := os.ReadFile(*out); err == nil {
		if i := bytes.Index(old, []byte(scaleHeading)); i >= 0 {
			table += "\n" + string(old[i:])
		}
	}
	must(os.WriteFile(*out, []byte(table), 0o644))
}

// reset gives hosts a fresh first-boot state and waits until every one
// has finished booting: a cold apply timed while other hosts still boot
// would measure their boot too. It asks each host's systemd from inside
// the container's namespaces, not over SSH: a login would start the
// user's systemd instance, which a first run has to pay for.
func reset(hosts []string) {
	run("bash", append([]string{"test/testbed/testbed.sh", "reset"}, hosts...)...)
	for _, h := range hosts {
		pid, err := os.ReadFile(filepath.Join(state, "hosts", h, "pid"))
		must(err)
		init, err := exec.Command("pgrep", "-P", strings.TrimSpace(string(pid))).Output()
		must(err)
		cmd := exec.Command("nsenter", "-t", strings.Fields(string(init))[0], "-a", "systemctl", "is-system-running", "--wait")
		cmd.Run() // "degraded" exits non-zero but means booted
	}
}

func names(from, n int) []string {
	var out []string
	for i := from; i < from+n; i++ {
		out = append(out, fmt.Sprintf("h%d", i))
	}
	return out
}

func ip(h string) string {
	n, _ := strconv.Atoi(strings.TrimPrefix(h, "h"))
	return fmt.Sprintf("10.66.0.%d", 10+n)
}

func writeInventory(hosts []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "defaults {\n  user = \"admin\"\n  identity_file = %q\n  known_hosts = %q\n  become = true\n}\n", state+"/id_ed25519", state+"/known_hosts")
	for _, h := range hosts {
		fmt.Fprintf(&b, "host %q {\n  address = %q\n  groups = [\"vps\"]\n}\n", h, ip(h))
	}
	p, _ := filepath.Abs("bench/out/inventory.hcl")
	must(os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

func writeAnsibleInventory(hosts []string) string {
	var b strings.Builder
	b.WriteString("[vps]\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, "%s ansible_host=%s\n", h, ip(h))
	}
	fmt.Fprintf(&b, "[vps:vars]\nansible_user=admin\nansible_ssh_private_key_file=%s\nansible_ssh_common_args='-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes'\n", state+"/id_ed25519", state+"/known_hosts")
	p, _ := filepath.Abs("bench/out/ansible-inventory.ini")
	must(os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

type stats struct {
	handshakes, roundTrips, failures, changed int
	rss                                       int64
}

func timeClawrun(bin, verb, inv string) (time.Duration, stats) {
	cmd := exec.Command(bin, verb, "bench/clawrun/vps.hcl", "-i", inv, "--format", "json")
	var outb, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &errb
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		fatal("clawrun %s: %v\n%s%s", verb, err, tail(outb.String()), errb.String())
	}
	var st stats
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		st.rss = ru.Maxrss
	}
	sc := bufio.NewScanner(&outb)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var e struct {
			Type  string `json:"type"`
			Recap map[string]struct {
				Changed, Failed, Unreachable int
				Stats                        struct {
					Handshakes int `json:"handshakes"`
					RoundTrips int `json:"round_trips"`
				} `json:"stats"`
			} `json:"recap"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Type != "run_done" {
			continue
		}
		for _, r := range e.Recap {
			st.changed += r.Changed
			st.failures += r.Failed + r.Unreachable
			st.handshakes = max(st.handshakes, r.Stats.Handshakes)
			st.roundTrips = max(st.roundTrips, r.Stats.RoundTrips)
		}
	}
	return d, st
}

func timeAnsible(inv string, check bool) time.Duration {
	args := []string{"-i", inv, filepath.Join(*ansibleDir, "vps.yml")}
	if check {
		args = append(args, "--check", "--diff")
	}
	cmd := exec.Command("ansible-playbook", args...)
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+filepath.Join(*ansibleDir, "ansible.cfg"), "ANSIBLE_NOCOLOR=1")
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		fatal("ansible-playbook: %v\n%s", err, tail(outb.String()))
	}
	return d
}

func render(rs []result) string {
	var b strings.Builder
	b.WriteString("| hosts | run | clawrun | Ansible 2.14 | Ansible / clawrun |\n|--:|---|--:|--:|--:|\n")
	for _, r := range rs {
		row := func(name string, c, a time.Duration) {
			ratio, as := "—", "—"
			if a > 0 {
				as = ms(a)
				ratio = fmt.Sprintf("%.0f×", float64(a)/float64(c))
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", r.size, name, ms(c), as, ratio)
		}
		row("cold apply", r.cold, r.aCold)
		row("no-change rerun", r.noChange, r.aNoChange)
		row("plan (Ansible: --check --diff)", r.plan, r.aCheck)
	}
	b.WriteString("\n| hosts | plan / no-change apply | handshakes per host | round trips per host (no-change) | connection failures | controller max RSS |\n|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %d | %.2f | %d | %d | %d | %.1f MB |\n", r.size, float64(r.plan)/float64(r.noChange), r.handshakes, r.roundTrips, r.failures, float64(r.maxRSSKB)/1024)
	}
	fmt.Fprintf(&b, "\nMedians of %d runs (cold apply: of %d runs, each on freshly reset, fully booted hosts), %s, %d cores.\n", *reps, *coldReps, time.Now().UTC().Format("2006-01-02"), numCPU())
	return b.String()
}

func numCPU() int {
	out, _ := exec.Command("nproc").Output()
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fatal("%s %v: %v", name, args, err)
	}
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

func must(err error) {
	if err != nil {
		fatal("%v", err)
	}
}

// booted: fatal tears the testbed down.
var booted bool

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	if booted {
		booted = false
		exec.Command("bash", "test/testbed/testbed.sh", "down").Run()
	}
	os.Exit(1)
}
