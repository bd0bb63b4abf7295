package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// How to reach one host: the `connection` input of every host resource (components/host/ssh.ts).
type connection struct {
	Host           string
	Port           int
	User           string
	HostKey        string
	PrivateKey     string // secret text; never logged, never in a command line
	PrivateKeyPath string
	Name           string // for messages only
}

func (c connection) port() int {
	if c.Port == 0 {
		return 22
	}
	return c.Port
}

func (c connection) user() string {
	if c.User == "" {
		return "root"
	}
	return c.User
}

func (c connection) where() string { return fmt.Sprintf("%s@%s:%d", c.user(), c.Host, c.port()) }

// key of the pool: the same host reached with another key or user is another connection.
func (c connection) key() string {
	cred := "path:" + c.PrivateKeyPath
	if c.PrivateKey != "" {
		sum := sha256.Sum256([]byte(c.PrivateKey))
		cred = hex.EncodeToString(sum[:])
	}
	f := strings.Fields(c.HostKey)
	kb := ""
	if len(f) > 1 {
		kb = f[1]
	}
	return fmt.Sprintf("%s#%s#%s", c.where(), kb, cred)
}

const (
	// readTimeout: reads end within 5 minutes; changeTimeout: changes may wait for a graceful restart.
	readTimeout   = 300.0
	changeTimeout = 3 * 3600.0
	// maxChannels stays below sshd's MaxSessions default of 10.
	maxChannels = 8
)

func connectTimeout() time.Duration {
	if raw := os.Getenv("HOSTFORM_CONNECT_TIMEOUT"); raw != "" {
		if n, err := strconv.ParseFloat(raw, 64); err == nil && n > 0 {
			return time.Duration(n * float64(time.Second))
		}
	}
	return 5 * time.Second
}

// hostConn is one SSH connection to a host, shared by every resource of that host in this process.
type hostConn struct {
	c        connection
	client   *ssh.Client
	channels chan struct{}
}

type execResult struct {
	Code           int
	Stdout, Stderr string
}

// pool opens one connection per host per process, on first use.
type pool struct {
	mu     sync.Mutex
	conns  map[string]*poolEntry
	opened int
	// batchers: each host's reads, queued into one exec (batch.go).
	batchers map[string]*batcher
}

type poolEntry struct {
	once sync.Once
	conn *hostConn
	err  error
}

func newPool() *pool { return &pool{conns: map[string]*poolEntry{}, batchers: map[string]*batcher{}} }

// reads: the host's batcher, which opens the connection (get) on its first read.
func (p *pool) reads(c connection) *batcher {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.batchers[c.key()]
	if !ok {
		b = newBatcher(c.where(), func() (execer, error) {
			h, err := p.get(c)
			if err != nil {
				return nil, err
			}
			return h, nil
		})
		p.batchers[c.key()] = b
	}
	return b
}

func (p *pool) get(c connection) (*hostConn, error) {
	p.mu.Lock()
	e, ok := p.conns[c.key()]
	if !ok {
		e = &poolEntry{}
		p.conns[c.key()] = e
	}
	p.mu.Unlock()
	e.once.Do(func() {
		e.conn, e.err = dial(c)
		p.mu.Lock()
		if e.err == nil {
			p.opened++
		}
		p.mu.Unlock()
	})
	return e.conn, e.err
}

func (p *pool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.conns {
		if e.conn != nil {
			_ = e.conn.client.Close()
		}
		delete(p.conns, k)
	}
	p.batchers = map[string]*batcher{}
}

func signer(c connection) (ssh.Signer, error) {
	text := []byte(c.PrivateKey)
	if c.PrivateKey == "" {
		if c.PrivateKeyPath == "" {
			return nil, fmt.Errorf("no SSH private key for %s: set privateKey (secret) or privateKeyPath", c.Host)
		}
		path := c.PrivateKeyPath
		if strings.HasPrefix(path, "~/") {
			path = os.Getenv("HOME") + path[1:]
		}
		var err error
		if text, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("reading the SSH private key for %s: %v", c.Host, err)
		}
	}
	s, err := ssh.ParsePrivateKey(text)
	if err != nil {
		// The key's text is a secret: the parser's message is not repeated.
		return nil, fmt.Errorf("the SSH private key for %s could not be parsed (is it an unencrypted OpenSSH or PEM key?)", c.Host)
	}
	return s, nil
}

