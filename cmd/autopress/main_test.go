package main

import (
	"os"
	"testing"

	"autopress/jobs/publishing/targets/wpreal"
)

func TestMain(m *testing.M) {
	code := wpreal.Main(m)
	removeBinary()
	os.Exit(code)
}
