package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// hostKind is one kind of host state as the provider serves it (components/host/kinds/kind.ts):
// each method does at most one remote exec; observations are the kind's own struct.
type hostKind interface {
	// inputs are the properties the kind reads, from inputs or from state.
	validate(m resource.PropertyMap) []failure
	// defaults: inputs with their defaults made explicit (known values only).
	defaults(m resource.PropertyMap) map[string]string
	// hostState: input keys that describe the host (compared through the observation, not as values).
	hostState() []string
	id(c connection, m resource.PropertyMap) string
	thing(m resource.PropertyMap) string
	// observe reads through a connection, or through the host's batch (batch.go) for a Read.
	observe(ctx context.Context, h scriptRunner, m resource.PropertyMap) (any, error)
	observedOf(raw []byte) any
	drifted(m resource.PropertyMap, o any) []string
	converge(ctx context.Context, h *hostConn, m resource.PropertyMap, o any) error
	remove(ctx context.Context, h *hostConn, m resource.PropertyMap) error
	asInputs(m resource.PropertyMap, o any) map[string]string
	// outputs: what state keeps of the inputs (a secret file's content is dropped).
	outputs(m resource.PropertyMap) resource.PropertyMap
}

// scriptRunner runs one builder's script and names the step in its errors: a hostConn, or a batcher.
type scriptRunner interface {
	runScript(ctx context.Context, step string, timeoutSeconds float64) func(string, error) (string, error)
}

const typeFile = pkgName + ":host:File"

var kinds = map[string]hostKind{typeDirectory: directoryKind{}, typeFile: fileKind{}}

// refusedError: a path hostform will not act on (a link or a foreign owner on the way).
func refusedError(path, why string) error { return fmt.Errorf("hostform: refusing %s: %s", path, why) }

type directoryKind struct{}

func (directoryKind) validate(m resource.PropertyMap) []failure {
	i := dirInputs(m)
	if !known(m, "path") {
		i.Path = "/x"
	}
	return validateDirectory(i, func(k string) bool { return known(m, k) })
}

func (directoryKind) defaults(m resource.PropertyMap) map[string]string {
	w := dirInputs(m).want()
	return map[string]string{"mode": w.Mode, "owner": w.Owner, "group": w.Group}
}

func (directoryKind) hostState() []string { return []string{"path", "mode", "owner", "group"} }
func (directoryKind) id(c connection, m resource.PropertyMap) string {
	return directoryID(c, str(m, "path"))
}
func (directoryKind) thing(m resource.PropertyMap) string { return "directory:" + str(m, "path") }

func (directoryKind) observe(ctx context.Context, h scriptRunner, m resource.PropertyMap) (any, error) {
	path := str(m, "path")
	out, err := h.runScript(ctx, "read "+path, readTimeout)(observeDirectoryScript(path))
	if err != nil {
		return nil, err
	}
	return parseDirectory(out)
}

func (directoryKind) observedOf(raw []byte) any {
	var o directoryObserved
	_ = json.Unmarshal(raw, &o)
	return o
}

func (directoryKind) drifted(m resource.PropertyMap, o any) []string {
	out := directoryDrifted(dirInputs(m), o.(directoryObserved))
	// The engine shows only the properties a diff names: a missing or refused directory shows in
	// `mode`, where a refresh writes "(missing on the host)" (directoryAsInputs).
	for n, k := range out {
		if k == "exists" {
			out[n] = "mode"
		}
	}
	return out
}

func (directoryKind) converge(ctx context.Context, h *hostConn, m resource.PropertyMap, o any) error {
	i := dirInputs(m)
	if r := o.(directoryObserved).Refused; r != "" {
		return refusedError(i.Path, r)
	}
	_, err := h.runScript(ctx, "create directory "+i.Path, changeTimeout)(ensureDirectoryScript(i))
	return err
}

func (directoryKind) remove(ctx context.Context, h *hostConn, m resource.PropertyMap) error {
	path := str(m, "path")
	_, err := h.runScript(ctx, "remove directory "+path, changeTimeout)(removeDirectoryScript(path))
	return err
}

func (directoryKind) asInputs(_ resource.PropertyMap, o any) map[string]string {
	return directoryAsInputs(o.(directoryObserved))
}

func (directoryKind) outputs(m resource.PropertyMap) resource.PropertyMap { return m }

type fileKind struct{}

