// npm run -s preview:pr -- --stack <name> [pulumi options] > comment.md
// One Markdown comment for a pull request: what deploying it would change on the stack's hosts,
// intentional (the pull request) and corrective (drift on the hosts). Exit 0 when rendered, 1 when
// the preview failed (the comment then says why), 2 on usage errors.
import { report, stackOf, takeOption } from "./preview-run";
import { GITHUB_LIMIT, renderMarkdown } from "./preview-render";

const args = process.argv.slice(2);
const limit = Number(takeOption(args, "--limit") ?? GITHUB_LIMIT);
const stack = stackOf(args);
if (!stack || !Number.isInteger(limit) || limit < 1000) {
  console.error("usage: npm run -s preview:pr -- --stack <name> [--limit <characters, at least 1000>] [pulumi preview options]");
  process.exit(2);
}
report(stack, args).then(
  (r) => {
    process.stdout.write(renderMarkdown(r, "preview", limit));
    process.exit(r.errors.length ? 1 : 0);
  },
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`hostform: ${message}`);
    process.stdout.write(renderMarkdown({ stack, changes: [], health: {}, errors: [message] }, "preview", limit));
    process.exit(1);
  },
);
