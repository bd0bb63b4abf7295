/**
 * Env files (KEY='value' lines) and the one loader that reads them back. The writer and the loader
 * live together so they agree byte for byte: a value holding ' " $ spaces or # reaches the app as
 * it was given. Shells can read the file too, but hostform never sources it.
 */

/** KEY='value' lines, sorted; each ' in a value is written as '\'' (sh's single-quote escape). */
export function renderEnvFile(values: Readonly<Record<string, string>>): string {
  const keys = Object.keys(values).sort();
  const bad = keys.filter((k) => !/^[A-Z_][A-Z0-9_]*$/.test(k));
  if (bad.length) throw new Error(`env file keys must be UPPER_SNAKE_CASE: ${bad.map((k) => JSON.stringify(k)).join(", ")}`);
  const multiline = keys.filter((k) => /[\n\r\0]/.test(values[k]));
  if (multiline.length) throw new Error(`env file values cannot span lines: ${multiline.join(", ")}`);
  return keys.map((k) => `${k}='${values[k].replace(/'/g, `'\\''`)}'`).join("\n") + (keys.length ? "\n" : "");
}

/**
 * JavaScript source of `loadEnv(file)` (needs `fs` in scope): the ecosystem file and the PM2
 * read-back both embed this text, so what PM2 loads and what drift expects are the same. A value
 * written by renderEnvFile is unquoted exactly; a hand-written "value" loses its outer quotes; any
 * other value is taken as it is, less surrounding blanks.
 */
export const LOAD_ENV_JS = String.raw`function loadEnv(file) {
  const env = {};
  for (const raw of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
    const line = raw.replace(/^\s*(export\s+)?/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const text = line.slice(eq + 1).trim();
    const quoted = /^'([^']*(?:'\\''[^']*)*)'$/.exec(text);
    const value = quoted ? quoted[1].split("'\\''").join("'")
      : text.length >= 2 && text[0] === '"' && text[text.length - 1] === '"' ? text.slice(1, -1) : text;
    env[line.slice(0, eq).trim()] = value;
  }
  return env;
}
`;

/**
 * Bash: `env_value FILE KEY` prints KEY's value from an env file that renderEnvFile wrote, without
 * evaluating the file (a value is data, never code), and fails when the key is absent.
 */
export const ENV_VALUE_SH = [
  "env_value() {",
  "  local line v",
  '  line=$(grep -m1 -E "^$2=" -- "$1") || return 1',
  "  v=${line#*=}",
  `  if [ "\${#v}" -ge 2 ] && [ "\${v:0:1}" = "'" ] && [ "\${v: -1}" = "'" ]; then v=\${v:1:\${#v}-2}; v=\${v//\\'\\\\\\'\\'/\\'}; fi`,
  `  printf '%s' "$v"`,
  "}",
  "",
].join("\n");
