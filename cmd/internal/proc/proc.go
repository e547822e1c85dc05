// Package proc says whether a process of this machine runs: for the
// dataset locks, a directory's and a bucket's, that a dead writer left.
package proc

import (
	"os"
	"syscall"
)

// Alive says a process runs (signal 0 checks without sending anything).
func Alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}
