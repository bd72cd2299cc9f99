// Package runner is clawrun's engine: it runs a playbook on the selected
// hosts (Run, Execute), in parallel and in serial batches, each host's
// tasks in order. Per host it probes every task in one round trip, plans
// each task from its probe (modules), and in apply executes the plan's
// steps, taking the probes of the following tasks in the same round trip
// (the probing window, tasks.go). Tasks and notified handlers share one
// pipeline (pipeline.go): plan, record or check against a saved plan,
// execute under the sshd lock-out guard, count, emit an event.
//
// The engine knows no connection library and no output format: it talks
// to hosts through transport.Conn and reports through event.Renderer.
package runner
