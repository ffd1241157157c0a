//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// motoVersion is the moto release the suite is written against; the README
// and CI install this one.
const motoVersion = "5.2.1"

// requireMotoVar, set to 1, turns the skip without moto_server into a
// failure, so that CI cannot pass without running the suite.
const requireMotoVar = "IAMSWEEP_REQUIRE_MOTO"

// motoAccount is the account moto puts every resource in when the access
// key of the request is not one it issued.
const motoAccount = "123456789012"

// motoEnv is the environment moto_server runs with.
var motoEnv = []string{
	// AWS managed policies (arn:aws:iam::aws:policy/...) exist in every AWS
	// account; moto_server knows them only when asked to load them.
	"MOTO_IAM_LOAD_MANAGED_POLICIES=true",
}

// running holds the process groups of the moto servers alive, so that
// TestMain can kill them when the tests end or a signal arrives, whatever
// the state of the tests. (When the test binary dies without running
// TestMain's code, a test timeout, the kernel kills them: see Pdeathsig.)
var running = struct {
	sync.Mutex
	groups map[int]bool
}{groups: map[int]bool{}}

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

func killRunning() {
	running.Lock()
	defer running.Unlock()
	for pgid := range running.groups {
		killGroup(pgid)
		delete(running.groups, pgid)
	}
}

func TestMain(m *testing.M) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		killRunning()
		fmt.Fprintf(os.Stderr, "integration: %v: killed every moto_server\n", s)
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	defer killRunning()
	return m.Run()
}

// moto is one moto_server process.
type moto struct {
	// URL is where it listens, http://127.0.0.1:PORT.
	URL  string
	pgid int
	out  *tail
	// done is closed once the process has exited; err is then Wait's error.
	done     chan struct{}
	err      error
	stopOnce sync.Once
}

var errMotoMissing = errors.New("moto_server cannot run")

// startMoto starts moto_server on a free port of 127.0.0.1, waits until it
// answers, and stops it when the test ends. Without moto_server it skips the
// test, or fails it when IAMSWEEP_REQUIRE_MOTO=1.
func startMoto(t *testing.T) *moto {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		motoMissing(t, "moto_server is not on the PATH")
	}
	var errs []error
	// Another process may take the port between freePort and moto's bind:
	// moto then exits, and a new port is tried.
	for range 3 {
		m, err := launchMoto(t.Context(), path)
		if err == nil {
			t.Cleanup(func() {
				m.stop()
				if t.Failed() {
					t.Logf("moto_server output (its last %d KiB):\n%s", m.out.max>>10, m.out)
				}
			})
			return m
		}
		if errors.Is(err, errMotoMissing) {
			motoMissing(t, err.Error())
		}
		errs = append(errs, err)
	}
	t.Fatalf("start moto_server: %v", errors.Join(errs...))
	return nil
}

func motoMissing(t *testing.T, why string) {
	t.Helper()
	install := fmt.Sprintf("pip install 'moto[server]==%s'", motoVersion)
	if os.Getenv(requireMotoVar) == "1" {
		t.Fatalf("%s and %s=1: install moto with %s", why, requireMotoVar, install)
	}
	t.Skipf("%s: install moto with %s to run the integration tests (%s=1 makes this skip a failure)", why, install, requireMotoVar)
}

func launchMoto(ctx context.Context, path string) (*moto, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), motoEnv...)
	out := &tail{max: 32 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that one kill stops moto and anything it
	// starts, and a Ctrl-C in the terminal reaches only the test binary,
	// which then kills the group. Pdeathsig kills moto if the test binary
	// dies first (a test timeout exits without running deferred calls or
	// cleanups); it survives the exec chain of a pyenv shim.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %v", errMotoMissing, err)
	}
	m := &moto{URL: "http://127.0.0.1:" + strconv.Itoa(port), pgid: cmd.Process.Pid, out: out, done: make(chan struct{})}
	running.Lock()
	running.groups[m.pgid] = true
	running.Unlock()
	go func() {
		m.err = cmd.Wait()
		running.Lock()
		delete(running.groups, m.pgid)
		running.Unlock()
		close(m.done)
	}()
	if err := m.waitReady(ctx, 30*time.Second); err != nil {
		m.stop()
		return nil, err
	}
	return m, nil
}

// waitReady polls moto until it answers HTTP, it exits, or the time is up.
func (m *moto) waitReady(ctx context.Context, within time.Duration) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL+"/moto-api/data.json", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-tick.C:
		case <-m.done:
			var ee *exec.ExitError
			if errors.As(m.err, &ee) && ee.ExitCode() == 127 {
				// A shell wrapper (a pyenv shim) that finds no moto_server.
				return fmt.Errorf("%w: %s", errMotoMissing, strings.TrimSpace(m.out.String()))
			}
			return fmt.Errorf("moto_server exited before answering (%v):\n%s", m.err, m.out)
		case <-deadline.C:
			return fmt.Errorf("moto_server did not answer at %s within %v:\n%s", m.URL, within, m.out)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stop kills moto's process group and waits for moto to exit.
func (m *moto) stop() {
	m.stopOnce.Do(func() {
		select {
		case <-m.done: // exited by itself
		default:
			killGroup(m.pgid)
		}
		<-m.done
	})
}

// enableAuth makes moto check every later request's signature and IAM
// permissions, as AWS does (moto accepts any request until then). It goes
// through moto's own control API, the one call of the suite that is not an
// AWS API: there is no AWS API for it.
func (m *moto) enableAuth(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL+"/moto-api/reset-auth", strings.NewReader("0"))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("enable moto's IAM authentication: %s: %s", resp.Status, body)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 2*t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b[max(0, len(t.b)-t.max):])
}
