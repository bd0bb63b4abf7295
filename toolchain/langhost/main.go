// Command pulumi-language-nodejs is hostform's minimal Node.js language host.
//
// The upstream host is its own Go module, which the Go module proxy reachable from our build
// machines does not serve at the SDK's version, and get.pulumi.com is unreachable. This host speaks
// the same LanguageRuntime gRPC protocol for what `preview`, `up`, `refresh` and `destroy` need:
// it starts @pulumi/pulumi's own `cmd/run` script with the engine's arguments, exactly as the
// upstream host does. Plugin discovery is left empty on purpose: hostform installs its plugins
// itself and never lets the engine download one.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is stamped at build time (-X main.version=...), the SDK's version.
var version = "3.276.0"

// bailExitCode is what cmd/run exits with when it already reported the error to the user.
const bailExitCode = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string

	mu      sync.Mutex
	program *exec.Cmd // the running program, killed when the engine is gone
}

// engineWatchInterval is how often the host checks that the engine still runs.
const engineWatchInterval = time.Second

func main() {
	flag.String("tracing", "", "ignored: tracing is not supported by this host")
	flag.String("root", "", "ignored: the program's root comes with each request")
	flag.Bool("binary", false, "ignored")
	flag.Parse()
	h := &host{}
	if flag.NArg() > 0 {
		h.engine = flag.Arg(0)
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start the language host: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	go watchEngine(h.engine, os.Getppid(), func() {
		h.killProgram()
		os.Exit(1)
	})
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host stopped: %v\n", err)
		os.Exit(1)
	}
}

// watchEngine calls gone once the engine (the pulumi CLI that started this host) no longer runs:
// its process is no longer this host's parent, or nothing listens at its address. A CLI killed
// hard (SIGKILL, a cancelled CI job) tells its plugins nothing, and upstream hosts only ask the
// engine's health every 5 minutes; meanwhile the program would wait on a monitor that is gone.
func watchEngine(address string, parent int, gone func()) {
	for range time.Tick(engineWatchInterval) {
		if os.Getppid() != parent || refused(address) {
			gone()
			return
		}
	}
}

// refused says whether a connection to address is refused: nothing listens there any more.
// Other failures (a slow answer) are not taken as the engine's end.
func refused(address string) bool {
	if address == "" {
		return false
	}
	conn, err := net.DialTimeout("tcp", address, time.Second)
	if err != nil {
		return errors.Is(err, syscall.ECONNREFUSED)
	}
	_ = conn.Close()
	return false
}

// killProgram kills the running program, which would otherwise wait for a monitor that is gone.
func (h *host) killProgram() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.program != nil {
		_ = h.program.Process.Kill()
	}
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engine = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) Run(_ context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runScript, err := findRunScript(programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "."
	}

	args := []string{runScript, "--monitor", req.GetMonitorAddress(), "--engine", h.engine,
		"--project", req.GetProject(), "--stack", req.GetStack(), "--pwd", programDir,
		"--parallel", strconv.Itoa(int(req.GetParallel()))}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	if root := req.GetInfo().GetRootDirectory(); root != "" {
		args = append(args, "--root-directory", root)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	args = append(append(args, entry), req.GetArgs()...)

	// Empty config must be {} and [] (not null): the Node SDK iterates over both.
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	keys := req.GetConfigSecretKeys()
	if keys == nil {
		keys = []string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = programDir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(typescript(req.GetInfo())))
	h.mu.Lock()
	err = cmd.Start()
	if err == nil {
		h.program = cmd
	}
	h.mu.Unlock()
	if err == nil {
		err = cmd.Wait()
		h.mu.Lock()
		h.program = nil
		h.mu.Unlock()
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if exit.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// typescript follows Pulumi.yaml's runtime option `typescript`, true unless set to false.
func typescript(info *pulumirpc.ProgramInfo) bool {
	if v, ok := info.GetOptions().GetFields()["typescript"]; ok {
		return v.GetBoolValue()
	}
	return true
}

// findRunScript walks up from the program directory to the @pulumi/pulumi package, as Node would.
func findRunScript(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", "run")
		if _, err := os.Stat(filepath.Join(candidate, "index.js")); err == nil {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("@pulumi/pulumi is not installed for %s: run `npm ci` in the project", dir)
		}
	}
}
