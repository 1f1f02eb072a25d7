//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"runtime"
	"syscall"
)

// usage is a finished process's peak RSS in bytes and its minor page
// faults.
func usage(ps *os.ProcessState) (rss, faults int64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0
	}
	scale := int64(1024) // KiB on Linux and the BSDs
	if runtime.GOOS == "darwin" {
		scale = 1 // bytes on macOS
	}
	return int64(ru.Maxrss) * scale, int64(ru.Minflt)
}
