package modules

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Cron manages one cron entry, marked "# clawrun: <name>", in a user's
// crontab or in /etc/cron.d/<cron_file>. Lines it does not own stay as they are.
type Cron struct {
	// Name identifies the entry (kept in the marker comment).
	Name string `hcl:"name"`
	// Schedule is five fields ("0 2 * * 0") or @reboot, @daily, ...
	Schedule string `hcl:"schedule,optional"`
	// Command is the job; a literal % must be written \% (cron's rule).
	Command string `hcl:"command,optional"`
	// User owns the job (default root).
	User string `hcl:"user,optional"`
	// State is present (default) or absent.
	State string `hcl:"state,optional"`
	// CronFile writes /etc/cron.d/<cron_file> instead of the user's crontab.
	CronFile string `hcl:"cron_file,optional"`
	// Env sets variables on lines before the job (cron_file only; cron
	// applies them to every later line of the file).
	Env map[string]string `hcl:"env,optional"`
}

var (
	_ Module  = (*Cron)(nil)
	_ Checker = (*Cron)(nil)
)

var cronFileName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Check validates schedule, state and the cron_file name.
func (c *Cron) Check(a Attrs) hcl.Diagnostics {
	diags := oneOf(a, "state", c.State, "present", "absent")
	if strings.TrimSpace(c.Name) == "" && a["name"].Known || strings.Contains(c.Name, "\n") {
		diags = append(diags, a.Diag("name", "Invalid name", "A cron entry's name is one non-empty line."))
	}
	if c.Schedule != "" {
		if err := ParseSchedule(c.Schedule); err != nil {
			diags = append(diags, a.Diag("schedule", "Invalid cron schedule", err.Error()))
		}
	}
	if c.State != "absent" {
		for _, f := range []string{"schedule", "command"} {
			if _, set := a[f]; !set {
				diags = append(diags, a.Diag(f, "Missing "+f, "A present cron entry needs schedule and command."))
			}
		}
	}
	if c.CronFile != "" && !cronFileName.MatchString(c.CronFile) {
		diags = append(diags, a.Diag("cron_file", "Invalid cron_file", "cron ignores files in /etc/cron.d whose names hold anything but letters, digits, _ and -."))
	}
	if len(c.Env) > 0 && c.CronFile == "" && a["cron_file"].Known {
		diags = append(diags, a.Diag("env", "env needs cron_file", "Variables in a user crontab apply to every job of that user; use cron_file."))
	}
	if strings.ContainsAny(c.Command, "\n\r") {
		diags = append(diags, a.Diag("command", "Invalid command", "A cron command is one line."))
	} else if c.State != "absent" && a["command"].Known && strings.TrimSpace(c.Command) == "" {
		diags = append(diags, a.Diag("command", "Invalid command", "A cron command must not be empty: cron would reject the line and with it the whole file."))
	}
	names := make([]string, 0, len(c.Env))
	for k := range c.Env {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := c.Env[k]
		if !envName.MatchString(k) {
			diags = append(diags, a.Diag("env", "Invalid env name", fmt.Sprintf("%q is not a variable name (letters, digits, _).", k)))
		}
		if _, err := cronEnvValue(v); err != nil {
			diags = append(diags, a.Diag("env", "Invalid env value", fmt.Sprintf("%s: %s", k, err)))
		}
	}
	// A newline in the user would start a line of its own in the crontab:
	// a job nobody declared (env values are checked above).
	if strings.ContainsAny(c.User, " \t\n\r") {
		diags = append(diags, a.Diag("user", "Invalid user", fmt.Sprintf("%q is not a user name.", c.User)))
	}
	return diags
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// cronEnvValue renders a value as Debian's cron reads it back (env.c):
// unquoted, it is trimmed and may not be empty (cron then takes the line
// for a job, fails, and ignores the whole file); quoted with ' or ", it is
// taken literally up to the closing quote, except that trailing blanks
// are dropped even then (seen on Debian 12), so no value can end in one.
func cronEnvValue(v string) (string, error) {
	if strings.ContainsAny(v, "\n\r") {
		return "", fmt.Errorf("a value is one line")
	}
	if strings.TrimRight(v, " \t") != v {
		return "", fmt.Errorf("Debian's cron drops trailing spaces and tabs from values, quoted or not")
	}
	if v != "" && strings.TrimSpace(v) == v && v[0] != '"' && v[0] != '\'' {
		return v, nil
	}
	switch {
	case !strings.Contains(v, `"`):
		return `"` + v + `"`, nil
	case !strings.Contains(v, "'"):
		return "'" + v + "'", nil
	}
	return "", fmt.Errorf("cron cannot hold a value with both quote characters and surrounding spaces")
}

func (c *Cron) user() string {
	if c.User == "" {
		return "root"
	}
	return c.User
}

func (c *Cron) path() string { return "/etc/cron.d/" + c.CronFile }

// where names the crontab or cron.d file of the entry.
func (c *Cron) where() string {
	if c.CronFile != "" {
		return c.path()
	}
	return "crontab of " + c.user()
}

// claim names the entry among the things tasks manage exclusively.
func (c *Cron) claim() string { return "cron:" + c.where() + ":" + c.Name }

// crontabKey names a user crontab among the files a plan predicts.
func (c *Cron) crontabKey() string { return "crontab:" + c.user() }

// Probe returns the crontab (base64) or the cron.d file state.
func (c *Cron) Probe() string {
	if c.CronFile != "" {
		return fileProbe(c.path(), "")
	}
	return fmt.Sprintf("if c=$(crontab -l -u %s 2>/dev/null); then printf 'content='; printf '%%s\\n' \"$c\" | base64 -w0; echo; fi\necho type=crontab\n", Quote(c.user()))
}

// Plan edits the entry in memory and diffs the whole table.
func (c *Cron) Plan(h *Host, out string) (*Plan, error) {
	var cur fileState
	var err error
	if c.CronFile != "" {
		if cur, err = parseFileProbe(out); err != nil {
			return nil, err
		}
		cur = overlay(h, c.path(), cur)
		if err := cur.needContent(c.path(), "cron"); err != nil {
			return nil, err
		}
	} else {
		m := kv(out)
		cur.Type = "absent"
		if b64, ok := m["content"]; ok {
			cur.Content, _ = base64.StdEncoding.DecodeString(b64)
			cur.Type = "file"
		}
		// An earlier cron task of this plan installs this crontab.
		cur = overlay(h, c.crontabKey(), cur)
	}
	old := string(cur.Content)
	if strings.TrimSpace(old) == "" {
		old = "" // an empty crontab, as crontab -l prints it
	}
	next := EditCron(old, c.Name, c.entry(), c.State != "absent")
	p := &Plan{Claims: []string{c.claim()}}
	if other, ok := claimedBy(h, c.claim()); ok {
		return nil, fmt.Errorf("cron %q in %s is also managed by %s: the two tasks would replace each other's entry on every run; give each entry its own name", c.Name, c.where(), other)
	}
	if next == old {
		return p, nil
	}
	where := c.where()
	sign := "~"
	switch {
	case c.State == "absent":
		sign = "-"
	case !strings.Contains(old, marker(c.Name)):
		sign = "+"
	}
	p.add(sign, "cron %q in %s", c.Name, where)
	p.Diff = textDiff(where, []byte(old), []byte(next), cur.Type != "absent")
	switch {
	case c.CronFile == "":
		p.step("install crontab", embed([]byte(next))+" | crontab -u "+Quote(c.user())+" -")
		p.writes(c.crontabKey(), &FileState{Known: true, Content: []byte(next)})
	case strings.TrimSpace(next) == "":
		p.step("remove "+c.path(), "rm -f -- "+Quote(c.path()))
		p.writes(c.path(), &FileState{Absent: true, Known: true})
	default:
		p.write(WriteSpec{Path: c.path(), Content: []byte(next), Mode: "0644", Owner: "root", Group: "root", Validate: c.cronCheck()})
	}
	return p, nil
}

// cronCheck tests a cron.d file before it lands: Debian's cron ignores a
// whole file for one bad line or an unknown user, and says so only in its
// log. Its crontab checks the syntax with -n (the user field then reads as
// part of the command); crontabs without -n skip that check.
func (c *Cron) cronCheck() string {
	u := Quote(c.user())
	return "if crontab -h 2>&1 | grep -q 'dry run'; then crontab -n %s; fi && " +
		"if ! id -u " + u + " >/dev/null 2>&1; then echo \"user \\\"\"" + u + "\"\\\" does not exist: cron would ignore every job in this file\"; exit 1; fi"
}

// entry is the block that follows the marker: env lines, then the job.
func (c *Cron) entry() []string {
	var lines []string
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := cronEnvValue(c.Env[k]) // checked at validate time
		lines = append(lines, k+"="+v)
	}
	job := c.Schedule + " "
	if c.CronFile != "" {
		job += c.user() + " "
	}
	return append(lines, job+c.Command)
}

