package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// The gRPC face of the plugin: the engine's calls, dispatched by type token. Behaviour follows the
// dynamic provider (components/host/provider.ts) so that state written by either reads the same.

const (
	pkgName       = "hostform-ssh"
	typeDirectory = pkgName + ":host:Directory"
	// schemaVersion is the outputs' shape (provider.ts SCHEMA).
	schemaVersion = 1
)

// stateOnly: keys kept in state beside the inputs, never inputs themselves (`__provider` is what
// dynamic-provider state carries and is ignored here).
var stateOnly = map[string]bool{"__provider": true, "observed": true, "hostformSchema": true, "appliedAt": true}

// internal: not compared as settings (state-only keys, the connection compared on its own, and
// inputs that say nothing about the host).
var internal = map[string]bool{"__provider": true, "observed": true, "hostformSchema": true, "appliedAt": true,
	"connection": true, "managedBy": true, "secretValues": true}

type hostProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
	pool *pool
	now  func() time.Time
}

func newProvider() *hostProvider { return &hostProvider{pool: newPool(), now: time.Now} }

// decode checks that the URN names a type this provider serves and unmarshals each property set.
func decode(urn string, structs ...*structpb.Struct) ([]resource.PropertyMap, error) {
	if _, err := kindOf(urn); err != nil {
		return nil, err
	}
	out := make([]resource.PropertyMap, 0, len(structs))
	for _, st := range structs {
		m, err := unmarshal(st)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func kindOf(urn string) (string, error) {
	t := string(resource.URN(urn).Type())
	if t != typeDirectory {
		return "", fmt.Errorf("hostform-ssh: unknown resource type %s (this provider serves %s)", t, typeDirectory)
	}
	return t, nil
}

func (p *hostProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *hostProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: schemaJSON()}, nil
}

// CheckConfig: the provider takes no configuration (its package is not hostform's config namespace).
func (p *hostProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig never asks for a replace: a provider change must never replace what runs on hosts.
func (p *hostProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *hostProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	// No preview support: during a preview the engine shows the inputs as the outputs to be.
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: false}, nil
}

func (p *hostProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func dirInputs(m resource.PropertyMap) directoryInputs {
	return directoryInputs{Path: str(m, "path"), Mode: str(m, "mode"), Owner: str(m, "owner"), Group: str(m, "group")}
}

func known(m resource.PropertyMap, k string) bool {
	return has(m, k) && !containsUnknown(plainOf(m[resource.PropertyKey(k)]))
}

func (p *hostProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	m, err := decode(req.GetUrn(), req.GetNews())
	if err != nil {
		return nil, err
	}
	news := m[0]
	i := dirInputs(news)
	var failures []failure
	if known(news, "path") {
		failures = validateDirectory(i, func(k string) bool { return known(news, k) })
	} else {
		failures = validateDirectory(directoryInputs{Path: "/x", Mode: i.Mode, Owner: i.Owner, Group: i.Group}, func(k string) bool { return known(news, k) })
	}
	if known(news, "connection") {
		if c := connectionOf(news); c.Host == "" || c.HostKey == "" {
			failures = append(failures, failure{"connection", "needs host and hostKey (the host key is pinned, never learned on first use)"})
		}
	}
	if len(failures) == 0 {
		// Defaults made explicit, so state and refreshed inputs compare like for like.
		w := i.want()
		for k, v := range map[string]string{"mode": w.Mode, "owner": w.Owner, "group": w.Group} {
			if !has(news, k) || known(news, k) {
				news[resource.PropertyKey(k)] = resource.NewStringProperty(v)
			}
		}
	}
	inputs, err := marshal(news)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: inputs}
	for _, f := range failures {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
	}
	return resp, nil
}

// inputsOf: state outputs without the keys hostform keeps beside the inputs.
func inputsOf(props resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range props {
		if !stateOnly[string(k)] {
			out[k] = v
		}
	}
	return out
}

func observedOf(props resource.PropertyMap) directoryObserved {
	var o directoryObserved
	v, ok := props["observed"]
	if !ok {
		v, ok = props["state"] // outputs written before schema 1 (provider.ts upgrade)
	}
	if ok {
		b, _ := json.Marshal(plainOf(v))
		_ = json.Unmarshal(b, &o)
	}
	return o
}

func withoutName(c any) any {
	m, ok := c.(map[string]any)
	if !ok {
		return c
	}
	out := map[string]any{}
	for k, v := range m {
		if k != "name" {
			out[k] = v
		}
	}
	return out
}

// changedSettings: input keys that are not host state (Directory has none today) compared as values.
func changedSettings(olds, news resource.PropertyMap) []string {
	keys := map[string]bool{}
	for k := range olds {
		keys[string(k)] = true
	}
	for k := range news {
		keys[string(k)] = true
	}
	var out []string
	for k := range keys {
		if internal[k] || k == "mode" || k == "owner" || k == "group" || k == "path" {
			continue
		}
		if stable(plainOrNil(olds, k)) != stable(plainOrNil(news, k)) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func plainOrNil(m resource.PropertyMap, k string) any {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return nil
	}
	return plainOf(v)
}

func (p *hostProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	m, err := decode(req.GetUrn(), req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	return directoryDiff(m[0], m[1]), nil
}

func directoryDiff(olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	var replaces, changes []string
	if stable(plainOrNil(olds, "path")) != stable(plainOrNil(news, "path")) {
		replaces = append(replaces, "path")
	}
	for _, k := range []string{"mode", "owner", "group"} {
		if has(news, k) && !known(news, k) {
			changes = append(changes, k)
		}
	}
	if len(changes) == 0 {
		for _, k := range directoryDrifted(dirInputs(news), observedOf(olds)) {
			// The engine shows only the properties a diff names: a missing or refused directory shows
			// in `mode`, where a refresh writes "(missing on the host)" (directoryAsInputs).
			if k == "exists" {
				k = "mode"
			}
			changes = append(changes, k)
		}
	}
	changes = append(changes, changedSettings(inputsOf(olds), news)...)
	if stable(withoutName(plainOrNil(olds, "connection"))) != stable(withoutName(plainOrNil(news, "connection"))) {
		changes = append(changes, "connection")
	}
	all := append(append([]string{}, replaces...), changes...)
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, Replaces: replaces, Diffs: all}
	if len(all) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp
}

func directoryID(c connection, path string) string { return c.Host + ":" + path + "/" }

func (p *hostProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	m, err := decode(req.GetUrn(), req.GetProperties())
	if err != nil {
		return nil, err
	}
	inputs := m[0]
	outs, err := p.converge(ctx, inputs, nil, nil)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: directoryID(connectionOf(inputs), str(inputs, "path")), Properties: outs}, nil
}

func (p *hostProvider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	m, err := decode(req.GetUrn(), req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, news := m[0], m[1]
	applied, _ := plainOrNil(olds, "appliedAt").(string)
	var before *string
	if applied != "" {
		before = &applied
	}
	outs, err := p.converge(ctx, news, changedSettings(inputsOf(olds), news), before)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: outs}, nil
}

func (p *hostProvider) observe(ctx context.Context, h *hostConn, i directoryInputs) (directoryObserved, error) {
	out, err := h.runScript(ctx, "read "+i.Path, readTimeout)(observeDirectoryScript(i.Path))
	if err != nil {
		return directoryObserved{}, err
	}
	return parseDirectory(out)
}

// converge: observe, close the gap, observe again, record the manager. `appliedAt` changes only
// when something was done on the host.
func (p *hostProvider) converge(ctx context.Context, inputs resource.PropertyMap, changed []string, appliedBefore *string) (*structpb.Struct, error) {
	c := connectionOf(inputs)
	i := dirInputs(inputs)
	h, err := p.pool.get(c)
	if err != nil {
		return nil, err
	}
	before, err := p.observe(ctx, h, i)
	if err != nil {
		return nil, err
	}
	act := len(directoryDrifted(i, before)) > 0 || len(changed) > 0
	if act {
		if before.Refused != "" {
			return nil, fmt.Errorf("hostform: refusing %s: %s", i.Path, before.Refused)
		}
		if _, err := h.runScript(ctx, "create directory "+i.Path, changeTimeout)(ensureDirectoryScript(i)); err != nil {
			return nil, err
		}
	}
	after, err := p.observe(ctx, h, i)
	if err != nil {
		return nil, err
	}
	if left := directoryDrifted(i, after); len(left) > 0 {
		return nil, fmt.Errorf("%s: still differs after converging (%s)", directoryID(c, i.Path), strings.Join(left, ", "))
	}
	if managedBy := str(inputs, "managedBy"); managedBy != "" {
		if _, err := h.runScript(ctx, "record what "+managedBy+" manages", changeTimeout)(claimScript([]string{"directory:" + i.Path}, managedBy)); err != nil {
			return nil, err
		}
	}
	appliedAt := p.now().UTC().Format("2006-01-02T15:04:05.000Z")
	if !act && appliedBefore != nil {
		appliedAt = *appliedBefore
	}
	outs := withObserved(inputs, "secretValues", after) // secret values to mask are never kept
	outs["appliedAt"] = resource.NewStringProperty(appliedAt)
	return marshal(outs)
}

// withObserved: the outputs as state keeps them, base without one key plus the observation.
func withObserved(base resource.PropertyMap, drop string, observed any) resource.PropertyMap {
	outs := resource.PropertyMap{}
	for k, v := range base {
		if string(k) != drop {
			outs[k] = v
		}
	}
	outs["observed"] = toProperty(observed)
	outs["hostformSchema"] = resource.NewNumberProperty(schemaVersion)
	return outs
}

func (p *hostProvider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	m, err := decode(req.GetUrn(), req.GetProperties(), req.GetInputs())
	if err != nil {
		return nil, err
	}
	props, inputs := m[0], m[1]
	applied := inputsOf(props)
	if len(inputs) == 0 {
		inputs = applied
	}
	i := dirInputs(applied)
	h, err := p.pool.get(connectionOf(applied))
	if err != nil {
		return nil, err
	}
	observed, err := p.observe(ctx, h, i)
	if err != nil {
		return nil, err
	}
	outs := withObserved(props, "state", observed) // "state": where outputs before schema 1 kept it
	newInputs := inputs
	if len(directoryDrifted(i, observed)) > 0 {
		// What is on the host, written as inputs: the refreshed preview shows it against the code.
		newInputs = resource.PropertyMap{}
		for k, v := range inputs {
			newInputs[k] = v
		}
		for k, v := range directoryAsInputs(observed) {
			newInputs[resource.PropertyKey(k)] = resource.NewStringProperty(v)
		}
	}
	o, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	in, err := marshal(newInputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: o, Inputs: in}, nil
}

// Delete removes what the resource managed, unless another resource now manages it on the same host.
func (p *hostProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	m, err := decode(req.GetUrn(), req.GetProperties())
	if err != nil {
		return nil, err
	}
	applied := inputsOf(m[0])
	path := str(applied, "path")
	managedBy := str(applied, "managedBy")
	h, err := p.pool.get(connectionOf(applied))
	if err != nil {
		return nil, err
	}
	things := []string{"directory:" + path}
	out, err := h.runScript(ctx, "read who manages what", changeTimeout)(othersScript(things, managedBy))
	if err != nil {
		return nil, err
	}
	if !parseOthers(out)[things[0]] {
		if _, err := h.runScript(ctx, "remove directory "+path, changeTimeout)(removeDirectoryScript(path)); err != nil {
			return nil, err
		}
	}
	if managedBy != "" {
		if _, err := h.runScript(ctx, "forget "+managedBy, changeTimeout)(releaseScript(things, managedBy)); err != nil {
			return nil, err
		}
	}
	return &emptypb.Empty{}, nil
}
