package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// errInstanceRunning means another process holds the data directory's lock.
var errInstanceRunning = errors.New("another autopress is already running on this data directory")

// lockFile is an exclusive flock on a file: SQLite allows one autopress per
// data directory, and the kernel drops the lock when the process dies, so a
// crash never leaves a stale lock behind.
type lockFile struct {
	f    *os.File
	path string
}

// acquireLockFile takes the lock on path without waiting; it returns
// errInstanceRunning when someone else holds it.
func acquireLockFile(path string) (*lockFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("autopress: lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("autopress: %w (%s is locked; SQLite is single-instance, use PostgreSQL to run several)", errInstanceRunning, path)
		}
		return nil, fmt.Errorf("autopress: lock %s: %w", path, err)
	}
	// The pid is for people looking at the file; the lock is the flock.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &lockFile{f: f, path: path}, nil
}

// release drops the lock. The file stays: removing it would let a process
// that opened it just before lock a file no one else can see.
func (l *lockFile) release() error {
	if err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN); err != nil {
		l.f.Close()
		return fmt.Errorf("autopress: unlock %s: %w", l.path, err)
	}
	return l.f.Close()
}
