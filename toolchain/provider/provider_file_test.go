package main

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const fileURN = "urn:pulumi:s::p::hostform-ssh:host:File::f"

// secretFile: a File's inputs as the program sends them, the content and the hash key's placeholder secret.
func secretFile(content string) resource.PropertyMap {
	m := resource.NewPropertyMapFromMap(map[string]any{"connection": conn, "path": "/srv/app/.env", "secret": true, "managedBy": "p/s/File/f"})
	m["content"] = resource.MakeSecret(resource.NewStringProperty(content))
	m["hashKey"] = resource.MakeSecret(resource.NewStringProperty(""))
	return m
}

func TestCheckGivesASecretFileAKeyAndKeepsIt(t *testing.T) {
	p := newProvider()
	in, _ := marshal(secretFile("TOKEN=hunter2-x\n"))
	r, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: fileURN, News: in})
	if err != nil || len(r.Failures) != 0 {
		t.Fatalf("%v %v", err, r.GetFailures())
	}
	first, _ := unmarshal(r.Inputs)
	if !first["hashKey"].IsSecret() || !isHashKey(str(first, "hashKey")) || !first["content"].IsSecret() {
		t.Fatalf("the key and the content must be secrets: %v", first)
	}
	if str(first, "mode") != "0600" || str(first, "owner") != "root" || str(first, "group") != "root" {
		t.Errorf("a secret file's defaults: %v", first)
	}
	again, _ := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: fileURN, Olds: r.Inputs, News: in})
	kept, _ := unmarshal(again.Inputs)
	if str(kept, "hashKey") != str(first, "hashKey") {
		t.Error("a later check keeps the stored key")
	}
	other, _ := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: fileURN, News: in})
	if o, _ := unmarshal(other.Inputs); str(o, "hashKey") == str(first, "hashKey") {
		t.Error("each resource gets its own random key")
	}
}

func TestASecretFilesOutputsHoldOnlyItsKeyedHash(t *testing.T) {
	const content = "TOKEN=hunter2-x\n"
	m := secretFile(content)
	m["hashKey"] = resource.MakeSecret(resource.NewStringProperty(fileHashKey))
	out := fileKind{}.outputs(m)
	if _, ok := out["content"]; ok {
		t.Error("a secret file's content must not be in its outputs")
	}
	if str(out, "contentHmac") != keyedHash(fileHashKey, content) || !out["hashKey"].IsSecret() {
		t.Errorf("outputs: %v", out)
	}
	for _, s := range []string{content, sha256Hex(content)} {
		if strings.Contains(stable(plainOf(resource.NewObjectProperty(withObserved(out, "", fileObserved{Exists: true, Hmac: "x"})))), jsonString(s)[1:len(jsonString(s))-1]) {
			t.Errorf("outputs hold %q", s)
		}
	}
	plain := resource.NewPropertyMapFromMap(map[string]any{"path": "/etc/x", "content": "a\n", "secret": false})
	if str(fileKind{}.outputs(plain), "content") != "a\n" {
		t.Error("a plain file's content is kept (it is read back for drift)")
	}
}

func TestFileDiff(t *testing.T) {
	const content = "TOKEN=hunter2-x\n"
	news := secretFile(content)
	news["hashKey"] = resource.MakeSecret(resource.NewStringProperty(fileHashKey))
	for k, v := range map[string]string{"mode": "0600", "owner": "root", "group": "root"} {
		news[resource.PropertyKey(k)] = resource.NewStringProperty(v)
	}
	obs := fileObserved{Exists: true, Hmac: keyedHash(fileHashKey, content), Mode: "0600", Owner: "root", Group: "root"}
	olds := withObserved(fileKind{}.outputs(news), "", obs)
	if d := diff(fileKind{}, olds, news); d.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("converged: %v", d.Diffs)
	}
	changed := secretFile("TOKEN=other-1\n")
	for k, v := range news {
		if k != "content" {
			changed[k] = v
		}
	}
	if d := diff(fileKind{}, olds, changed); strings.Join(d.Diffs, ",") != "content" {
		t.Errorf("new content: %v", d.Diffs)
	}
	verified := resource.PropertyMap{}
	for k, v := range news {
		verified[k] = v
	}
	verified["verifyCommand"] = resource.NewStringProperty("true")
	if d := diff(fileKind{}, olds, verified); strings.Join(d.Diffs, ",") != "verifyCommand" {
		t.Errorf("a new verify command is a setting: %v", d.Diffs)
	}
}
