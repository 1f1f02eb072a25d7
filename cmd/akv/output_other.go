//go:build !linux

package main

// writeUnnamed: only Linux has O_TMPFILE; the named temp file it is.
func (w *atomicWrite) writeUnnamed(dir, path string, data []byte, o atomicOptions) error {
	return errNoUnnamed
}
