/** Rotation of PM2's logs with Debian's logrotate, as `pm2 logrotate -u <user>` sets it up. */
/** PM2's template (12 rotations, weekly), and earlier for a log past 50 MB: the defaults where a topology names none. */
export const PM2_LOG_ROTATION = { keep: 12, period: "weekly", maxSize: "50M" } as const;

/** The PM2 logs of `home`'s daemon: its own log and every app's out/err files. */
export function pm2LogPaths(home: string): string[] {
  return [`${home}/.pm2/pm2.log`, `${home}/.pm2/logs/*.log`];
}

import { isPlainPath, isPositiveInt, isUserName, Problems, show } from "../validate";

export interface LogrotateArgs {
  /** The user owning the logs; logrotate acts as that user in its folders (`su`). */
  readonly user: string;
  /** Log files or globs ("/home/u/.pm2/logs/*.log"). */
  readonly paths: readonly string[];
  /** Rotated files kept (PM2's template: 12). */
  readonly keep: number;
  /** How often (PM2's template: weekly). */
  readonly period: "daily" | "weekly" | "monthly";
  /** Rotate earlier when a file grows past this ("10M"); unset: by period only. */
  readonly maxSize?: string;
}

/**
 * /etc/logrotate.d/<name>: PM2's own template (lib/templates/logrotate.d/pm2) for the given paths.
 * copytruncate, because PM2 keeps its log files open; `su` so root never follows a link the app
 * user planted in its own folders.
 */
export function renderLogrotate(a: LogrotateArgs): string {
  const p = new Problems();
  p.check(isUserName(a.user), `user ${show(a.user)} is not a user name`);
  p.check(a.paths.length > 0, "paths: give at least one log file or glob");
  for (const path of a.paths) p.check(isPlainPath(path.replace(/\*/g, "x")), `paths: ${show(path)} must be an absolute path of [A-Za-z0-9._+@/-] (and *)`);
  p.check(isPositiveInt(a.keep), `keep ${show(a.keep)} must be a positive whole number`);
  p.check(["daily", "weekly", "monthly"].includes(a.period), `period ${show(a.period)} must be "daily", "weekly" or "monthly"`);
  if (a.maxSize !== undefined) p.check(/^[1-9][0-9]*[kMG]?$/.test(a.maxSize), `maxSize ${show(a.maxSize)} must look like "10M"`);
  p.done("renderLogrotate");
  return `# Written by hostform; changes made on the host are replaced on the next run.
${a.paths.join(" ")} {
        su ${a.user} ${a.user}
        rotate ${a.keep}
        ${a.period}
${a.maxSize !== undefined ? `        maxsize ${a.maxSize}\n` : ""}        missingok
        notifempty
        compress
        delaycompress
        copytruncate
}
`;
}
