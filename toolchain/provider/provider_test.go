package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

const urn = "urn:pulumi:s::p::hostform-ssh:host:Directory::d"

var conn = map[string]any{"host": "10.0.0.2", "hostKey": "ssh-ed25519 AAAA", "name": "web"}

func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := marshal(resource.NewPropertyMapFromMap(m))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheckMakesDefaultsExplicitAndKeepsSecrets(t *testing.T) {
	p := newProvider()
	news := resource.NewPropertyMapFromMap(map[string]any{"connection": conn, "path": "/srv/a", "mode": "750", "owner": "app"})
	c := news["connection"].ObjectValue()
	c["privateKey"] = resource.MakeSecret(resource.NewStringProperty("KEY TEXT"))
	in, _ := marshal(news)
	r, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: in})
	if err != nil || len(r.Failures) != 0 {
		t.Fatalf("%v %v", err, r.GetFailures())
	}
	got, _ := unmarshal(r.Inputs)
	if str(got, "mode") != "0750" || str(got, "owner") != "app" || str(got, "group") != "app" {
		t.Errorf("defaults: %v", got)
	}
	if !got["connection"].ObjectValue()["privateKey"].IsSecret() {
		t.Error("the private key must stay a secret")
	}
	bad, _ := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: props(t, map[string]any{"connection": map[string]any{"host": "h"}, "path": "rel"})})
	var fs []string
	for _, f := range bad.Failures {
		fs = append(fs, f.Property+": "+f.Reason)
	}
	want := `path: must be an absolute directory path other than /, without empty, . or .. segments and without a trailing /, got "rel"` +
		"\nconnection: needs host and hostKey (the host key is pinned, never learned on first use)"
	if strings.Join(fs, "\n") != want {
		t.Errorf("failures:\n%s", strings.Join(fs, "\n"))
	}
	if _, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: "urn:pulumi:s::p::hostform-ssh:host:AptPackages::f", News: in}); err == nil {
		t.Error("a type this stage does not serve must be refused")
	}
}

// state is what Create writes: the inputs, the observation, the schema and when it was applied.
func state(observed directoryObserved, extra map[string]any) map[string]any {
	var o map[string]any
	b, _ := json.Marshal(observed)
	_ = json.Unmarshal(b, &o)
	m := map[string]any{"connection": conn, "path": "/srv/a", "mode": "0750", "owner": "root", "group": "root",
		"managedBy": "p/s/Directory/d", "observed": o, "hostformSchema": 1, "appliedAt": "2026-01-01T00:00:00.000Z"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestDiff(t *testing.T) {
	p := newProvider()
	converged := directoryObserved{Exists: true, Mode: "0750", Owner: "root", Group: "root"}
	news := map[string]any{"connection": conn, "path": "/srv/a", "mode": "0750", "owner": "root", "group": "root", "managedBy": "p/s/Directory/d"}
	renamed := map[string]any{"host": "10.0.0.2", "hostKey": "ssh-ed25519 AAAA", "name": "web-renamed"}
	cases := []struct {
		name             string
		olds, news       map[string]any
		changes, replace string
	}{
		{"converged, no change", state(converged, nil), news, "", ""},
		{"dynamic-provider state (__provider) is no change", state(converged, map[string]any{"__provider": "exports.handler = …"}), news, "", ""},
		{"the host's name is for messages only", state(converged, nil), with(news, "connection", renamed), "", ""},
		{"mode drift on the host", state(directoryObserved{Exists: true, Mode: "0777", Owner: "root", Group: "root"}, nil), news, "mode", ""},
		{"gone from the host: shown in mode, where the refresh writes it", state(directoryObserved{}, nil), news, "mode", ""},
		{"a new mode in the code", state(converged, nil), with(news, "mode", "0700"), "mode", ""},
		{"a new path replaces", state(converged, nil), with(news, "path", "/srv/b"), "path", "path"},
		{"another host key", state(converged, nil), with(news, "connection", map[string]any{"host": "10.0.0.2", "hostKey": "ssh-ed25519 BBBB"}), "connection", ""},
	}
	for _, c := range cases {
		r, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn, Olds: props(t, c.olds), News: props(t, c.news)})
		if err != nil {
			t.Fatal(err)
		}
		wantChanges := pulumirpc.DiffResponse_DIFF_NONE
		if c.changes != "" {
			wantChanges = pulumirpc.DiffResponse_DIFF_SOME
		}
		if r.Changes != wantChanges || strings.Join(r.Diffs, ",") != c.changes || strings.Join(r.Replaces, ",") != c.replace {
			t.Errorf("%s: changes %v diffs %v replaces %v", c.name, r.Changes, r.Diffs, r.Replaces)
		}
	}
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

func TestProviderConfigNeverReplaces(t *testing.T) {
	r, err := newProvider().DiffConfig(context.Background(), &pulumirpc.DiffRequest{})
	if err != nil || r.Changes != pulumirpc.DiffResponse_DIFF_NONE || len(r.Replaces) != 0 {
		t.Errorf("%v %v", r, err)
	}
	c, _ := newProvider().Configure(context.Background(), &pulumirpc.ConfigureRequest{})
	if !c.AcceptSecrets {
		t.Error("secrets must reach the provider as secrets, so outputs keep them secret")
	}
}

func TestSchemaNamesThePackageAndTheDynamicAlias(t *testing.T) {
	var s struct {
		Name      string
		Resources map[string]struct{ Aliases []struct{ Type string } }
	}
	if err := json.Unmarshal([]byte(schemaJSON()), &s); err != nil {
		t.Fatal(err)
	}
	if s.Name != "hostform-ssh" || len(s.Resources) != 2 || s.Resources[typeDirectory].Aliases[0].Type != "pulumi-nodejs:dynamic/host:Directory" || s.Resources[typeFile].Aliases[0].Type != "pulumi-nodejs:dynamic/host:File" {
		t.Errorf("%+v", s)
	}
}

func TestCheckInAPreviewLeavesUnknownsAlone(t *testing.T) {
	news := resource.NewPropertyMapFromMap(map[string]any{"connection": conn, "owner": "app"})
	news["path"] = resource.MakeComputed(resource.NewStringProperty(""))
	news["mode"] = resource.MakeComputed(resource.NewStringProperty(""))
	in, _ := marshal(news)
	r, err := newProvider().Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: in})
	if err != nil || len(r.Failures) != 0 {
		t.Fatalf("%v %v", err, r.GetFailures())
	}
	got, _ := unmarshal(r.Inputs)
	if !got["path"].IsComputed() || !got["mode"].IsComputed() || str(got, "group") != "app" {
		t.Errorf("unknowns must stay unknown, known defaults filled in: %v", got)
	}
	d := diff(directoryKind{}, resource.NewPropertyMapFromMap(state(directoryObserved{Exists: true, Mode: "0750", Owner: "root", Group: "root"}, nil)), got)
	if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || strings.Join(d.Replaces, ",") != "path" {
		t.Errorf("an unknown path or mode is a change: %v", d)
	}
}
