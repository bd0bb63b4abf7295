package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
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
	// pins: the host keys the stack's config pins now (pins.go), read once: they beat a stale key in state.
	pins []pin
}

func newProvider() *hostProvider {
	return &hostProvider{pool: newPool(), now: time.Now, pins: currentPins(os.Getenv)}
}

// decode finds the kind the URN names and unmarshals each property set.
func decode(urn string, structs ...*structpb.Struct) (hostKind, []resource.PropertyMap, error) {
	k, err := kindOf(urn)
	if err != nil {
		return nil, nil, err
	}
	out := make([]resource.PropertyMap, 0, len(structs))
	for _, st := range structs {
		m, err := unmarshal(st)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, m)
	}
	return k, out, nil
}

func kindOf(urn string) (hostKind, error) {
	t := string(resource.URN(urn).Type())
	k, ok := kinds[t]
	if !ok {
		return nil, fmt.Errorf("hostform-ssh: unknown resource type %s (this provider serves %s and %s)", t, typeDirectory, typeFile)
	}
	return k, nil
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
	k, m, err := decode(req.GetUrn(), req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, news := m[0], m[1]
	withHashKey(olds, news)
	remember(secretValuesOf(news))
	failures := k.validate(news)
	if known(news, "connection") {
		if c := connectionOf(news); c.Host == "" || c.HostKey == "" {
			failures = append(failures, failure{"connection", "needs host and hostKey (the host key is pinned, never learned on first use)"})
		}
	}
	if len(failures) == 0 {
		// Defaults made explicit, so state and refreshed inputs compare like for like.
		for key, v := range k.defaults(news) {
			if !has(news, key) || known(news, key) {
				news[resource.PropertyKey(key)] = resource.NewStringProperty(v)
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

// withHashKey: a resource with secret material hashes it under its own key (keyed.go). The program
// passes a secret placeholder `hashKey`; the first check puts a random key in, later checks keep
// the stored one. It stays a secret, so state keeps it encrypted.
func withHashKey(olds, news resource.PropertyMap) {
	if _, ok := news["hashKey"]; !ok {
		return
	}
	key := str(olds, "hashKey")
	if !isHashKey(key) {
		key = str(news, "hashKey")
	}
	if !isHashKey(key) {
		key = newHashKey()
	}
	news["hashKey"] = resource.MakeSecret(resource.NewStringProperty(key))
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

// observedOf: the observation kept in state, as the kind's struct.
func observedOf(k hostKind, props resource.PropertyMap) any {
	v, ok := props["observed"]
	if !ok {
		v = props["state"] // outputs written before schema 1 (provider.ts upgrade)
	}
	raw, _ := json.Marshal(plainOf(v))
	return k.observedOf(raw)
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

// changedSettings: input keys that are not host state (a file's verify command) compared as values.
func changedSettings(k hostKind, olds, news resource.PropertyMap) []string {
	hostState := map[string]bool{}
	for _, key := range k.hostState() {
		hostState[key] = true
	}
	keys := map[string]bool{}
	for k := range olds {
		keys[string(k)] = true
	}
	for k := range news {
		keys[string(k)] = true
	}
	var out []string
	for k := range keys {
		if internal[k] || hostState[k] {
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
	k, m, err := decode(req.GetUrn(), req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	return diff(k, m[0], m[1]), nil
}

func diff(k hostKind, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	var replaces, changes []string
	if stable(plainOrNil(olds, "path")) != stable(plainOrNil(news, "path")) {
		replaces = append(replaces, "path")
	}
	for _, key := range k.hostState() {
		if key != "path" && has(news, key) && !known(news, key) {
			changes = append(changes, key)
		}
	}
	if len(changes) == 0 {
		changes = append(changes, k.drifted(news, observedOf(k, olds))...)
	}
	changes = append(changes, changedSettings(k, inputsOf(olds), news)...)
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
	k, m, err := decode(req.GetUrn(), req.GetProperties())
	if err != nil {
		return nil, masked(err)
	}
	inputs := m[0]
	outs, err := p.converge(ctx, k, inputs, nil, nil)
	if err != nil {
		return nil, masked(err)
	}
	return &pulumirpc.CreateResponse{Id: k.id(connectionOf(inputs), inputs), Properties: outs}, nil
}

func (p *hostProvider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	k, m, err := decode(req.GetUrn(), req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, masked(err)
	}
	olds, news := m[0], m[1]
	applied, _ := plainOrNil(olds, "appliedAt").(string)
	var before *string
	if applied != "" {
		before = &applied
	}
	outs, err := p.converge(ctx, k, news, changedSettings(k, inputsOf(olds), news), before)
	if err != nil {
		return nil, masked(err)
	}
	return &pulumirpc.UpdateResponse{Properties: outs}, nil
}

// converge: observe, close the gap, observe again, record the manager. `appliedAt` changes only
// when something was done on the host.
func (p *hostProvider) converge(ctx context.Context, k hostKind, inputs resource.PropertyMap, changed []string, appliedBefore *string) (*structpb.Struct, error) {
	c := connectionOf(inputs)
	h, err := p.pool.get(withCurrentPin(c, p.pins))
	if err != nil {
		return nil, err
	}
	before, err := k.observe(ctx, h, inputs)
	if err != nil {
		return nil, err
	}
	act := len(k.drifted(inputs, before)) > 0 || len(changed) > 0
	if act {
		if err := k.converge(ctx, h, inputs, before); err != nil {
			return nil, err
		}
	}
	after, err := k.observe(ctx, h, inputs)
	if err != nil {
		return nil, err
	}
	if left := k.drifted(inputs, after); len(left) > 0 {
		return nil, fmt.Errorf("%s: still differs after converging (%s)", k.id(c, inputs), strings.Join(left, ", "))
	}
	if managedBy := str(inputs, "managedBy"); managedBy != "" {
		if _, err := h.runScript(ctx, "record what "+managedBy+" manages", changeTimeout)(claimScript([]string{k.thing(inputs)}, managedBy)); err != nil {
			return nil, err
		}
	}
	appliedAt := p.now().UTC().Format("2006-01-02T15:04:05.000Z")
	if !act && appliedBefore != nil {
		appliedAt = *appliedBefore
	}
	outs := withObserved(k.outputs(inputs), "secretValues", after) // secret values to mask are never kept
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
	r, err := p.read(ctx, req)
	return r, masked(err)
}

func (p *hostProvider) read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	k, m, err := decode(req.GetUrn(), req.GetProperties(), req.GetInputs())
	if err != nil {
		return nil, err
	}
	props, inputs := m[0], m[1]
	applied := inputsOf(props)
	if len(inputs) == 0 {
		inputs = applied
	}
	remember(secretValuesOf(inputs))
	// A host's reads share one exec: the batch opens the connection and runs what queued meanwhile.
	observed, err := k.observe(ctx, p.pool.reads(withCurrentPin(connectionOf(applied), p.pins)), applied)
	if err != nil {
		return nil, err
	}
	outs := withObserved(props, "state", observed) // "state": where outputs before schema 1 kept it
	newInputs := inputs
	if len(k.drifted(applied, observed)) > 0 {
		// What is on the host, written as inputs: the refreshed preview shows it against the code.
		newInputs = resource.PropertyMap{}
		for key, v := range inputs {
			newInputs[key] = v
		}
		for key, v := range k.asInputs(applied, observed) {
			newInputs[resource.PropertyKey(key)] = resource.NewStringProperty(v)
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
	k, m, err := decode(req.GetUrn(), req.GetProperties())
	if err != nil {
		return nil, masked(err)
	}
	applied := inputsOf(m[0])
	managedBy := str(applied, "managedBy")
	h, err := p.pool.get(withCurrentPin(connectionOf(applied), p.pins))
	if err != nil {
		return nil, masked(err)
	}
	things := []string{k.thing(applied)}
	out, err := h.runScript(ctx, "read who manages what", changeTimeout)(othersScript(things, managedBy))
	if err != nil {
		return nil, masked(err)
	}
	if !parseOthers(out)[things[0]] {
		if err := k.remove(ctx, h, applied); err != nil {
			return nil, masked(err)
		}
	}
	if managedBy != "" {
		if _, err := h.runScript(ctx, "forget "+managedBy, changeTimeout)(releaseScript(things, managedBy)); err != nil {
			return nil, masked(err)
		}
	}
	return &emptypb.Empty{}, nil
}
