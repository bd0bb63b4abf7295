// hostform preview --stack <name> [--format markdown|json] [--limit N] [pulumi options] > comment.md
// (npm run -s preview:pr): one Markdown comment for a pull request: what deploying it would change
// on the stack's hosts, intentional (the pull request) and corrective (drift on the hosts). Exit 0
// when rendered, 1 when the preview failed (the comment, or the JSON, then says why).
import { main } from "./cli/main";
import { type Parsed, pulumiArgs, UsageError } from "./cli/options";
import type { Report } from "./preview-model";
import { GITHUB_LIMIT, renderMarkdown } from "./preview-render";
import { failedReport, progressOnTerminal, report } from "./preview-run";

export async function run(p: Parsed): Promise<number> {
  const stack = p.stack!;
  const limit = Number(p.values.limit ?? GITHUB_LIMIT);
  if (!Number.isInteger(limit) || limit < 1000) throw new UsageError(`--limit must be a number of characters, at least 1000, got ${JSON.stringify(p.values.limit)}`);
  let r: Report;
  try {
    r = await report(stack, pulumiArgs(p), progressOnTerminal("preview"));
  } catch (e) {
    console.error(`hostform: ${e instanceof Error ? e.message : String(e)}`);
    r = failedReport(stack, e);
  }
  process.stdout.write(p.format === "json" ? `${JSON.stringify(r, null, 2)}\n` : renderMarkdown(r, "preview", limit));
  return r.errors.length ? 1 : 0;
}

if (require.main === module) main(["preview", ...process.argv.slice(2)]);
