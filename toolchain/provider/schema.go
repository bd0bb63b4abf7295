package main

import "encoding/json"

// schemaJSON describes the package for tools that ask (GetSchema); programs declare the resources
// with their type tokens and need no generated SDK.
func schemaJSON() string {
	str := map[string]string{"type": "string"}
	connection := map[string]any{
		"type":        "object",
		"description": "How to reach the host; its host key is pinned, never learned on first use.",
		"properties": map[string]any{
			"host": str, "port": map[string]string{"type": "integer"}, "user": str,
			"hostKey":        map[string]string{"type": "string", "description": `The host's public key, "ssh-ed25519 AAAA…".`},
			"privateKey":     map[string]any{"type": "string", "secret": true},
			"privateKeyPath": str, "name": str,
		},
		"required": []string{"host", "hostKey"},
	}
	directoryIn := map[string]any{
		"connection": map[string]string{"$ref": "#/types/" + pkgName + ":host:Connection"},
		"path":       map[string]string{"type": "string", "description": "Absolute path on the host."},
		"mode":       map[string]string{"type": "string", "description": `Octal, default "0755".`},
		"owner":      map[string]string{"type": "string", "description": `Default "root".`},
		"group":      map[string]string{"type": "string", "description": "Default: the owner."},
		"managedBy":  map[string]string{"type": "string", "description": "The resource as recorded on the host as a manager of the path."},
	}
	directoryOut := map[string]any{"observed": map[string]string{"$ref": "pulumi.json#/Any"}, "appliedAt": str, "hostformSchema": map[string]string{"type": "integer"}}
	for k, v := range directoryIn {
		directoryOut[k] = v
	}
	fileIn := map[string]any{
		"connection":      directoryIn["connection"],
		"path":            map[string]string{"type": "string", "description": "Absolute path on the host."},
		"content":         map[string]string{"type": "string", "description": "The whole content; a secret with `secret: true`."},
		"secret":          map[string]string{"type": "boolean", "description": "Never read back or shown; state keeps only its keyed hash. Default mode 0600."},
		"mode":            map[string]string{"type": "string", "description": `Octal, default "0644" ("0600" for a secret).`},
		"owner":           map[string]string{"type": "string", "description": `Default "root".`},
		"group":           map[string]string{"type": "string", "description": "Default: the owner."},
		"verifyCommand":   map[string]string{"type": "string", "description": "Shell run after the new content is in place; on failure the old content is put back."},
		"onChangeCommand": map[string]string{"type": "string", "description": "Shell run after the content changed (a reload)."},
		"hashKey":         map[string]any{"type": "string", "secret": true, "description": "The key of a secret file's hash in state; pass a secret empty string, the provider fills it."},
		"managedBy":       directoryIn["managedBy"],
	}
	fileOut := map[string]any{"observed": directoryOut["observed"], "appliedAt": str, "hostformSchema": directoryOut["hostformSchema"],
		"contentHmac": map[string]string{"type": "string", "description": "A secret file's content: HMAC-SHA256 of its sha256 under hashKey."}}
	for k, v := range fileIn {
		fileOut[k] = v
	}
	schema := map[string]any{
		"name":    pkgName,
		"version": version,
		"types":   map[string]any{pkgName + ":host:Connection": connection},
		"resources": map[string]any{
			typeDirectory: map[string]any{
				"description":     "A directory (parents created); removed on delete only when empty.",
				"inputProperties": directoryIn,
				"requiredInputs":  []string{"connection", "path"},
				"properties":      directoryOut,
				"aliases":         []map[string]string{{"type": "pulumi-nodejs:dynamic/host:Directory"}},
			},
			typeFile: map[string]any{
				"description":     "A file, written atomically from stdin, read back on refresh (content, mode, owner, group).",
				"inputProperties": fileIn,
				"requiredInputs":  []string{"connection", "path", "content"},
				"properties":      fileOut,
				"aliases":         []map[string]string{{"type": "pulumi-nodejs:dynamic/host:File"}},
			},
		},
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	return string(b)
}