func dial(c connection) (*hostConn, error) {
	pinned, err := parseHostKey(c.HostKey)
	if err != nil {
		return nil, err
	}
	s, err := signer(c)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:              c.user(),
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(s)},
		HostKeyCallback:   pinnedCallback(c, pinned),
		HostKeyAlgorithms: pinned.algorithms(),
		Timeout:           connectTimeout(),
	}
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.port()))
	client, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		var mismatch *hostKeyMismatch
		if errors.As(err, &mismatch) {
			return nil, mismatch
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("SSH auth refused by %s: the key was not accepted. Check the user and the private key configured for this host", c.where())
		}
		return nil, fmt.Errorf("SSH connection to %s failed: %v", c.where(), err)
	}
	h := &hostConn{c: c, client: client, channels: make(chan struct{}, maxChannels)}
	go h.keepalive()
	return h, nil
}

// keepalive notices a silent network cut after about 30 s (3 keepalives unanswered).
func (h *hostConn) keepalive() {
	missed := 0
	for range time.Tick(10 * time.Second) {
		done := make(chan error, 1)
		go func() { _, _, err := h.client.SendRequest("keepalive@openssh.com", true, nil); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				return // closed
			}
			missed = 0
		case <-time.After(10 * time.Second):
			missed++
			if missed >= 3 {
				_ = h.client.Close()
				return
			}
		}
	}
}

// exec runs one script under RUNNER on the host; stdin carries the data (never the command line).
func (h *hostConn) exec(ctx context.Context, script, stdin string, timeoutSeconds float64) (execResult, error) {
	h.channels <- struct{}{}
	defer func() { <-h.channels }()
	cmd, err := remoteCommand(script, timeoutSeconds, h.c.user() != "root")
	if err != nil {
		return execResult{}, err
	}
	session, err := h.client.NewSession()
	if err != nil {
		return execResult{}, fmt.Errorf("the SSH connection to %s dropped: %v", h.c.where(), err)
	}
	defer session.Close()
	var stdout, stderr bytes.Buffer
	session.Stdin = strings.NewReader(stdin)
	session.Stdout = &stdout
	session.Stderr = &stderr
	done := make(chan error, 1)
	go func() { done <- session.Run(cmd) }()
	// The host kills the command at its timeout; no answer some time after that means the connection hangs.
	giveUp := time.Duration((timeoutSeconds + 30) * float64(time.Second))
	select {
	case err = <-done:
	case <-time.After(giveUp):
		_ = h.client.Close()
		return execResult{}, fmt.Errorf("timed out after %v s without an answer from %s", timeoutSeconds, h.c.where())
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGTERM)
		return execResult{}, fmt.Errorf("cancelled while running on %s", h.c.where())
	}
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return execResult{0, stdout.String(), stderr.String()}, nil
	case errors.As(err, &exit):
		return execResult{exit.ExitStatus(), stdout.String(), stderr.String()}, nil
	default:
		return execResult{}, fmt.Errorf("the SSH connection to %s dropped: %v", h.c.where(), err)
	}
}

// run is exec where a non-zero exit is an error that names the step.
func (h *hostConn) run(ctx context.Context, step, script, stdin string, timeoutSeconds float64) (string, error) {
	r, err := h.exec(ctx, script, stdin, timeoutSeconds)
	if err != nil {
		return "", fmt.Errorf("%s on %s: %v", step, h.c.where(), err)
	}
	if err := exitError(step, h.c.where(), r); err != nil {
		return "", err
	}
	return r.Stdout, nil
}

// exitError is a non-zero exit as an error that names the step and the host, with the last lines
// of its stderr, or of its stdout where stderr says nothing; nil for exit 0. A single exec (run)
// and an item of a batch (answerOf) fail with the same message.
func exitError(step, where string, r execResult) error {
	if r.Code == 0 {
		return nil
	}
	out := r.Stderr
	if strings.TrimSpace(out) == "" {
		out = r.Stdout
	}
	return fmt.Errorf("%s failed on %s (exit %d): %s", step, where, r.Code, lastLines(out, 8))
}

// runScript runs a script without stdin as a builder made it: runScript(ctx, step, t)(build(x)).
// The builder's error (a value sh refused) stops it before anything is sent.
func (h *hostConn) runScript(ctx context.Context, step string, timeoutSeconds float64) func(string, error) (string, error) {
	return func(script string, err error) (string, error) {
		if err != nil {
			return "", err
		}
		return h.run(ctx, step, script, "", timeoutSeconds)
	}
}

func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
