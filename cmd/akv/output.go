package main

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// writeOutput sends data to stdout, or with a path other than "" or "-"
// writes it atomically (writeFileAtomic).
func writeOutput(env *Env, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := env.Stdout.Write(data)
		return err
	}
	return writeFileAtomic("-o", path, data)
}

// writeFileAtomic replaces the file at path (through a symlink, its
// target) with data, mode 0600, fsynced, so that a reader sees the old
// file or the whole new one. On Linux the data goes to an unnamed file
// (O_TMPFILE) linked into place only when complete, so even SIGKILL
// leaves nothing named behind; elsewhere, or where the filesystem has no
// O_TMPFILE, to a named temp file in the same directory, renamed over the
// target. On failure, or SIGINT, SIGTERM, SIGHUP or SIGQUIT while
// writing, no temp file is left and an existing file stays as it was;
// akv then dies by that signal (by SIGTERM for SIGQUIT). A path that
// names a stream (/dev/stdout, /dev/fd/N, a FIFO, /dev/null: openStream)
// is written to as it is, never replaced. flag names path in errors
// ("-o").
func writeFileAtomic(flag, path string, data []byte) error {
	return writeFileAtomicWith(path, data, atomicOptions{flag: flag})
}

// atomicOptions: flag is the flag that named the path, for errors ("-o"
// when empty). The rest are for tests: midWrite runs once half the data
// is written; placed once the file is in place; named skips the unnamed
// temp file; noProc writes as where /proc is not mounted.
type atomicOptions struct {
	flag             string
	midWrite, placed func()
	named            bool
	noProc           bool
}

// errNoUnnamed: this system or filesystem makes no unnamed files.
var errNoUnnamed = errors.New("no unnamed temp files here")

// atomicWrite is one write in progress, shared with its signal handler.
type atomicWrite struct {
	mu     sync.Mutex // held to name, rename or remove; the handler never gives it back
	tmp    string     // a named temp file to remove, if any
	placed bool       // the new file is in place: a signal is no longer this write's
}

func writeFileAtomicWith(path string, data []byte, o atomicOptions) error {
	if f, err := openStream(path); f != nil || err != nil {
		if err == nil {
			_, err = f.Write(data)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	path = writeTarget(path)
	dir := filepath.Dir(path)
	flag := cmp.Or(o.flag, "-o")
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usageError("name a file to write, not a directory", "%s %s is a directory", flag, path)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageError("create the directory first, or name a file in one that exists", "%s %s: no directory %s", flag, path, dir)
	}
	w := &atomicWrite{}
	defer w.catchSignals()()
	err := errNoUnnamed
	if !o.named {
		err = w.writeUnnamed(dir, path, data, o)
	}
	if errors.Is(err, errNoUnnamed) {
		err = w.writeNamed(dir, path, data, o)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if o.placed != nil {
		o.placed()
	}
	if d, derr := os.Open(dir); derr == nil { // make the new name durable
		d.Sync()
		d.Close()
	}
	return nil
}

// writeTarget follows a symlink at path, dangling or not, to the file
// that is to be written.
func writeTarget(path string) string {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		return target
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if dest, err := os.Readlink(path); err == nil {
			if !filepath.IsAbs(dest) {
				dest = filepath.Join(filepath.Dir(path), dest)
			}
			return dest
		}
	}
	return path
}

// writeNamed writes through a named temp file renamed over path.
func (w *atomicWrite) writeNamed(dir, path string, data []byte, o atomicOptions) error {
	w.mu.Lock()
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".akv-*.tmp")
	if err != nil {
		w.mu.Unlock()
		return err
	}
	w.tmp = tmp.Name()
	w.mu.Unlock()
	err = fill(tmp, data, o)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		err = os.Rename(w.tmp, path)
	}
	if err != nil {
		os.Remove(w.tmp)
	}
	w.tmp, w.placed = "", err == nil
	return err
}

// fill gives f its mode and data, and syncs it.
func fill(f *os.File, data []byte, o atomicOptions) error {
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if o.midWrite != nil {
		if _, err := f.Write(data[:len(data)/2]); err != nil {
			return err
		}
		o.midWrite()
		data = data[len(data)/2:]
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}

// tempName is a fresh name for a temp file beside path.
func tempName(path string) string {
	return filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.akv-%d.tmp", filepath.Base(path), rand.Uint32()))
}

// catchSignals makes SIGINT, SIGTERM, SIGHUP and SIGQUIT while writing
// remove any named temp file and end akv; the returned func stops that.
// Once the file is in place (the directory is still being synced) a
// signal is not this write's to handle: it is sent again, to whatever
// else handles it (the emulator's clean-up of its --write-env file) or
// to its default. (Dying there left the emulator's files behind.)
func (w *atomicWrite) catchSignals() (stop func()) {
	return whileWriting(func(s os.Signal, stop func()) {
		w.mu.Lock()
		if w.placed {
			w.mu.Unlock()
			stop()
			if s == syscall.SIGQUIT {
				s = syscall.SIGTERM // as dieBy: no goroutine dump
			}
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				p.Signal(s)
			}
			return
		}
		// mu is kept: nothing is renamed into place after this
		if w.tmp != "" {
			os.Remove(w.tmp)
		}
		dieBy(s)
	})
}

// whileWriting calls handle with the first SIGINT, SIGTERM, SIGHUP or
// SIGQUIT that arrives before the returned stop is called; handle may
// call its stop argument to give the signals back to whoever else
// handles them.
func whileWriting(handle func(s os.Signal, stop func())) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			handle(s, func() { signal.Stop(sigs) })
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// dieBy ends akv as signal s would, except SIGQUIT, which ends it as
// SIGTERM does: Go would answer it with a dump of every goroutine (and
// the kernel with a core file of a process holding secrets).
func dieBy(s os.Signal) {
	if s == syscall.SIGQUIT {
		s = syscall.SIGTERM
	}
	signal.Reset(s)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		p.Signal(s)
	}
	time.Sleep(time.Second) // the signal is on its way; where it cannot be sent, exit
	n, _ := s.(syscall.Signal)
	os.Exit(128 + int(n))
}
