//go:build !linux

package mariadbd

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }
