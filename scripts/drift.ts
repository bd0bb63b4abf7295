// hostform drift --stack <name> [--format text|markdown|json] [pulumi options]: does every host
// still match the code? Exit 0 when it does, Pulumi's 7 when something differs (the report on
// stdout: what was changed on each host since the last deployment, and code not deployed yet), 3
// when some host could not be reached (the others are reported, the unreachable ones listed with
// the reason), 1 on errors. Markdown is the pull request renderer's (the drift workflow's issue
// body); JSON is its Report, a failed run's too. On a terminal, stderr shows each host as it is read.
import { EXIT, exitCode, formatText } from "./drift-report";
import { main } from "./cli/main";
import { type Parsed, pulumiArgs } from "./cli/options";
import { renderMarkdown } from "./preview-render";
import type { Report } from "./preview-model";
import { failedReport, progressOnTerminal, report } from "./preview-run";

export async function run(p: Parsed): Promise<number> {
  const stack = p.stack!;
  let r: Report;
  try {
    r = await report(stack, pulumiArgs(p), progressOnTerminal("drift"));
  } catch (e) {
    r = failedReport(stack, e);
    // The CLI's messages are above already; the text report would say the same again.
    if (p.format === "text") {
      console.error(`hostform: the drift check of stack ${stack} failed: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT.failed;
    }
  }
  if (p.format === "json") console.log(JSON.stringify(r, null, 2));
  else if (p.format === "markdown") process.stdout.write(renderMarkdown(r, "drift"));
  else console.log(formatText(r));
  return exitCode(r);
}

if (require.main === module) main(["drift", ...process.argv.slice(2)]);
