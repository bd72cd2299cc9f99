// Package planfile is clawrun's saved plan (plan --out, apply PLANFILE):
// the file format and its HMAC under the controller's plan key, the
// checks that playbook, inventory and variables are the ones planned, and
// the digests of each task's probe and steps that let apply refuse a host
// that drifted or a task that would now do other than planned. Values the
// plan must not store (sensitive random_hex) are recorded as absent.
//
// It holds data and checks only; the engine decides when to record and
// when to compare.
package planfile
