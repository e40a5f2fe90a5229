// Package mariadbd runs a real MariaDB server as a child process with a
// throwaway data directory: the sandbox's optional high-fidelity database and
// the tests' real peer. It needs the Debian packages mariadb-server (mariadbd,
// mariadb-install-db); nothing here touches the system's own MariaDB.
package mariadbd

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"rotation-tutor/dbclient"
)

// Programs Start runs, looked up on PATH and then in /usr/sbin, where Debian
// puts mariadbd.
const (
	ServerProgram  = "mariadbd"
	InstallProgram = "mariadb-install-db"
)

// ErrNotInstalled says that MariaDB's server programs are missing.
var ErrNotInstalled = errors.New("mariadbd is not installed (Debian/Ubuntu: apt-get install mariadb-server; " +
	"or use the built-in database)")

// Options configure Start.
type Options struct {
	// Dir holds the data directory and the log. It must exist and be empty
	// or hold a data directory from an earlier Start.
	Dir string
	// RootPassword becomes the password of root@localhost and of root@'%'
	// (all privileges, WITH GRANT OPTION), so that root logs in over TCP from
	// anywhere a bastion or a test may connect from.
	RootPassword string
	// Setup runs as root over the Unix socket after the password is set,
	// e.g. CREATE DATABASE statements.
	Setup []string
	// Args are more server options, after the ones Start sets (e.g.
	// --ssl-cert=FILE, --require-secure-transport=ON).
	Args []string
	// SocketDir, if set, is where the Unix socket goes, and the server opens
	// no TCP port at all (--skip-networking): only processes that can enter
	// the directory reach it. Start makes it 0700. Empty means a free
	// loopback port, and the socket in a short temporary directory.
	SocketDir string
	// LoopbackPort, with SocketDir, opens a free loopback port as well. A
	// server that must refuse plain text needs it: MariaDB counts its Unix
	// socket as secure transport, so require_secure_transport lets plain
	// text in there.
	LoopbackPort bool
}

// maxSocketPath is the longest Unix socket path every system takes
// (sun_path: 108 bytes on Linux, 104 on the BSDs and macOS, with its NUL).
const maxSocketPath = 103

// Process is a running mariadbd.
type Process struct {
	Addr    string // 127.0.0.1:port; empty with Options.SocketDir, unless LoopbackPort
	Socket  string
	cmd     *exec.Cmd
	exited  chan struct{}
	err     error // why the process exited, valid once exited is closed
	sockDir string
	logFile string
}

// Installed reports whether the server programs can be found.
func Installed() error {
	for _, p := range []string{ServerProgram, InstallProgram} {
		if _, err := lookPath(p); err != nil {
			return ErrNotInstalled
		}
	}
	return nil
}

func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return exec.LookPath(filepath.Join("/usr/sbin", name))
}

