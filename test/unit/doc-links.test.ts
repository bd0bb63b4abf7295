/**
 * The documentation's links stay true: every relative link in the repository's Markdown (README.md,
 * docs/, the topology folders' and bench's README.md, the fixtures') names a file that exists, and
 * every #anchor names a heading of its page by GitHub's rules. README.md stays a front page.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "../..");
const SKIP_DIRS = new Set(["node_modules", ".toolchain", ".sandbox", ".state", ".git"]);

/** GitHub's heading anchor: the heading's text, lowercased, punctuation dropped (but - and _), each space a -. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/<[^>]+>/g, "") // inline HTML tags
    .replace(/`/g, "")
    .replace(/\*\*|\*/g, "");
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** The lines of a Markdown text outside fenced code blocks, with their numbers (1-based). */
function proseLines(markdown: string): { line: string; n: number }[] {
  const out: { line: string; n: number }[] = [];
  let fence: string | undefined;
  markdown.split("\n").forEach((line, i) => {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === undefined) {
      if (open) fence = open[1];
      else out.push({ line, n: i + 1 });
    } else if (open && open[1][0] === fence[0] && open[1].length >= fence.length && line.trim() === open[1]) {
      fence = undefined;
    }
  });
  return out;
}

/** Every anchor a page offers: its headings' slugs (a repeated one gets -1, -2, …) and <a id/name>. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { line } of proseLines(markdown)) {
    const h = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (h) {
      const base = slug(h[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const a of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(a[1]);
  }
  return anchors;
}

/** The link targets of a Markdown text (inline links, images, reference definitions), outside code. */
function linksOf(markdown: string): { target: string; n: number }[] {
  const out: { target: string; n: number }[] = [];
  for (const { line, n } of proseLines(markdown)) {
    const prose = line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, "");
    for (const m of prose.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1].replace(/^<|>$/g, ""), n });
    const def = /^ {0,3}\[[^\]]+\]:\s*(\S+)/.exec(prose);
    if (def) out.push({ target: def[1].replace(/^<|>$/g, ""), n });
  }
  return out;
}

/** What a link checker needs to know about the files a link may name. */
interface Files {
  exists(file: string): boolean;
  /** The file's text, for Markdown files. */
  read(file: string): string;
}

/** The links of `file` (repository-relative, its text `markdown`) that name no file or no heading. */
function brokenLinks(file: string, markdown: string, files: Files): string[] {
  const broken: string[] = [];
  for (const { target, n } of linksOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue; // http:, mailto:, …
    const [rawPath, anchor] = target.split("#", 2) as [string, string | undefined];
    const linked = decodeURI(rawPath);
    const to = linked === "" ? file : linked.startsWith("/") ? path.posix.normalize(linked.slice(1)) : path.posix.join(path.posix.dirname(file), linked);
    const where = `${file}:${n}: ${target}`;
    if (to.startsWith("..") || !files.exists(to)) {
      broken.push(`${where}: no file ${to}`);
      continue;
    }
    if (anchor !== undefined && to.endsWith(".md") && !anchorsOf(to === file ? markdown : files.read(to)).has(anchor)) {
      broken.push(`${where}: no heading #${anchor} in ${to}`);
    }
  }
  return broken;
}

/** The repository's Markdown files, repository-relative. */
function markdownFiles(dir = ""): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : markdownFiles(rel);
    return e.name.endsWith(".md") ? [rel] : [];
  });
}

const REPO: Files = {
  exists: (file) => existsSync(path.join(ROOT, file)),
  read: (file) => readFileSync(path.join(ROOT, file), "utf8"),
};

