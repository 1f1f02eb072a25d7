//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// quitLikeTerm makes SIGQUIT do what SIGTERM does, for the whole command:
// by default Go answers SIGQUIT with a dump of every goroutine (and the
// kernel may write a core file of a process holding secrets). akv sends
// itself SIGTERM instead, so whatever handles SIGTERM at that moment —
// writeFileAtomic's clean-up, the emulator's shutdown, or nothing, which
// ends akv by SIGTERM — handles it. run --mask takes SIGQUIT over to
// forward it (runMasked). The returned func stops this.
func quitLikeTerm() (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGQUIT)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigs:
				syscall.Kill(os.Getpid(), syscall.SIGTERM)
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}
