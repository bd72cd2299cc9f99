// Package transport reaches hosts: the Conn interface, SSH (dialing with
// retries, ssh_config, host keys, jump hosts, one connection and a
// long-lived shell per privilege level), local connections, staging over
// SFTP, sudo with a password, and the wire protocol of scripts: the probe
// Batch whose sections are framed by a per-run nonce, and the markers that
// let probes ride along after facts or a task's steps.
//
// It is separate so that the engine holds no SSH code and its tests can
// use a fake Conn; a new kind of connection implements Conn here.
package transport
