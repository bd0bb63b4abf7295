package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// An SSH server in the test process: it records each exec's command line and stdin, answers
// "ran" and exits 0. Nothing is executed.
type testServer struct {
	addr        string
	port        int
	ed25519Key  ssh.PublicKey
	rsaKey      ssh.PublicKey
	keyPath     string
	mu          sync.Mutex
	connections int
	commands    []string
	stdins      []string
}

func authorized(line ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(line)))
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edSigner, _ := ssh.NewSignerFromKey(edPriv)
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaSigner, _ := ssh.NewSignerFromKey(rsaPriv)
	_, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	clientSigner, _ := ssh.NewSignerFromKey(clientPriv)
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if string(k.Marshal()) == string(clientSigner.PublicKey().Marshal()) {
			return nil, nil
		}
		return nil, errors.New("unknown client key")
	}}
	cfg.AddHostKey(edSigner)
	cfg.AddHostKey(rsaSigner)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	s := &testServer{addr: "127.0.0.1", port: l.Addr().(*net.TCPAddr).Port, ed25519Key: edSigner.PublicKey(), rsaKey: rsaSigner.PublicKey(), keyPath: keyPath}
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(nc, cfg)
		}
	}()
	return s
}

func (s *testServer) serve(nc net.Conn, cfg *ssh.ServerConfig) {
	conn, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		return
	}
	defer conn.Close()
	s.mu.Lock()
	s.connections++
	s.mu.Unlock()
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		ch, requests, err := nch.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer ch.Close()
			for req := range requests {
				if req.Type != "exec" {
					_ = req.Reply(false, nil)
					continue
				}
				var payload struct{ Command string }
				_ = ssh.Unmarshal(req.Payload, &payload)
				_ = req.Reply(true, nil)
				stdin, _ := io.ReadAll(ch)
				s.mu.Lock()
				s.commands = append(s.commands, payload.Command)
				s.stdins = append(s.stdins, string(stdin))
				s.mu.Unlock()
				_, _ = ch.Write([]byte("ran\n"))
				_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
				return
			}
		}()
	}
}

func (s *testServer) connection(pin string) connection {
	return connection{Host: s.addr, Port: s.port, User: "root", HostKey: pin, PrivateKeyPath: s.keyPath}
}

func TestPinnedHostKeyIsAcceptedAndDataGoesOnStdin(t *testing.T) {
	s := startServer(t)
	for _, pin := range []string{authorized(s.ed25519Key), authorized(s.rsaKey), strings.TrimRight(authorized(s.ed25519Key), "=") + " comment"} {
		p := newPool()
		h, err := p.get(s.connection(pin))
		if err != nil {
			t.Fatalf("pin %.30s: %v", pin, err)
		}
		out, err := h.run(context.Background(), "step", "cat >/dev/null", "the-secret-token\n", readTimeout)
		if err != nil || out != "ran\n" {
			t.Fatalf("run: %q %v", out, err)
		}
		p.closeAll()
	}
	want, _ := remoteCommand("cat >/dev/null", readTimeout, false)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.commands) != 3 || s.commands[0] != want {
		t.Fatalf("commands: %d, first %.80q", len(s.commands), s.commands[0])
	}
	for n := range s.commands {
		if strings.Contains(s.commands[n], "the-secret-token") || s.stdins[n] != "the-secret-token\n" {
			t.Errorf("exec %d: data must go on stdin only; stdin %q", n, s.stdins[n])
		}
	}
}

func TestUnknownHostKeyIsRefusedBeforeAnythingRuns(t *testing.T) {
	s := startServer(t)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	otherSigner, _ := ssh.NewSignerFromKey(other)
	pin := authorized(otherSigner.PublicKey())
	p := newPool()
	_, err := p.get(s.connection(pin))
	var mismatch *hostKeyMismatch
	if !errors.As(err, &mismatch) {
		t.Fatalf("want a host key mismatch, got %v", err)
	}
	where := "root@127.0.0.1:" + strconv.Itoa(s.port)
	want := "host key mismatch for " + where + ": the host presented " + fingerprint(s.ed25519Key.Marshal()) +
		" but the stack pins " + fingerprint(otherSigner.PublicKey().Marshal()) + ". Nothing was changed on the host. " +
		"If the host was rebuilt, check its new key on its console and pin it (npm run hosts -- pin 127.0.0.1 --port " +
		strconv.Itoa(s.port) + " --stack <stack> --replace): the next up and drift use it."
	if err.Error() != want {
		t.Errorf("message:\n%s\nwant:\n%s", err, want)
	}
	// Refused once per run: the pool does not try the host again.
	if _, again := p.get(s.connection(pin)); again == nil || again.Error() != want {
		t.Errorf("second get: %v", again)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connections != 0 || len(s.commands) != 0 {
		t.Errorf("a refused host must see no session: %d connections, %d commands", s.connections, len(s.commands))
	}
}

func TestOneConnectionPerHost(t *testing.T) {
	s := startServer(t)
	p := newPool()
	defer p.closeAll()
	var wg sync.WaitGroup
	for n := 0; n < 12; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := p.get(s.connection(authorized(s.ed25519Key)))
			if err == nil {
				_, err = h.run(context.Background(), "step", "true", "", readTimeout)
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connections != 1 || len(s.commands) != 12 || p.opened != 1 {
		t.Errorf("want 1 connection and 12 execs, got %d and %d (pool opened %d)", s.connections, len(s.commands), p.opened)
	}
}

func TestHostKeyParsing(t *testing.T) {
	for _, bad := range []string{"", "ssh-ed25519", "ssh-dss AAAA", "ssh-ed25519 not*base64"} {
		if _, err := parseHostKey(bad); err == nil || !strings.HasPrefix(err.Error(), "not an SSH public host key") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if k, err := parseHostKey("ssh-rsa AAAA"); err != nil || strings.Join(k.algorithms(), ",") != "rsa-sha2-512,rsa-sha2-256" {
		t.Errorf("rsa: %v %v", k, err)
	}
}
