/** KEY=VALUE lines for env files read by PM2 ecosystems and shells alike; values single-quoted. */
export function renderEnvFile(values: Readonly<Record<string, string>>): string {
  const keys = Object.keys(values).sort();
  const bad = keys.filter((k) => !/^[A-Z_][A-Z0-9_]*$/.test(k));
  if (bad.length) throw new Error(`env file keys must be UPPER_SNAKE_CASE: ${bad.map((k) => JSON.stringify(k)).join(", ")}`);
  const multiline = keys.filter((k) => /[\n\r\0]/.test(values[k]));
  if (multiline.length) throw new Error(`env file values cannot span lines: ${multiline.join(", ")}`);
  return keys.map((k) => `${k}='${values[k].replace(/'/g, `'\\''`)}'`).join("\n") + (keys.length ? "\n" : "");
}
