//go:build unix

package database

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// socketPair returns two connected stream sockets with the VPC's addresses.
func socketPair() (client, server net.Conn, err error) {
	// Under ForkLock, as the os and net packages do, so a child started meanwhile (mariadbd,
	// a test's peer) cannot inherit either end before it is marked close-on-exec.
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	if client, err = fileConn(fds[0], "database-client"); err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	if server, err = fileConn(fds[1], "database-server"); err != nil {
		client.Close()
		return nil, nil, err
	}
	return &pairConn{UnixConn: client.(*net.UnixConn), local: vpcClientAddr, remote: vpcDatabaseAddr},
		&pairConn{UnixConn: server.(*net.UnixConn), local: vpcDatabaseAddr, remote: vpcClientAddr}, nil
}

// fileConn turns fd into a net.Conn; net.FileConn duplicates it, so the original is closed.
func fileConn(fd int, name string) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	return c, nil
}

// pairConn is one end of the pair, reporting the VPC's addresses; CloseWrite and the
// deadlines come from the socket itself.
type pairConn struct {
	*net.UnixConn
	local, remote string
}

func (c *pairConn) LocalAddr() net.Addr  { return vpcAddr{c.local} }
func (c *pairConn) RemoteAddr() net.Addr { return vpcAddr{c.remote} }
