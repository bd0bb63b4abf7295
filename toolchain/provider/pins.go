package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// The host keys the stack's config pins now (components/host/pins.ts). A refresh and a delete work
// with the connection kept in state: after a rebuilt host is pinned again (`hosts pin --replace`),
// that key is stale and the host would be refused until a refresh succeeded. So the provider
// trusts the key the config pins now for the same address and port, and only that one: a host
// presenting another key is still refused.

type pin struct {
	Address string
	Port    int
	HostKey string
}

type inventoryHost struct {
	Address       any `json:"address"`
	Port          any `json:"port"`
	HostPublicKey any `json:"hostPublicKey"`
}

// pinsOf: each host of `hostform:hosts` with its address, port and key, what an entry leaves out
// taken from the sandbox inventory (as infra/config.ts does). Entries without all three are skipped.
func pinsOf(config map[string]any, inventory map[string]inventoryHost) []pin {
	hosts, _ := config["hostform:hosts"].([]any)
	var out []pin
	for _, raw := range hosts {
		h, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		var inv inventoryHost
		if name, ok := h["name"].(string); ok {
			inv = inventory[name]
		}
		first := func(a, b any) any {
			if a != nil {
				return a
			}
			return b
		}
		address, okA := first(h["address"], inv.Address).(string)
		hostKey, okK := first(h["hostKey"], inv.HostPublicKey).(string)
		port, okP := portOf(first(first(h["port"], inv.Port), 22))
		if okA && okK && okP {
			out = append(out, pin{address, port, hostKey})
		}
	}
	return out
}

// portOf: a whole number, as YAML, JSON or a string holds it.
func portOf(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case float64:
		return int(n), n == float64(int(n))
	case string:
		var i int
		if err := json.Unmarshal([]byte(n), &i); err == nil {
			return i, true
		}
	}
	return 0, false
}

// sameKey: the same key bytes (a pin without its "=" padding is the same key).
func sameKey(a, b string) bool {
	ka, errA := parseHostKey(a)
	kb, errB := parseHostKey(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ka.Type == kb.Type && bytes.Equal(ka.Blob, kb.Blob)
}

// withCurrentPin: the connection with the key the config pins now for its address and port, when
// that is one key.
func withCurrentPin(c connection, pins []pin) connection {
	var keys []string
	for _, p := range pins {
		if p.Address == c.Host && p.Port == c.port() {
			keys = append(keys, p.HostKey)
		}
	}
	if len(keys) == 0 {
		return c
	}
	for _, k := range keys {
		if !sameKey(k, keys[0]) {
			return c
		}
	}
	if sameKey(keys[0], c.HostKey) {
		return c
	}
	c.HostKey = keys[0]
	return c
}

// currentPins: the pins of the stack config file scripts/pulumi.sh names in HOSTFORM_STACK_CONFIG
// (its inventory file relative to the program's folder). None when it is not set or cannot be
// read: then the state's key is the only one trusted.
func currentPins(getenv func(string) string) []pin {
	file := getenv("HOSTFORM_STACK_CONFIG")
	if file == "" {
		return nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if yaml.Unmarshal(raw, &doc) != nil {
		return nil
	}
	var inventory struct {
		Hosts map[string]inventoryHost `json:"hosts"`
	}
	if name, ok := doc.Config["hostform:inventoryFile"].(string); ok {
		dir := getenv("HOSTFORM_PROGRAM_DIR")
		if dir == "" {
			dir, _ = os.Getwd()
		}
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		if b, err := os.ReadFile(name); err == nil {
			_ = json.Unmarshal(b, &inventory)
		}
	}
	return pinsOf(doc.Config, inventory.Hosts)
}
