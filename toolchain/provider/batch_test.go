package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The batch runs for real here: a local bash runs the exec's command line (the runner with its
// watchdog, as sshd would) with the batch on stdin.
type localHost struct{}

func (localHost) exec(_ context.Context, script, stdin string, timeoutSeconds float64) (execResult, error) {
	line, err := remoteCommand(script, timeoutSeconds, false)
	if err != nil {
		return execResult{}, err
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return execResult{exit.ExitCode(), stdout.String(), stderr.String()}, nil
	}
	return execResult{0, stdout.String(), stderr.String()}, err
}

func localBatcher(open func() (execer, error)) *batcher {
	if open == nil {
		open = func() (execer, error) { return localHost{}, nil }
	}
	return newBatcher("root@test:22", open)
}

// readAll sends the scripts as concurrent reads, each started once the one before it is queued
// (so a batch holds them in their order); the answers come back in that order.
func readAll(b *batcher, scripts []string) []batchAnswer {
	out := make([]batchAnswer, len(scripts))
	var wg sync.WaitGroup
	base := queued(b)
	for n, s := range scripts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := b.runScript(context.Background(), "read item "+strconv.Itoa(n), readTimeout)(s, nil)
			out[n] = batchAnswer{o, err}
		}()
		for deadline := time.Now().Add(time.Second); queued(b) <= base+n && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	wg.Wait()
	return out
}

// queued: how many reads the batcher has taken in so far, sent or waiting.
func queued(b *batcher) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(b.pending)
	for _, s := range b.sizes {
		n += s
	}
	return n
}

