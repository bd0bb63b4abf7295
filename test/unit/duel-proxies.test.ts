import { describe, expect, it } from "vitest";
import { activeProxies, PROXY_DEFAULTS, proxyChecks, proxyUrls } from "../../components/topologies/duel/proxies";

// seeds/000's Vast.ai port proxies: the stack's URLs through them, and what runs and is fetched.
const ports = { serverPort: 5555, cdnPort: 8080 };

describe("the duel stack's port proxies", () => {
  it("give the outputs' URLs through each proxy: health and streaming through 35143, the WebSocket, the CDN", () => {
    expect(proxyUrls("203.0.113.7", PROXY_DEFAULTS, 5555)).toEqual({
      health: "http://203.0.113.7:35143/health",
      streaming: "http://203.0.113.7:35143/streaming/state",
      websocket: "ws://203.0.113.7:35079/",
      cdn: "http://203.0.113.7:35144/",
    });
    // No server proxy: the server's own port; roles left out have no URL.
    expect(proxyUrls("203.0.113.7", {}, 5555)).toEqual({ health: "http://203.0.113.7:5555/health", streaming: "http://203.0.113.7:5555/streaming/state" });
  });

  it("run only where the external port is not the target's own, and the doctor fetches every role named", () => {
    const sandbox = { server: 5555, websocket: 35079 };
    expect(activeProxies(sandbox, ports)).toEqual([{ role: "websocket", port: 35079, target: 5555 }]);
    expect(proxyChecks("203.0.113.7", sandbox, ports)).toEqual([
      { name: "server", url: "http://203.0.113.7:5555/health", status: 200, via: "the host's own port 5555 (the game server)", proxy: { port: 5555, target: 5555 } },
      { name: "websocket", url: "http://203.0.113.7:35079/health", status: 200, via: "the port proxy 35079 → 5555 (the game server's WebSocket)", proxy: { port: 35079, target: 5555 } },
    ]);
  });
});
