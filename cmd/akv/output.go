package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// writeOutput sends data to stdout, or with a path other than "" or "-"
// writes it atomically: a temp file in the same directory, mode 0600,
// fsync, rename over the target (through a symlink, to its target). On any
// failure, or SIGINT/SIGTERM while writing, the temp file is removed and
// an existing file stays as it was.
func writeOutput(env *Env, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := env.Stdout.Write(data)
		return err
	}
	return writeFileAtomic(path, data)
}

func writeFileAtomic(path string, data []byte) (err error) {
	if target, lerr := filepath.EvalSymlinks(path); lerr == nil {
		path = target
	} else if fi, serr := os.Lstat(path); serr == nil && fi.Mode()&os.ModeSymlink != 0 {
		// A dangling symlink: write where it points.
		if dest, rerr := os.Readlink(path); rerr == nil {
			if !filepath.IsAbs(dest) {
				dest = filepath.Join(filepath.Dir(path), dest)
			}
			path = dest
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".akv-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()

	// A signal between create and rename must not leave the temp file
	// behind: remove it, then die by the same signal.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			os.Remove(name)
			signal.Reset(s)
			p, _ := os.FindProcess(os.Getpid())
			p.Signal(s)
		case <-done:
		}
	}()
	defer func() {
		signal.Stop(sigs)
		close(done)
		if err != nil {
			tmp.Close()
			os.Remove(name)
		}
	}()

	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return nil
}
