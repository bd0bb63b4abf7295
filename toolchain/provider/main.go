// Command pulumi-resource-hostform-ssh is hostform's native resource provider: host resources
// read and converged over one pinned-key SSH connection per host. It replaces the dynamic
// provider (components/host/provider.ts) kind by kind; see docs/go-provider.md.
//
// Its package is hostform-ssh, not hostform: a default provider receives every config key of its
// package, and hostform:* holds the stack's secrets.
//
// Built from the Pulumi Go SDK (sdk/v3) alone, as toolchain/langhost is: pkg/v3's provider.Main
// does the same serving (a gRPC server, its port on stdout, a health check of the engine) but
// brings the whole engine's module graph with it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is stamped at build time (-X main.version=...) by scripts/install-pulumi.sh.
var version = "0.1.0"

// engineCheckInterval: a provider left by a killed run exits within seconds (as the dynamic
// provider's engine.ts watch does), closing its connections so each host's runner stops its script.
const engineCheckInterval = time.Second

func main() {
	flag.String("tracing", "", "ignored: tracing is not supported by this provider")
	flag.Parse()
	p := newProvider()
	cancel := make(chan bool)
	if flag.NArg() > 0 {
		ctx, gone := context.WithCancel(context.Background())
		if err := rpcutil.Healthcheck(ctx, flag.Arg(0), engineCheckInterval, gone); err != nil {
			fmt.Fprintf(os.Stderr, "could not watch the engine: %v\n", err)
			os.Exit(1)
		}
		go func() {
			<-ctx.Done()
			p.pool.closeAll()
			os.Exit(1)
		}()
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, p)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start the provider: %v\n", err)
		os.Exit(1)
	}
	// The provider protocol: the port we listen on, on stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "provider stopped: %v\n", err)
		os.Exit(1)
	}
	p.pool.closeAll()
}
