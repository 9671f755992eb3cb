package targets_test

import (
	"os"
	"testing"

	"autopress/jobs/publishing/targets/wpreal"
)

func TestMain(m *testing.M) { os.Exit(wpreal.Main(m)) }
