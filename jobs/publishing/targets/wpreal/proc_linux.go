package wpreal

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts PHP's server and its workers in their own process
// group, killed together, and kills the server if the test binary dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
