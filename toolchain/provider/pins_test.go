package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
)

// The same keys and cases as test/unit/pins.test.ts.
const oldKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOldOldOldOldOldOldOldOldOldOldOldOldOldOldOld"
const newKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINewNewNewNewNewNewNewNewNewNewNewNewNewNewNew"

var pinned = connection{Host: "198.51.100.7", Port: 22, User: "deploy", HostKey: oldKey, PrivateKeyPath: "~/.ssh/k"}

func TestPinsOfReadsEachHostTheInventoryFillingGaps(t *testing.T) {
	config := map[string]any{"hostform:hosts": []any{
		map[string]any{"name": "web-1", "role": "flatlogic", "address": "198.51.100.7", "hostKey": newKey},
		map[string]any{"name": "gpu-1", "role": "duel", "address": "203.0.113.9", "port": 40022, "hostKey": oldKey},
		map[string]any{"name": "flatlogic", "role": "flatlogic"},
		map[string]any{"name": "unpinned", "role": "none", "address": "203.0.113.10"},
		"not a host",
	}}
	inventory := map[string]inventoryHost{"flatlogic": {Address: "10.231.1.2", Port: 22.0, HostPublicKey: newKey}}
	want := []pin{{"198.51.100.7", 22, newKey}, {"203.0.113.9", 40022, oldKey}, {"10.231.1.2", 22, newKey}}
	if got := pinsOf(config, inventory); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
	if got := pinsOf(map[string]any{"hostform:hosts": "web-1"}, nil); len(got) != 0 {
		t.Errorf("no host list: %v", got)
	}
}

func TestWithCurrentPinTakesTheKeyPinnedNow(t *testing.T) {
	if got := withCurrentPin(pinned, []pin{{"198.51.100.7", 22, newKey}}); got.HostKey != newKey {
		t.Errorf("the current pin: %v", got)
	}
	noPort := pinned
	noPort.Port = 0
	if got := withCurrentPin(noPort, []pin{{"198.51.100.7", 22, newKey}}); got.HostKey != newKey {
		t.Errorf("22 for no port: %v", got)
	}
	for name, pins := range map[string][]pin{
		"nothing pinned":       nil,
		"another port":         {{"198.51.100.7", 2222, newKey}},
		"another address":      {{"198.51.100.8", 22, newKey}},
		"the same key, padded": {{"198.51.100.7", 22, oldKey + "= root@web-1"}},
		"two different keys":   {{"198.51.100.7", 22, newKey}, {"198.51.100.7", 22, oldKey}},
	} {
		if got := withCurrentPin(pinned, pins); got != pinned {
			t.Errorf("%s: the state's connection must stay, got %v", name, got)
		}
	}
}

func TestCurrentPinsReadsTheStackFileAndItsInventory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "inventory.json"), []byte(`{"hosts":{"metahuman":{"address":"10.231.3.2","port":22,"hostPublicKey":"`+newKey+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	stackFile := filepath.Join(dir, "Pulumi.s.yaml")
	if err := os.WriteFile(stackFile, []byte("config:\n  hostform:inventoryFile: inventory.json\n  hostform:hosts:\n    - name: metahuman\n      role: metahuman\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOSTFORM_STACK_CONFIG": stackFile, "HOSTFORM_PROGRAM_DIR": dir}
	if got := currentPins(func(k string) string { return env[k] }); !reflect.DeepEqual(got, []pin{{"10.231.3.2", 22, newKey}}) {
		t.Errorf("got %v", got)
	}
	if got := currentPins(func(string) string { return "" }); got != nil {
		t.Errorf("unset: %v", got)
	}
}

func TestTheProviderUsesTheCurrentPinOverAStaleKeyInState(t *testing.T) {
	s := startServer(t)
	_, stalePriv, _ := ed25519.GenerateKey(rand.Reader)
	stale, _ := ssh.NewSignerFromKey(stalePriv)
	state := map[string]any{"connection": map[string]any{"host": s.addr, "port": s.port, "hostKey": authorized(stale.PublicKey()), "privateKeyPath": s.keyPath},
		"path": "/srv/a", "managedBy": "p/s/File/f", "observed": map[string]any{"exists": true}, "hostformSchema": 1}
	req := &pulumirpc.DeleteRequest{Urn: fileURN, Properties: props(t, state)}

	p := newProvider()
	p.pins = nil
	if _, err := p.Delete(context.Background(), req); err == nil || !strings.Contains(err.Error(), "host key mismatch") {
		t.Fatalf("the stale key alone must be refused, got %v", err)
	}
	p = newProvider()
	p.pins = []pin{{s.addr, s.port, authorized(s.ed25519Key)}}
	if _, err := p.Delete(context.Background(), req); err != nil {
		t.Fatalf("the key pinned now must be used: %v", err)
	}
	if len(s.commands) != 3 {
		t.Errorf("read who manages, remove, forget: %d execs", len(s.commands))
	}
}
