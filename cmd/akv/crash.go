package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
)

// A panic is a bug in akv, and its value or stack may hold anything a
// secret passed through. The last resort turns it into exit 1 and one
// line naming where it happened: never the value, never a stack dump.

// internalError is a recovered panic.
type internalError struct{ site string }

func (e *internalError) Error() string {
	return "internal error: akv crashed in " + e.site
}

func (e *internalError) ErrorHint() string {
	return "this is a bug in akv; please report it with the command you ran (no values were printed)"
}

// recovered is the error for a panic just recovered; its value is
// dropped unread.
func recovered() error { return &internalError{site: panicSite()} }

// lastResort is deferred first in run: it reports a panic of the main
// goroutine and sets the exit code to 1. If printing the report panics
// too (a broken stderr), the code is still 1 and nothing more is said.
func lastResort(w io.Writer, code *int) {
	r := recover()
	if r == nil {
		return
	}
	*code = exitInternal
	defer func() { _ = recover() }()
	report(w, recovered())
}

// catchPanic is deferred in every goroutine cmd starts: a panic there
// would kill the process before lastResort could see it, so it becomes
// that goroutine's error instead.
func catchPanic(err *error) {
	if recover() != nil {
		*err = recovered()
	}
}

// panicSite names the function that panicked, file and line: the first
// frame below the runtime's panic machinery.
func panicSite() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	inRuntime := false
	for {
		f, more := frames.Next()
		switch {
		case strings.HasPrefix(f.Function, "runtime."):
			inRuntime = true
		case inRuntime:
			fn := f.Function[strings.LastIndex(f.Function, "/")+1:] // package.func, as in a stack trace
			return fmt.Sprintf("%s (%s:%d)", fn, filepath.Base(f.File), f.Line)
		}
		if !more {
			return "an unknown place"
		}
	}
}
