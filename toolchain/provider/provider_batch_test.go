package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// The engine's Reads of one host go through that host's batch: three directories, read at once,
// are one exec (a local bash standing in for the host), and each Read gets its own observation.
func TestTheProvidersReadsOfAHostShareOneBatch(t *testing.T) {
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{"a": 0o750, "c": 0o700} {
		if err := os.Mkdir(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	p := newProvider()
	var b *batcher
	b = localBatcher(gated(&b, 3))
	p.pool.batchers[connectionOf(resource.NewPropertyMapFromMap(map[string]any{"connection": conn})).key()] = b

	got := map[string]any{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := filepath.Join(dir, name)
			st := props(t, state(directoryObserved{Exists: true, Mode: "0750", Owner: "root", Group: "root"}, map[string]any{"path": path}))
			r, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: "10.0.0.2:" + path + "/", Urn: urn, Properties: st, Inputs: st})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				got[name] = err
				return
			}
			outs, _ := unmarshal(r.Properties)
			got[name] = fmt.Sprint(plainOf(outs["observed"]))
		}()
	}
	wg.Wait()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	group, err := user.LookupGroupId(me.Gid)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": fmt.Sprintf("map[exists:true group:%s mode:0750 owner:%s]", group.Name, me.Username),
		"b": "map[exists:false]",
		"c": fmt.Sprintf("map[exists:true group:%s mode:0700 owner:%s]", group.Name, me.Username),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observations:\n%v\nwant\n%v", got, want)
	}
	if fmt.Sprint(b.sizes) != "[3]" {
		t.Errorf("want one batch of 3 reads, got %v", b.sizes)
	}
}
