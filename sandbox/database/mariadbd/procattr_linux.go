package mariadbd

import "syscall"

// childAttr puts mariadbd in its own process group, so that a ctrl+c meant
// for the TUI does not reach it (Close stops it in order), and has the kernel
// stop it if this process dies without calling Close.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
