package main

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// Properties travel as Pulumi's PropertyMap so that secrets stay secret (the engine encrypts them
// in state) and unknowns (a preview's not-yet-known values) are seen as such.

var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, marshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOpts)
}

// unknown stands for a value not known yet (a preview).
type unknownValue struct{}

// plainOf is a property's value with secrets unwrapped and unknowns as unknownValue.
func plainOf(v resource.PropertyValue) any {
	return v.MapRepl(nil, func(v resource.PropertyValue) (any, bool) {
		switch {
		case v.IsComputed() || (v.IsOutput() && !v.OutputValue().Known):
			return unknownValue{}, true
		case v.IsOutput():
			return plainOf(v.OutputValue().Element), true
		case v.IsSecret():
			return plainOf(v.SecretValue().Element), true
		}
		return nil, false
	})
}

func str(m resource.PropertyMap, k string) string {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return ""
	}
	s, _ := plainOf(v).(string)
	return s
}

func has(m resource.PropertyMap, k string) bool {
	v, ok := m[resource.PropertyKey(k)]
	return ok && !v.IsNull()
}

func connectionOf(m resource.PropertyMap) connection {
	raw, _ := plainOf(m["connection"]).(map[string]any)
	s := func(k string) string { v, _ := raw[k].(string); return v }
	port := 0
	if n, ok := raw["port"].(float64); ok {
		port = int(n)
	}
	return connection{Host: s("host"), Port: port, User: s("user"), HostKey: s("hostKey"), PrivateKey: s("privateKey"), PrivateKeyPath: s("privateKeyPath"), Name: s("name")}
}

// stable is a value as canonical JSON (keys sorted), for comparing inputs like for like.
func stable(v any) string {
	switch t := v.(type) {
	case unknownValue:
		return "<unknown>"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k, e := range t {
			if e != nil {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, jsonString(k)+":"+stable(t[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, stable(e))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func containsUnknown(v any) bool {
	switch t := v.(type) {
	case unknownValue:
		return true
	case map[string]any:
		for _, e := range t {
			if containsUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if containsUnknown(e) {
				return true
			}
		}
	}
	return false
}

// jsonString is JSON.stringify of a string, as the TypeScript messages write values.
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// toProperty turns a plain JSON-like value into a property value.
func toProperty(v any) resource.PropertyValue {
	b, _ := json.Marshal(v)
	var m any
	_ = json.Unmarshal(b, &m)
	return resource.NewPropertyValue(m)
}
