package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// Profiling for benchmarks (bench/scale.sh): CLAWRUN_CPUPROFILE=FILE writes
// a CPU profile of the whole command, CLAWRUN_MEMPROFILE=FILE a heap
// profile at its end (go tool pprof FILE). Not a flag: users never need it.
const (
	cpuProfileEnv = "CLAWRUN_CPUPROFILE"
	memProfileEnv = "CLAWRUN_MEMPROFILE"
)

// startProfiles starts what the environment asks for; the returned
// function stops it and writes the files.
func startProfiles() func() {
	var stops []func()
	if p := os.Getenv(cpuProfileEnv); p != "" {
		f, err := os.Create(p)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "clawrun: %s: %v\n", cpuProfileEnv, err)
		} else {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		}
	}
	if p := os.Getenv(memProfileEnv); p != "" {
		stops = append(stops, func() {
			f, err := os.Create(p)
			if err == nil {
				runtime.GC()
				err = pprof.WriteHeapProfile(f)
				f.Close()
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "clawrun: %s: %v\n", memProfileEnv, err)
			}
		})
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}
