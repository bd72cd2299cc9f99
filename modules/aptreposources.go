package modules

import (
	"fmt"
	"strings"
)

// othersProbe prints the other source files that name one of our URIs
// (at most 20, 64 KiB each, base64): an entry there for the same URI and
// suite with another Signed-By makes apt refuse every list.
func (r *AptRepository) othersProbe() string {
	var pats []string
	for _, u := range r.URIs {
		pats = append(pats, "-e "+Quote(strings.TrimRight(u, "/")))
	}
	return fmt.Sprintf(`echo '@others'
(n=0; for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
[ -f "$f" ] && [ "$f" != %s ] && [ "$n" -lt 20 ] || continue
if head -c 1048576 -- "$f" | grep -qF %s; then n=$((n+1)); printf 'other %%s %%s\n' "$(printf %%s "$f" | base64 -w0)" "$(head -c 65536 -- "$f" | base64 -w0)"; fi
done)
`, Quote(r.sourcesPath()), strings.Join(pats, " "))
}

// otherSource is another source file naming one of our URIs.
type otherSource struct {
	Path    string
	Content []byte
}

// conflict returns the first entry of another file for one of our URIs
// and suites whose Signed-By is not our keyring.
func (r *AptRepository) conflict(others []otherSource) (path, signedBy string, found bool) {
	ours := map[string]bool{}
	for _, u := range r.URIs {
		for _, s := range r.Suites {
			ours[strings.TrimRight(u, "/")+" "+s] = true
		}
	}
	for _, o := range others {
		for _, e := range parseSourceEntries(o.Path, string(o.Content)) {
			for _, u := range e.uris {
				for _, s := range e.suites {
					if ours[strings.TrimRight(u, "/")+" "+s] && e.signedBy != r.keyringPath() {
						return o.Path, e.signedBy, true
					}
				}
			}
		}
	}
	return "", "", false
}

type sourceEntry struct {
	uris, suites []string
	signedBy     string
}

// parseSourceEntries reads a one-line .list file or a deb822 .sources file.
func parseSourceEntries(path, content string) []sourceEntry {
	var out []sourceEntry
	if strings.HasSuffix(path, ".sources") {
		for _, stanza := range strings.Split(strings.ReplaceAll(content, "\r", ""), "\n\n") {
			var e sourceEntry
			enabled := true
			for _, l := range strings.Split(stanza, "\n") {
				k, v, ok := strings.Cut(l, ":")
				if !ok || strings.HasPrefix(l, "#") || strings.HasPrefix(l, " ") {
					continue
				}
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "uris":
					e.uris = strings.Fields(v)
				case "suites":
					e.suites = strings.Fields(v)
				case "signed-by":
					e.signedBy = strings.TrimSpace(v)
				case "enabled":
					enabled = strings.TrimSpace(v) != "no"
				}
			}
			if enabled {
				out = append(out, e)
			}
		}
		return out
	}
	for _, l := range strings.Split(content, "\n") {
		f := strings.Fields(l)
		if len(f) < 3 || (f[0] != "deb" && f[0] != "deb-src") {
			continue
		}
		var e sourceEntry
		rest := f[1:]
		if strings.HasPrefix(rest[0], "[") {
			opts := strings.TrimPrefix(rest[0], "[")
			i := 1
			for !strings.HasSuffix(opts, "]") && i < len(rest) {
				opts += " " + rest[i]
				i++
			}
			rest = rest[i:]
			for _, o := range strings.Fields(strings.TrimSuffix(opts, "]")) {
				if k, v, ok := strings.Cut(o, "="); ok && k == "signed-by" {
					e.signedBy = v
				}
			}
		}
		if len(rest) >= 2 {
			e.uris, e.suites = rest[:1], rest[1:2]
			out = append(out, e)
		}
	}
	return out
}
