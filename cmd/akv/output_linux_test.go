package main

import "golang.org/x/sys/unix"

// supportsTmpfile reports whether dir's filesystem makes unnamed files.
func supportsTmpfile(dir string) bool {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}