// gated: the connection opens only once n reads are queued, as when the engine's reads all
// arrive while a host's connection is opening.
func gated(b **batcher, n int) func() (execer, error) {
	return func() (execer, error) {
		for {
			(*b).mu.Lock()
			queued := len((*b).pending)
			(*b).mu.Unlock()
			if queued >= n {
				return localHost{}, nil
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func TestBatchScriptForThreeItems(t *testing.T) {
	s, err := batchScript("hf-0123456789abcdef", []string{
		"set -euo pipefail\necho one\n",
		"d='/srv/it'\\''s $(whoami) dir'\nstat -c '%F|%a' -- \"$d\"\n",
		"echo 'not found' >&2\nexit 3\n",
	})
	same(t, "batch-3", s, err)
	if _, err := batchScript("hf-x", []string{"echo a\x00b"}); err == nil {
		t.Error("a script with a NUL must not make a batch")
	}
}

func TestSplitBatchGivesEachItemItsOwnOutput(t *testing.T) {
	n := "hf-abc"
	// As batchScript prints it: a newline before each marker but the first, so an item's output
	// comes back exactly, with or without its last newline.
	stdout := n + " out 0\nfirst\nline two\n\n" + n + " err 0\n\n" + n + " exit 0 0\n" +
		n + " out 1\nno newline at the end\n" + n + " err 1\nwarning\n\n" + n + " exit 1 3\n" +
		n + " out 2\nhalf"
	got := splitBatch(n, 3, stdout)
	want := []itemOutput{
		{Stdout: "first\nline two\n", Code: 0, Done: true},
		{Stdout: "no newline at the end", Stderr: "warning\n", Code: 3, Done: true},
		{},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	// Text that looks like a marker but carries another nonce is an item's output.
	forged := n + " out 0\nhf-other err 0\n\n" + n + " err 0\n\n" + n + " exit 0 0\n"
	if o := splitBatch(n, 1, forged)[0]; o.Stdout != "hf-other err 0\n" || !o.Done {
		t.Errorf("forged: %+v", o)
	}
}

func TestReadsQueuedWhileTheConnectionOpensAreOneExec(t *testing.T) {
	var b *batcher
	b = localBatcher(gated(&b, 4))
	got := readAll(b, []string{"echo a", "printf 'b\\nb2\\n'", "echo c; echo warn >&2", "set -e; d='it'\\''s'; echo \"$d\""})
	want := []string{"a\n", "b\nb2\n", "c\n", "it's\n"}
	for n := range want {
		if got[n].err != nil || got[n].stdout != want[n] {
			t.Errorf("item %d: %q %v, want %q", n, got[n].stdout, got[n].err, want[n])
		}
	}
	if fmt.Sprint(b.sizes) != "[4]" {
		t.Errorf("want one batch of 4, got %v", b.sizes)
	}
}

func TestAFailingItemFailsOnlyItsOwnRead(t *testing.T) {
	var b *batcher
	b = localBatcher(gated(&b, 3))
	got := readAll(b, []string{"echo before", "echo partial; echo 'stat: cannot stat' >&2; exit 3", "echo after"})
	if got[0].err != nil || got[0].stdout != "before\n" || got[2].err != nil || got[2].stdout != "after\n" {
		t.Errorf("good items: %+v %+v", got[0], got[2])
	}
	if got[1].err == nil || got[1].err.Error() != "read item 1 failed on root@test:22 (exit 3): stat: cannot stat" {
		t.Errorf("failing item: %v", got[1].err)
	}
	if fmt.Sprint(b.sizes) != "[3]" {
		t.Errorf("want one batch of 3, got %v", b.sizes)
	}
}

func TestReadsOneAtATimeAreBatchesOfOne(t *testing.T) {
	b := localBatcher(nil)
	for n := 0; n < 3; n++ {
		out, err := b.runScript(context.Background(), "read", readTimeout)("echo "+strconv.Itoa(n), nil)
		if err != nil || out != strconv.Itoa(n)+"\n" {
			t.Fatalf("read %d: %q %v", n, out, err)
		}
	}
	if fmt.Sprint(b.sizes) != "[1 1 1]" {
		t.Errorf("want three batches of one (--parallel 1), got %v", b.sizes)
	}
}

func TestReadsArrivingWhileABatchRunsFormTheNext(t *testing.T) {
	b := localBatcher(nil)
	first := make(chan batchAnswer, 1)
	go func() {
		o, err := b.read(context.Background(), "slow", "sleep 1; echo slow")
		first <- batchAnswer{o, err}
	}()
	for {
		b.mu.Lock()
		started := len(b.sizes) == 1
		b.mu.Unlock()
		if started {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := readAll(b, []string{"echo x", "echo y"})
	if a := <-first; a.err != nil || a.stdout != "slow\n" || got[0].stdout != "x\n" || got[1].stdout != "y\n" {
		t.Errorf("answers: %+v %+v", a, got)
	}
	if fmt.Sprint(b.sizes) != "[1 2]" {
		t.Errorf("want a batch of 1, then one of 2, got %v", b.sizes)
	}
}

func TestAHungBatchIsCutAtItsTimeoutNamingTheHost(t *testing.T) {
	t.Parallel()
	var b *batcher
	b = localBatcher(gated(&b, 3))
	b.timeout = 2
	start := time.Now()
	got := readAll(b, []string{"echo done", "sleep 600", "echo never"})
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("a hung batch took %v", took)
	}
	if got[0].err != nil || got[0].stdout != "done\n" {
		t.Errorf("the item before the hung one: %+v", got[0])
	}
	// The hung item and the one after it, which never ran; the runner's last words end the message
	// (bash may say "Terminated" before them).
	for _, n := range []int{1, 2} {
		msg := fmt.Sprint(got[n].err)
		if !strings.HasPrefix(msg, "read item "+strconv.Itoa(n)+" on root@test:22: not finished: the batch of 3 reads it was in ended with exit 124: ") ||
			!strings.HasSuffix(msg, "\nhostform: timed out after 2 s on the host") && !strings.HasSuffix(msg, ": hostform: timed out after 2 s on the host") {
			t.Errorf("item %d: %v", n, got[n].err)
		}
	}
}

func TestAnUnreachableHostFailsEveryQueuedReadAtOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close() // a closed port: the connection is refused
	s := startServer(t)
	c := s.connection(authorized(s.ed25519Key))
	c.Port = port
	p := newPool()
	defer p.closeAll()
	start := time.Now()
	b := p.reads(c)
	got := readAll(b, []string{"echo a", "echo b", "echo c", "echo d", "echo e"})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("an unreachable host took %v to answer", took)
	}
	prefix := "SSH connection to root@127.0.0.1:" + strconv.Itoa(port) + " failed: dial tcp 127.0.0.1:" + strconv.Itoa(port) + ": connect: connection refused"
	for n, a := range got {
		if a.err == nil || a.err.Error() != prefix {
			t.Errorf("read %d: %v", n, a.err)
		}
	}
	if p.opened != 0 {
		t.Errorf("opened %d connections", p.opened)
	}
	// The pool remembers the failure: a later read is answered at once, without dialling again.
	if _, err := b.read(context.Background(), "again", "echo again"); err == nil || err.Error() != prefix {
		t.Errorf("later read: %v", err)
	}
}
