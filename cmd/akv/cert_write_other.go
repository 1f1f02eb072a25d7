//go:build !linux

package main

import "os"

// Only Linux has O_TMPFILE: named temp files it is.
func stageUnnamed(target string, data []byte) (*os.File, error) { return nil, errNoUnnamed }

func linkUnnamed(f *os.File, name string) error { return errNoUnnamed }
