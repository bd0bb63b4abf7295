/** A question on the terminal, for the commands that confirm before they change something. */
import { createInterface } from "node:readline/promises";

/** The answer; end of input or Ctrl-C (nobody to answer) is "". */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const closed = new Promise<string>((resolve) => {
    rl.once("close", () => resolve(""));
    rl.once("SIGINT", () => { process.stdout.write("\n"); resolve(""); });
  });
  try {
    const answer = await Promise.race([rl.question(question), closed]);
    // An answer piped in is not echoed: end the prompt's line.
    if (!process.stdin.isTTY) process.stdout.write("\n");
    return answer;
  } finally {
    rl.close();
  }
}

/** y or yes, any case. */
export const isYes = (answer: string): boolean => /^\s*y(es)?\s*$/i.test(answer);

/** Whether a command may ask: stdin and stdout are a terminal and this is no CI job. */
export function canAsk(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? "").toLowerCase();
  return process.stdin.isTTY === true && process.stdout.isTTY === true && (ci === "" || ci === "false" || ci === "0");
}