// Start initialises the data directory if needed, starts mariadbd (on a free
// loopback port, or only on a Unix socket with Options.SocketDir) and returns
// once root can log in with RootPassword.
// ctx bounds the whole start; the process outlives ctx and stops with Close.
func Start(ctx context.Context, o Options) (_ *Process, err error) {
	if err := Installed(); err != nil {
		return nil, err
	}
	if o.Dir == "" || o.RootPassword == "" {
		return nil, errors.New("mariadbd: Dir and RootPassword are required")
	}
	datadir := filepath.Join(o.Dir, "data")
	fresh := false
	if _, err := os.Stat(filepath.Join(datadir, "mysql")); errors.Is(err, os.ErrNotExist) {
		if err := install(ctx, datadir); err != nil {
			return nil, err
		}
		fresh = true
	}
	sockDir, err := socketDir(o.SocketDir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(sockDir)
		}
	}()
	p := &Process{
		Socket:  filepath.Join(sockDir, "mysqld.sock"),
		exited:  make(chan struct{}),
		sockDir: sockDir,
		logFile: filepath.Join(o.Dir, "mariadbd.log"),
	}
	if len(p.Socket) > maxSocketPath {
		return nil, fmt.Errorf("mariadbd: the socket path %s is %d bytes, longer than a Unix socket path can be (%d); choose a shorter --state directory",
			p.Socket, len(p.Socket), maxSocketPath)
	}
	network := []string{"--skip-networking"}
	if o.SocketDir == "" || o.LoopbackPort {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		p.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		network = []string{"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1"}
	}
	server, _ := lookPath(ServerProgram)
	args := append([]string{"--no-defaults"}, userArg()...)
	args = append(args, network...)
	tmp, err := privateTmp(datadir)
	if err != nil {
		return nil, err
	}
	args = append(args,
		"--datadir="+datadir,
		"--tmpdir="+tmp,
		"--socket="+p.Socket,
		"--pid-file="+filepath.Join(sockDir, "mysqld.pid"),
		"--log-error="+p.logFile,
		"--skip-log-bin",
		"--skip-name-resolve",
		"--innodb-log-file-size=4M",
		"--innodb-buffer-pool-size=32M",
		"--innodb-use-native-aio=0", // a test server needs no io_uring/libaio ring of its own
	)
	args = append(args, o.Args...)
	p.cmd = exec.Command(server, args...)
	p.cmd.SysProcAttr = childAttr()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("mariadbd: start: %w", err)
	}
	go func() { // owned by p: ends when the child exits, which Close causes
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	defer func() {
		if err != nil {
			p.stop()
		}
	}()
	if err := p.waitReady(ctx, fresh, o); err != nil {
		return nil, err
	}
	return p, nil
}

// socketDir makes the directory the socket goes in: dir itself (0700), or a
// short temporary one, since a test's temporary directory may be too deep for
// a socket path.
func socketDir(dir string) (string, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "mdb")
		if err != nil {
			return "", fmt.Errorf("mariadbd: socket dir: %w", err)
		}
		return d, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("mariadbd: socket dir: %w", err)
	}
	// MkdirAll keeps an existing directory's mode; the socket's privacy is this mode.
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("mariadbd: socket dir: %w", err)
	}
	return dir, nil
}

func userArg() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"} // mariadbd refuses to run as root without it
	}
	return nil
}

// privateTmp is a temporary directory of this server's own, beside its data: servers that
// share /tmp have deleted one another's temporary tables while initialising at once.
func privateTmp(datadir string) (string, error) {
	dir := filepath.Join(filepath.Dir(datadir), "tmp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("mariadbd: %w", err)
	}
	return dir, nil
}

// install creates a data directory with a small redo log (22 MB instead of
// 114 MB) and a root that logs in with a password, not unix_socket. A failed
// attempt is tried once more from an empty directory: several servers
// initialising at once on a loaded machine have failed it once in CI. The
// output of the last attempt is kept in install.log beside the data.
func install(ctx context.Context, datadir string) error {
	prog, _ := lookPath(InstallProgram)
	args := append([]string{"--no-defaults"}, userArg()...)
	tmp, err := privateTmp(datadir)
	if err != nil {
		return err
	}
	args = append(args, "--datadir="+datadir, "--tmpdir="+tmp, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve", "--innodb-log-file-size=4M",
		"--innodb-buffer-pool-size=32M", "--innodb-use-native-aio=0")
	logPath := filepath.Join(filepath.Dir(datadir), "install.log")
	for range 2 {
		if err = os.RemoveAll(datadir); err != nil {
			return fmt.Errorf("mariadbd: clear %s: %w", datadir, err)
		}
		cmd := exec.CommandContext(ctx, prog, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err = cmd.Run(); err == nil {
			return nil
		}
		_ = os.WriteFile(logPath, out.Bytes(), 0o600)
		err = fmt.Errorf("mariadbd: %s: %w: %s (whole output: %s)", InstallProgram, err, errorLines(out.String()), logPath)
		if ctx.Err() != nil {
			break
		}
	}
	return err
}

// errorLines picks the lines mariadbd marks [ERROR] out of the installer's
// output, which otherwise ends in several paragraphs of generic advice.
func errorLines(out string) string {
	var picked []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "[ERROR]") || strings.Contains(l, "ERROR:") {
			picked = append(picked, strings.TrimSpace(l))
		}
	}
	if len(picked) == 0 {
		return lastLines(strings.SplitN(out, "\n\n", 2)[0], 5)
	}
	return strings.Join(picked, " | ")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("mariadbd: pick a port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls the Unix socket until root logs in (bounded by ctx, and cut
// short if the process dies), then sets the root password and runs Setup.
func (p *Process) waitReady(ctx context.Context, fresh bool, o Options) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	// A fresh root has no password; an older datadir's root already has one.
	pw := ""
	if !fresh {
		pw = o.RootPassword
	}
	var last error
	for {
		db, err := p.socketDB(pw)
		if err == nil {
			err = db.PingContext(ctx)
			if err == nil {
				defer db.Close()
				return p.setup(ctx, db, o)
			}
			db.Close()
		}
		last = err
		select {
		case <-p.exited:
			return fmt.Errorf("mariadbd exited during start-up (%v): %s", p.err, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("mariadbd did not accept logins in time: %v: %s", last, p.logTail())
		case <-tick.C:
		}
	}
}

func (p *Process) socketDB(password string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.Passwd = "unix", p.Socket, "root", password
	cfg.Logger = &mysql.NopLogger{}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db, nil
}

func (p *Process) setup(ctx context.Context, db *sql.DB, o Options) error {
	pw := dbclient.QuoteString(o.RootPassword)
	// mariadb-install-db makes root for localhost, 127.0.0.1, ::1 and the
	// host name; the most specific one wins at login, so all get the password. (With
	// --skip-name-resolve the host-name account is not loaded: IF EXISTS.)
	hosts, err := rootHosts(ctx, db)
	if err != nil {
		return err
	}
	var stmts []string
	for _, h := range hosts {
		stmts = append(stmts, "ALTER USER IF EXISTS 'root'@"+dbclient.QuoteString(h)+" IDENTIFIED BY "+pw)
	}
	stmts = append(stmts,
		"CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY "+pw,
		"GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION",
	)
	for _, s := range append(stmts, o.Setup...) {
		if _, err := db.ExecContext(ctx, s); err != nil {
			// The statement may hold a password: name it by its first words.
			return fmt.Errorf("mariadbd: setup %q: %w", firstWords(s), err)
		}
	}
	return nil
}

func rootHosts(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT Host FROM mysql.user WHERE User = 'root'")
	if err != nil {
		return nil, fmt.Errorf("mariadbd: list root accounts: %w", err)
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		hosts = append(hosts, h)
	}
	return hosts, rows.Err()
}

// Close stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it.
// The data directory stays; the socket directory goes.
func (p *Process) Close() error {
	p.stop()
	return os.RemoveAll(p.sockDir)
}

// Dial connects to the server's Unix socket; network and address are
// ignored, so it serves as a dbclient.DialFunc for any name.
func (p *Process) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", p.Socket)
}

// DialTCP connects to the server's loopback port (Options.LoopbackPort);
// like Dial, it ignores network and address.
func (p *Process) DialTCP(ctx context.Context, _, _ string) (net.Conn, error) {
	if p.Addr == "" {
		return nil, errors.New("mariadbd: the server has no TCP port")
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", p.Addr)
}

func (p *Process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	if p.cmd.Process.Signal(syscall.SIGTERM) != nil {
		_ = p.cmd.Process.Kill() // no SIGTERM on this OS
	}
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *Process) logTail() string {
	b, err := os.ReadFile(p.logFile)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return lastLines(string(b), 8)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}
