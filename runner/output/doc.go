// Package output renders a run's events: text for terminals (with diffs,
// hosts grouped by identical change, a progress line), JSON lines, and
// Markdown for pull-request comments; New picks one by name. It also
// prints exec's results. A new format is a Renderer here and a case in
// New; the engine does not change.
package output