func fileInputsOf(m resource.PropertyMap) fileInputs {
	i := fileInputs{Path: str(m, "path"), Mode: str(m, "mode"), Owner: str(m, "owner"), Group: str(m, "group"),
		VerifyCommand: str(m, "verifyCommand"), OnChangeCommand: str(m, "onChangeCommand"), HashKey: str(m, "hashKey"),
		ContentHmac: str(m, "contentHmac"), ContentSha256: str(m, "contentSha256")}
	i.Secret, _ = plainOrNil(m, "secret").(bool)
	switch c := plainOrNil(m, "content").(type) {
	case string:
		i.Content = &c
	default:
		i.ContentUnknown = has(m, "content") && containsUnknown(c)
	}
	return i
}

func (fileKind) validate(m resource.PropertyMap) []failure {
	i := fileInputsOf(m)
	if !known(m, "path") {
		i.Path = "/x"
	}
	return validateFile(i, func(k string) bool { return known(m, k) })
}

func (fileKind) defaults(m resource.PropertyMap) map[string]string {
	if has(m, "secret") && !known(m, "secret") {
		return nil // the default mode depends on it
	}
	w := fileInputsOf(m).want()
	return map[string]string{"mode": w.Mode, "owner": w.Owner, "group": w.Group}
}

func (fileKind) hostState() []string {
	return []string{"path", "content", "contentHmac", "contentSha256", "mode", "owner", "group"}
}
func (fileKind) id(c connection, m resource.PropertyMap) string { return c.Host + ":" + str(m, "path") }
func (fileKind) thing(m resource.PropertyMap) string            { return "file:" + str(m, "path") }

func (fileKind) observe(ctx context.Context, h scriptRunner, m resource.PropertyMap) (any, error) {
	i := fileInputsOf(m)
	out, err := h.runScript(ctx, "read "+i.Path, readTimeout)(observeFileScript(i.Path, !i.Secret))
	if err != nil {
		return nil, err
	}
	o, err := parseFile(out)
	if err != nil {
		return nil, err
	}
	return i.keyed(o), nil
}

func (fileKind) observedOf(raw []byte) any {
	var o fileObserved
	_ = json.Unmarshal(raw, &o)
	return o
}

func (fileKind) drifted(m resource.PropertyMap, o any) []string {
	return fileDrifted(fileInputsOf(m), o.(fileObserved))
}

func (fileKind) converge(ctx context.Context, h *hostConn, m resource.PropertyMap, o any) error {
	i := fileInputsOf(m)
	obs := o.(fileObserved)
	if obs.Refused != "" {
		return refusedError(i.Path, obs.Refused)
	}
	d := map[string]bool{}
	for _, k := range fileDrifted(i, obs) {
		d[k] = true
	}
	// Owner and group are set on a new copy: chown in a directory the app user can write is not root's to do.
	if d["content"] || d["owner"] || d["group"] {
		if i.Content == nil {
			return fmt.Errorf("hostform: %s needs its content to be written, and the inputs have none", i.Path)
		}
		script, err := writeFileScript(i, d["content"])
		if err != nil {
			return err
		}
		_, err = h.run(ctx, "write "+i.Path, script, writeInput(*i.Content), changeTimeout)
		return err
	}
	if len(d) > 0 {
		_, err := h.runScript(ctx, "set mode of "+i.Path, changeTimeout)(fixModeScript(i))
		return err
	}
	return nil
}

func (fileKind) remove(ctx context.Context, h *hostConn, m resource.PropertyMap) error {
	path := str(m, "path")
	_, err := h.runScript(ctx, "remove "+path, changeTimeout)(removeFileScript(path))
	return err
}

func (fileKind) asInputs(m resource.PropertyMap, o any) map[string]string {
	return fileAsInputs(fileInputsOf(m), o.(fileObserved))
}

// outputs: a secret file's content never reaches state's outputs; its keyed hash does.
func (fileKind) outputs(m resource.PropertyMap) resource.PropertyMap {
	i := fileInputsOf(m)
	if !i.Secret {
		return m
	}
	out := resource.PropertyMap{}
	for k, v := range m {
		if k != "content" && k != "contentSha256" && k != "contentHmac" {
			out[k] = v
		}
	}
	if i.HashKey != "" {
		out["contentHmac"] = resource.NewStringProperty(i.wanted(true))
	} else {
		out["contentSha256"] = resource.NewStringProperty(i.wanted(false))
	}
	return out
}
