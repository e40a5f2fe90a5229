package sandbox_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rotation-tutor/internal/testenv"
	"rotation-tutor/sandbox"
)

// Like an RDS instance in a private subnet, the database has no listening port at all: the
// sandbox's process listens on exactly two, the endpoint's and the bastion's. With
// --db mariadb, mariadbd listens on no TCP port either, only on a Unix socket in a directory
// no other user can enter.
func TestDatabaseHasNoPort(t *testing.T) {
	for _, engine := range []string{"gms", "mariadb"} {
		t.Run(engine, func(t *testing.T) {
			if engine == "mariadb" {
				if testing.Short() {
					t.Skip("starts mariadbd")
				}
				testenv.RequireTool(t, "/usr/sbin/mariadbd")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			before := listeningPorts(t, os.Getpid())
			// A short state path: a Unix socket's path is limited to about 100 bytes.
			dir, err := os.MkdirTemp("", "rt")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			sb, err := sandbox.Start(ctx, sandbox.Options{StateDir: dir, Engine: engine})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			in := sb.Info()
			var opened []int
			for p := range listeningPorts(t, os.Getpid()) {
				if !before[p] {
					opened = append(opened, p)
				}
			}
			endpointPort, _ := strconv.Atoi(in.SecretsManagerEndpoint[strings.LastIndexByte(in.SecretsManagerEndpoint, ':')+1:])
			if len(opened) != 2 || !containsAll(opened, endpointPort, in.Bastion.Port) {
				t.Errorf("the sandbox listens on %v, want only the endpoint's %d and the bastion's %d", opened, endpointPort, in.Bastion.Port)
			}
			if err := adminQuery(t, ctx, in); err != nil {
				t.Fatalf("the database through the bastion: %v", err)
			}
			if engine != "mariadb" {
				return
			}
			sockDir := filepath.Join(dir, "database", "mariadb-socket")
			fi, err := os.Stat(sockDir)
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("socket directory: %v, %v; want 0700", fi.Mode().Perm(), err)
			}
			pid, err := os.ReadFile(filepath.Join(sockDir, "mysqld.pid"))
			if err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
			if ports := listeningPorts(t, n); len(ports) != 0 {
				t.Errorf("mariadbd listens on TCP ports %v", ports)
			}
		})
	}
}

func containsAll(have []int, want ...int) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// listeningPorts are the TCP ports process pid listens on (Linux: its socket descriptors
// matched with the kernel's table of listening sockets).
func listeningPorts(t *testing.T, pid int) map[int]bool {
	t.Helper()
	proc := "/proc/" + strconv.Itoa(pid)
	fds, err := os.ReadDir(proc + "/fd")
	if err != nil {
		t.Skipf("cannot list descriptors: %v", err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		if link, err := os.Readlink(proc + "/fd/" + fd.Name()); err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	ports := map[int]bool{}
	for _, table := range []string{"/net/tcp", "/net/tcp6"} {
		f, err := os.Open(proc + table)
		if err != nil {
			continue
		}
		s := bufio.NewScanner(f)
		s.Scan() // header
		for s.Scan() {
			fields := strings.Fields(s.Text())
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] {
				continue
			}
			local := fields[1]
			p, err := strconv.ParseInt(local[strings.LastIndexByte(local, ':')+1:], 16, 32)
			if err == nil {
				ports[int(p)] = true
			}
		}
		f.Close()
	}
	return ports
}
