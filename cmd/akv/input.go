package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/akv-cli/akv/templates"
)

// maxInput bounds a template or env file read into memory (10 MiB).
const maxInput = templates.MaxTemplateSize

// readInput reads a whole template or env file within
// --timeout and maxInput: a FIFO nobody opens, a terminal nobody types
// into or an endless stream must not hold akv past its deadline. The read
// runs aside; when the deadline wins, it is abandoned (it may sit in
// open(2) or read(2), which nothing can interrupt) and ends with the
// process. It waits on the call's context, the command's one --timeout
// context. what and flag name it for errors ("template", "-i"); path "-"
// is stdin when stdin is not nil.
func readInput(c *call, what, flag, path string, stdin io.Reader) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() { done <- r }()
		defer catchPanic(&r.err)
		in := stdin
		if path != "-" || stdin == nil {
			f, err := os.Open(path)
			if err != nil {
				r.err = err
				return
			}
			defer f.Close()
			in = f
		}
		r.data, r.err = io.ReadAll(io.LimitReader(in, maxInput+1))
	}()
	name := path
	if path == "-" && stdin != nil {
		name = "stdin"
	}
	select {
	case r := <-done:
		var ie *internalError
		switch {
		case errors.As(r.err, &ie):
			return nil, r.err
		case r.err != nil:
			return nil, usageError("check the "+flag+" path", "read %s: %v", what, r.err)
		case len(r.data) > maxInput:
			return nil, usageError("split it, or keep large static content out of akv", "%s %s is larger than 10 MiB", what, name)
		}
		return r.data, nil
	case <-c.ctx.Done():
		if !errors.Is(c.ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("read %s %s: %w", what, name, c.ctx.Err())
		}
		return nil, usageError("raise --timeout, or make sure something writes to it",
			"read %s %s: nothing complete arrived within --timeout %s", what, name, c.timeout)
	}
}
