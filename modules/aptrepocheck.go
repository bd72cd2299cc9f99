package modules

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Check validates every value that reaches the deb822 file: one word per
// value, no line breaks, so nothing can add a field (a second Signed-By,
// Trusted: yes).
func (r *AptRepository) Check(at Attrs) hcl.Diagnostics {
	diags := oneOf(at, "state", r.State, "present", "absent")
	// Empty is refused too ("/etc/apt/sources.list.d/.sources", which apt
	// ignores); a value known only per host is checked once it is known.
	if a, ok := at["name"]; (!ok || a.Known) && (!repoName.MatchString(r.Name) || len(r.Name) > 64) {
		diags = append(diags, at.Diag("name", "Invalid repository name",
			fmt.Sprintf("%q: use letters, digits, '_', '-' and '.' (not first), at most 64; apt ignores other file names in sources.list.d.", r.Name)))
	}
	// The sources file is world-readable (apt reads it as _apt) and the
	// plan shows it: no secret may reach it, nor a diagnostic.
	sensitive := at["uris"].Sensitive
	if sensitive {
		diags = append(diags, at.Diag("uris", "Sensitive value in uris",
			"The sources file is world-readable and shown in the plan: keep credentials out of uris and put them in /etc/apt/auth.conf.d/<name>.conf (mode 0600), e.g. with a file task whose content is sensitive."))
	}
	if at["key_url"].Sensitive {
		diags = append(diags, at.Diag("key_url", "Sensitive value in key_url", "key_url is shown in the plan and in errors: use a URL without credentials."))
	}
	for _, u := range r.URIs {
		if sensitive {
			break
		}
		if msg := checkRepoURI(u); msg != "" {
			diags = append(diags, at.Diag("uris", "Invalid repository URI", msg))
		}
	}
	diags = append(diags, words(at, "suites", r.Suites, repoSuite, "a suite such as \"bookworm\", or a flat path ending in \"/\"")...)
	diags = append(diags, words(at, "components", r.Components, repoComp, "a component such as \"main\"")...)
	diags = append(diags, words(at, "architectures", r.Architectures, repoArch, "a Debian architecture such as \"amd64\"")...)
	if r.Fingerprint != "" && !repoFPR.MatchString(normFingerprint(r.Fingerprint)) {
		diags = append(diags, at.Diag("fingerprint", "Invalid fingerprint",
			"Give the key's full fingerprint: 40 hexadecimal digits (64 for a v6 key), spaces allowed; a short key ID can be forged."))
	}
	if r.KeyURL != "" {
		if msg := checkKeyURL(r.KeyURL); msg != "" {
			diags = append(diags, at.Diag("key_url", "Invalid key_url", msg))
		}
	}
	if r.state() == "absent" {
		return diags
	}
	for _, req := range []struct {
		name string
		set  bool
	}{{"uris", len(r.URIs) > 0}, {"suites", len(r.Suites) > 0}, {"fingerprint", r.Fingerprint != ""}} {
		if a, ok := at[req.name]; !req.set && (!ok || a.Known) {
			diags = append(diags, at.Diag(req.name, "Missing "+req.name, req.name+" is required unless state = \"absent\"."))
		}
	}
	// Set: a value, or one known only per host (null counts as unset).
	set := func(name, v string) bool { a, ok := at[name]; return v != "" || (ok && !a.Known) }
	fileSet, urlSet := set("key_file", r.KeyFile), set("key_url", r.KeyURL)
	switch {
	case fileSet && urlSet:
		diags = append(diags, at.Diag("key_url", "Conflicting attributes", "Set key_file or key_url, not both."))
	case !fileSet && !urlSet:
		diags = append(diags, at.Diag("", "Missing key", "Set key_file (a file beside the playbook) or key_url, and fingerprint."))
	}
	flat := false
	for _, s := range r.Suites {
		flat = flat || strings.HasSuffix(s, "/")
	}
	if a, ok := at["components"]; flat && len(r.Components) > 0 {
		diags = append(diags, at.Diag("components", "Components with a flat repository", "A suite ending in \"/\" is a flat repository, which has no components."))
	} else if !flat && len(r.Suites) > 0 && len(r.Components) == 0 && (!ok || a.Known) {
		diags = append(diags, at.Diag("components", "Missing components", "Name the components (such as \"main\"); only a flat repository (suite ending in \"/\") has none."))
	}
	return diags
}

func words(at Attrs, attr string, vals []string, re *regexp.Regexp, what string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, v := range vals {
		if !re.MatchString(v) || len(v) > 200 {
			diags = append(diags, at.Diag(attr, "Invalid value in "+attr, fmt.Sprintf("%q is not %s: one word, no blanks or line breaks.", v, what)))
		}
	}
	return diags
}

func checkRepoURI(u string) string {
	if !repoNoCtrl.MatchString(u) || len(u) > 1000 {
		return fmt.Sprintf("%q: a URI is one word of printable characters, no blanks or line breaks.", u)
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Sprintf("%q is not a URI: %v.", u, err)
	}
	switch p.Scheme {
	case "http", "https":
		if p.Host == "" {
			return fmt.Sprintf("%q has no host.", u)
		}
	case "file":
	default:
		return fmt.Sprintf("%q: use an http, https or file URI.", u)
	}
	return ""
}

func checkKeyURL(u string) string {
	if !repoNoCtrl.MatchString(u) || len(u) > 1000 {
		return fmt.Sprintf("%q: a URL is one word of printable characters.", u)
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return fmt.Sprintf("%q: use an https (or http) URL; the fingerprint is what makes the key trusted.", u)
	}
	return ""
}
