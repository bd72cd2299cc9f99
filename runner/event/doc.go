// Package event holds what the engine reports and renderers print: Event
// with its Type and status constants, the per-host Recap (counted once,
// by the engine, from the events it emits) and the Renderer interface.
//
// It is a package of its own so that the output formats and the engine
// share these types without importing each other.
package event