describe("slug: GitHub's heading anchors", () => {
  it.each([
    ["Diagnosing a host: `npm run doctor`", "diagnosing-a-host-npm-run-doctor"],
    ["Node.js versions", "nodejs-versions"],
    ["Flatlogic VM (`components/topologies/flatlogic/`, role `flatlogic`, settings `hostform:flatlogic`)",
      "flatlogic-vm-componentstopologiesflatlogic-role-flatlogic-settings-hostformflatlogic"],
    ["Production: from an empty VM to a green `up`", "production-from-an-empty-vm-to-a-green-up"],
    ["The **bold** and [linked](x.md) part_two", "the-bold-and-linked-part_two"],
    ["Corrective: changed on the host since the last deployment; `up` puts it back", "corrective-changed-on-the-host-since-the-last-deployment-up-puts-it-back"],
  ])("%s", (heading, expected) => {
    expect(slug(heading)).toBe(expected);
  });
});

describe("brokenLinks on a sample page", () => {
  const sample = [
    "# Title",
    "## Part",
    "## Part",
    "See [the part](#part), [again](#part-1), [other](other.md#its-heading), [a file](../src/x.ts#L3), [web](https://example.com/#nowhere).",
    "[missing file](nope.md) and [missing anchor](#no-such-part) and [other's missing](other.md#title)",
    "`[in code](gone.md)`",
    "```md",
    "[in a fence](gone-too.md)",
    "## Fenced heading",
    "```",
    "[fenced](#fenced-heading) [ref]",
    "",
    "[ref]: <other.md#nowhere>",
  ].join("\n");
  const files: Files = {
    exists: (f) => ["docs/page.md", "docs/other.md", "src/x.ts"].includes(f),
    read: (f) => (f === "docs/other.md" ? "# Its heading\n" : ""),
  };

  it("names each broken link with its line, and only those", () => {
    expect(brokenLinks("docs/page.md", sample, files)).toEqual([
      "docs/page.md:5: nope.md: no file docs/nope.md",
      "docs/page.md:5: #no-such-part: no heading #no-such-part in docs/page.md",
      "docs/page.md:5: other.md#title: no heading #title in docs/other.md",
      "docs/page.md:11: #fenced-heading: no heading #fenced-heading in docs/page.md",
      "docs/page.md:13: other.md#nowhere: no heading #nowhere in docs/other.md",
    ]);
  });

  it("passes a page whose links all resolve", () => {
    expect(brokenLinks("docs/page.md", sample.split("\n").slice(0, 4).join("\n"), files)).toEqual([]);
  });

  it("refuses a link out of the repository", () => {
    expect(brokenLinks("README.md", "[up](../elsewhere.md)", { exists: () => true, read: () => "" })).toEqual([
      "README.md:1: ../elsewhere.md: no file ../elsewhere.md",
    ]);
  });
});

describe("the repository's Markdown", () => {
  const files = markdownFiles();

  it("includes the front page, docs/, the topology folders and bench", () => {
    const topologies = readdirSync(path.join(ROOT, "components/topologies")).filter((e) => statSync(path.join(ROOT, "components/topologies", e)).isDirectory());
    expect(topologies.length).toBeGreaterThanOrEqual(3);
    const expected = ["README.md", "bench/README.md", "docs/testing.md", ...topologies.map((t) => `components/topologies/${t}/README.md`)];
    expect(files).toEqual(expect.arrayContaining(expected));
  });

  it("has no broken relative link or anchor", () => {
    const links = files.reduce((n, f) => n + linksOf(REPO.read(f)).length, 0);
    expect(links).toBeGreaterThan(50);
    expect(files.flatMap((f) => brokenLinks(f, REPO.read(f), REPO))).toEqual([]);
  });

  it("README.md is a front page of at most 250 lines", () => {
    expect(REPO.read("README.md").replace(/\n$/, "").split("\n").length).toBeLessThanOrEqual(250);
  });

  it("README.md links every page of docs/ and every topology's README.md (where to read on)", () => {
    const linked = new Set(linksOf(REPO.read("README.md")).map((l) => l.target.split("#")[0]));
    const pages = files.filter((f) => f.startsWith("docs/") || /^components\/topologies\/[^/]+\/README\.md$/.test(f));
    expect(pages.filter((p) => !linked.has(p))).toEqual([]);
  });
});
