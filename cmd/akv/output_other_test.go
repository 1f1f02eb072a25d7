//go:build !linux

package main

func supportsTmpfile(string) bool { return false }
