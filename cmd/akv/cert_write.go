package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// certWriteOptions are for tests: staged runs once every file is
// written and none is in place; named skips the unnamed temp files.
type certWriteOptions struct {
	staged func()
	named  bool
}

// certWrite is writeCertFiles in progress, shared with its signal handler.
type certWrite struct {
	mu        sync.Mutex // held to name, rename or remove; the handler never gives it back
	temps     []string   // named temp files to remove, unless committed
	committed bool       // every file is in place
}

// stagedCert is one file written whole beside its target, not yet in
// place: an unnamed file (Linux's O_TMPFILE, nothing to clean up even
// after SIGKILL) or a named temp file.
type stagedCert struct {
	out     certOutput
	unnamed *os.File
	tmp     string
}

// writeCertFiles writes every output that is a file, or none of them, so
// that a server never pairs a new key with an old chain: each is written
// whole beside its target (mode 0600, synced) before any is put in place,
// and then all are renamed over their targets at once. On an error, or
// SIGINT, SIGTERM, SIGHUP or SIGQUIT before that, every target stays as
// it was and no temp file is left; a signal during the renames waits for
// them (microseconds). akv then dies by the signal (dieBy).
func writeCertFiles(outs []certOutput, data [][]byte, o certWriteOptions) (err error) {
	w := &certWrite{}
	defer w.catchSignals()()
	var files []*stagedCert
	defer func() {
		for _, f := range files {
			if f.unnamed != nil {
				f.unnamed.Close()
			}
		}
		if err != nil {
			w.mu.Lock()
			w.removeTemps()
			w.mu.Unlock()
		}
	}()
	for i, out := range outs {
		if out.path == "-" {
			continue
		}
		f, err := w.stage(out, data[i], o.named)
		if err != nil {
			return fmt.Errorf("write %s: %w", out.path, err)
		}
		files = append(files, f)
	}
	if o.staged != nil {
		o.staged()
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range files { // an unnamed file gets a temp name only now, for the rename
		if f.unnamed == nil {
			continue
		}
		for range 10 {
			f.tmp = tempName(f.out.target)
			if err = linkUnnamed(f.unnamed, f.tmp); !errors.Is(err, os.ErrExist) {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", f.out.path, err)
		}
		w.temps = append(w.temps, f.tmp)
	}
	for _, f := range files {
		if err := os.Rename(f.tmp, f.out.target); err != nil {
			// The targets were checked before the request: another writer
			// raced us. What was renamed stays renamed.
			return fmt.Errorf("write %s: %w", f.out.path, err)
		}
	}
	w.committed = true
	synced := map[string]bool{}
	for _, f := range files { // make the new names durable
		if dir := filepath.Dir(f.out.target); !synced[dir] {
			synced[dir] = true
			if d, err := os.Open(dir); err == nil {
				d.Sync()
				d.Close()
			}
		}
	}
	return nil
}

// stage writes data whole beside out's target: unnamed where the system
// can, else in a named temp file.
func (w *certWrite) stage(out certOutput, data []byte, named bool) (*stagedCert, error) {
	if !named {
		f, err := stageUnnamed(out.target, data)
		if err == nil {
			return &stagedCert{out: out, unnamed: f}, nil
		}
		if !errors.Is(err, errNoUnnamed) {
			return nil, err
		}
	}
	w.mu.Lock()
	f, err := os.CreateTemp(filepath.Dir(out.target), "."+filepath.Base(out.target)+".akv-*.tmp")
	if err == nil {
		w.temps = append(w.temps, f.Name())
	}
	w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	err = fill(f, data, atomicOptions{})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return &stagedCert{out: out, tmp: f.Name()}, err
}

// removeTemps removes the named temp files (renamed ones are gone
// already); w.mu is held.
func (w *certWrite) removeTemps() {
	if !w.committed {
		for _, t := range w.temps {
			os.Remove(t)
		}
	}
}

func (w *certWrite) catchSignals() (stop func()) {
	return whileWriting(func(s os.Signal, _ func()) {
		w.mu.Lock() // kept: nothing is renamed into place after this
		w.removeTemps()
		dieBy(s)
	})
}
