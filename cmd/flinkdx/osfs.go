package main

import (
	"io/fs"
	"os"
)

// osFS is the real file system with paths as the user typed them
// (relative or absolute), unlike os.DirFS.
type osFS struct{}

func (osFS) Open(name string) (fs.File, error)          { return os.Open(name) }
func (osFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }
