//go:build windows

package main

// quitLikeTerm: Windows delivers no SIGQUIT.
func quitLikeTerm() (stop func()) { return func() {} }
