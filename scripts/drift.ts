// npm run drift -- --stack <name> [--format text|markdown|json]: does every host still match the
// code? Exit 0 when it does, Pulumi's 7 when something differs (the report on stdout: what was changed
// on each host since the last deployment, and code not deployed yet), other codes on errors.
// Markdown is the pull request renderer's (the drift workflow's issue body); JSON is its Report.
import { formatText } from "./drift-report";
import { renderMarkdown } from "./preview-render";
import { report, stackOf, takeOption } from "./preview-run";

const FORMATS = ["text", "markdown", "json"] as const;
const args = process.argv.slice(2);
const format = takeOption(args, "--format") ?? "text";
const stack = stackOf(args);
if (!stack || !(FORMATS as readonly string[]).includes(format)) {
  console.error("usage: npm run drift -- --stack <name> [--format text|markdown|json] [pulumi preview options]");
  process.exit(2);
}
report(stack, args).then(
  (r) => {
    if (format === "json") console.log(JSON.stringify(r, null, 2));
    else if (format === "markdown") process.stdout.write(renderMarkdown(r, "drift"));
    else console.log(formatText(r));
    process.exit(r.errors.length ? 1 : r.changes.length ? 7 : 0);
  },
  (e: unknown) => {
    console.error(`hostform: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
