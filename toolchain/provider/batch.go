package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// One exec per host for a read (docs/go-provider.md): the engine refreshes every resource at once,
// so a host's reads reach the provider while its connection is still opening. They are queued and
// sent as one script on stdin, each resource's own observe script in turn between markers that
// carry a nonce, each item's exit status recorded, so a failing item fails only its own resource.
// Reads that arrive while a batch runs form the next one; nothing waits on a timer, so reads that
// come one at a time (--parallel 1) are batches of one.

// execer runs one script on a host (hostConn.exec); tests run it with a local bash.
type execer interface {
	exec(ctx context.Context, script, stdin string, timeoutSeconds float64) (execResult, error)
}

// batchCommand is the exec's own script: the batch itself comes on stdin (no ARG_MAX).
const batchCommand = "exec bash -s\n"

// batchScript: each item's script run by its own bash (its `exit` ends only itself), its stdin
// empty, its stdout between markers as it comes, its stderr after them, then its exit status.
// The nonce is fresh for each batch, so no item's output (a file read back) can forge a marker.
func batchScript(nonce string, scripts []string) (string, error) {
	w := (&words{}).add("hf_n=", Quoted(nonce), `
hf_e=$(mktemp) || exit 70
trap 'rm -f -- "$hf_e"' EXIT
hf_item() {
  local rc=0
  printf '%s out %s\n' "$hf_n" "$1"
  bash -c "$2" </dev/null 2>"$hf_e" || rc=$?
  printf '\n%s err %s\n' "$hf_n" "$1"
  cat -- "$hf_e"
  printf '\n%s exit %s %s\n' "$hf_n" "$1" "$rc"
}
`)
	for n, s := range scripts {
		w.add("hf_item ", strconv.Itoa(n), " ", QuotedScript(s), "\n")
	}
	return w.text()
}

// itemOutput is one item's share of a batch's output; done is false when its exit status is
// missing (the batch was cut short before it finished).
type itemOutput struct {
	Stdout, Stderr string
	Code           int
	Done           bool
}

// splitBatch cuts a batch's stdout back into its n items.
func splitBatch(nonce string, n int, stdout string) []itemOutput {
	out := make([]itemOutput, n)
	for i := range out {
		id := strconv.Itoa(i)
		rest, ok := after(stdout, nonce+" out "+id+"\n")
		if !ok {
			continue
		}
		stdout, errs, ok := strings.Cut(rest, "\n"+nonce+" err "+id+"\n")
		if !ok {
			continue
		}
		stderr, status, ok := strings.Cut(errs, "\n"+nonce+" exit "+id+" ")
		if !ok {
			continue
		}
		code, _, ok := strings.Cut(status, "\n")
		if c, err := strconv.Atoi(code); ok && err == nil {
			out[i] = itemOutput{Stdout: stdout, Stderr: stderr, Code: c, Done: true}
		}
	}
	return out
}

func after(s, mark string) (string, bool) {
	_, rest, ok := strings.Cut(s, mark)
	return rest, ok
}

type batchItem struct {
	step, script string
	done         chan batchAnswer
}

type batchAnswer struct {
	stdout string
	err    error
}

// batcher queues one host's reads. open is the pool's get: reads queue while it dials.
type batcher struct {
	where   string
	open    func() (execer, error)
	timeout float64
	nonce   func() string

	mu      sync.Mutex
	pending []*batchItem
	running bool
	sizes   []int // each batch's number of items, for tests
}

func newBatcher(where string, open func() (execer, error)) *batcher {
	return &batcher{where: where, open: open, timeout: readTimeout, nonce: randomNonce}
}

func randomNonce() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "hf-" + hex.EncodeToString(b)
}

// runScript is hostConn.runScript for reads: the script joins the host's next batch, which runs
// under the batcher's own timeout.
func (b *batcher) runScript(ctx context.Context, step string, _ float64) func(string, error) (string, error) {
	return func(script string, err error) (string, error) {
		if err != nil {
			return "", err
		}
		return b.read(ctx, step, script)
	}
}

func (b *batcher) read(ctx context.Context, step, script string) (string, error) {
	it := &batchItem{step: step, script: script, done: make(chan batchAnswer, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, it)
	start := !b.running
	b.running = true
	b.mu.Unlock()
	if start {
		go b.loop()
	}
	select {
	case a := <-it.done:
		return a.stdout, a.err
	case <-ctx.Done():
		return "", fmt.Errorf("%s on %s: cancelled", step, b.where)
	}
}

// loop sends what is queued, one batch after another, until nothing is left.
func (b *batcher) loop() {
	h, err := b.open()
	for {
		b.mu.Lock()
		items := b.pending
		b.pending = nil
		if len(items) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.sizes = append(b.sizes, len(items))
		b.mu.Unlock()
		if err != nil {
			// Unreachable, or a host key refused: every queued read gets the one error, at once.
			for _, it := range items {
				it.done <- batchAnswer{err: err}
			}
			continue
		}
		b.send(h, items)
	}
}

func (b *batcher) send(h execer, items []*batchItem) {
	scripts := make([]string, len(items))
	for n, it := range items {
		scripts[n] = it.script
	}
	nonce := b.nonce()
	text, err := batchScript(nonce, scripts)
	var r execResult
	if err == nil {
		r, err = h.exec(context.Background(), batchCommand, text, b.timeout)
	}
	if err != nil {
		for _, it := range items {
			it.done <- batchAnswer{err: fmt.Errorf("%s on %s: %v", it.step, b.where, err)}
		}
		return
	}
	for n, o := range splitBatch(nonce, len(items), r.Stdout) {
		items[n].done <- answerOf(items[n].step, b.where, len(items), o, r)
	}
}

// answerOf: an item's own result, as hostConn.run would give it; an item the batch did not finish
// (a hung one and those after it, killed at the timeout) says how the batch ended.
func answerOf(step, where string, size int, o itemOutput, batch execResult) batchAnswer {
	switch {
	case !o.Done:
		return batchAnswer{err: fmt.Errorf("%s on %s: not finished: the batch of %d reads it was in ended with exit %d: %s",
			step, where, size, batch.Code, lastLines(batch.Stderr, 8))}
	case o.Code != 0:
		return batchAnswer{err: exitError(step, where, execResult{Code: o.Code, Stdout: o.Stdout, Stderr: o.Stderr})}
	}
	return batchAnswer{stdout: o.Stdout}
}