func marker(name string) string { return "# clawrun: " + name }

// EditCron returns table with the named entry set to entry (present) or
// removed. The entry is the marker line and the lines after it up to and
// including the first job line; everything else is kept byte for byte.
func EditCron(table, name string, entry []string, present bool) string {
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if table == "" {
		lines = nil
	}
	start, end := -1, -1
	for i, l := range lines {
		if strings.TrimSpace(l) == strings.TrimSpace(marker(name)) {
			start = i
			end = i
			for j := i + 1; j < len(lines); j++ {
				end = j
				if isJobLine(lines[j]) {
					break
				}
			}
			break
		}
	}
	var block []string
	if present {
		block = append([]string{marker(name)}, entry...)
	}
	var out []string
	if start >= 0 {
		out = append(append(append(out, lines[:start]...), block...), lines[end+1:]...)
	} else {
		out = append(lines, block...)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

var envLine = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_]*\s*=`)

func isJobLine(l string) bool {
	t := strings.TrimSpace(l)
	return t != "" && !strings.HasPrefix(t, "#") && !envLine.MatchString(t)
}

var cronSpecials = map[string]bool{"@reboot": true, "@yearly": true, "@annually": true, "@monthly": true,
	"@weekly": true, "@daily": true, "@midnight": true, "@hourly": true}

var cronFields = []struct {
	name     string
	min, max int
	names    []string
}{
	{name: "minute", max: 59},
	{name: "hour", max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{name: "day of week", max: 7, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// ParseSchedule checks a schedule against the grammar of Debian's cron
// (entry.c of cron 3.0pl1), which ignores a whole crontab or cron.d file
// for one line it cannot read: five fields separated by spaces or tabs,
// each a comma list of "*", a number or name, or a range "a-b", where "*"
// and ranges may take a step "/n" (a single number may not: "5/10" is
// refused by Debian, unlike cronie); names (jan-dec, sun-sat, any case)
// only in month and day of week; 0 and 7 are both Sunday. Or one of
// @reboot, @yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly, exactly. It is stricter than cron where cron silently skips
// what follows a valid item ("*x", "1-2-3") or accepts what never runs
// (a backwards range "5-3", a step larger than the field).
func ParseSchedule(s string) error {
	if strings.ContainsAny(s, "\n\r\v\f") {
		return fmt.Errorf("a schedule is one line")
	}
	s = strings.Trim(s, " \t")
	if strings.HasPrefix(s, "@") {
		if cronSpecials[s] {
			return nil
		}
		return fmt.Errorf("%q is not one of @reboot, @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly (lower case)", s)
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(fields) != 5 {
		return fmt.Errorf("%q has %d fields; a schedule has five: minute hour day-of-month month day-of-week", s, len(fields))
	}
	for i, f := range fields {
		spec := cronFields[i]
		for _, item := range strings.Split(f, ",") {
			if err := checkCronItem(item, spec.min, spec.max, spec.names); err != nil {
				return fmt.Errorf("%s field %q: %w", spec.name, f, err)
			}
		}
	}
	return nil
}

func checkCronItem(item string, lo, hi int, names []string) error {
	if item == "" {
		return fmt.Errorf("empty list item")
	}
	rng, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		n, err := cronDigits(step)
		if err != nil || n < 1 || n > hi {
			return fmt.Errorf("step %q must be a number from 1 to %d", step, hi)
		}
	}
	if rng == "*" {
		return nil
	}
	a, b, isRange := strings.Cut(rng, "-")
	x, err := cronValue(a, lo, hi, names)
	if err != nil {
		return err
	}
	if !isRange {
		if hasStep {
			return fmt.Errorf("%q: a step needs a range or *, e.g. \"%s-%d/%s\" (Debian's cron rejects the file otherwise)", item, a, hi, step)
		}
		return nil
	}
	y, err := cronValue(b, lo, hi, names)
	if err != nil {
		return err
	}
	if y < x {
		return fmt.Errorf("range %q runs backwards: cron would never run it", rng)
	}
	return nil
}

// cronDigits reads a number as cron does: ASCII digits only.
func cronDigits(s string) (int, error) {
	if s == "" || len(s) > 9 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return strconv.Atoi(s)
}

func cronValue(s string, lo, hi int, names []string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return i + lo, nil
		}
	}
	n, err := cronDigits(s)
	if err != nil {
		if len(names) > 0 {
			return 0, fmt.Errorf("%q is neither a number nor a name (%s)", s, strings.Join(names, ", "))
		}
		return 0, err
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is out of range %d-%d", n, lo, hi)
	}
	return n, nil
}
