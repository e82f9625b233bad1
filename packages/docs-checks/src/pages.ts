import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The markdown pages a user reads: the top-level README, each package's and example's, and docs/. */
export function documentationPages(root: string): string[] {
  const inFolder = (folder: string, depth = 1): string[] =>
    readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory())
        return depth > 0 && entry.name !== 'node_modules' ? inFolder(path, depth - 1) : [];
      return entry.name.endsWith('.md') ? [path] : [];
    });
  const readmes = (folder: string) =>
    readdirSync(join(root, folder), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(folder, entry.name, 'README.md'))
      .filter((path) => existsSync(join(root, path)));
  return ['README.md', ...readmes('packages'), ...readmes('examples'), ...inFolder('docs')];
}

/** A relative link of a page: its target file (relative to the repository root) and anchor, if any. */
export interface PageLink {
  page: string;
  target: string;
  file: string;
  anchor: string | undefined;
}

/** Code is not markdown: a link-like text inside a code block or span is no link. */
const withoutCode = (markdown: string) => markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');

/** The relative links of a page (`[text](path#anchor)`, `[text](#anchor)`); URLs with a scheme are left out. */
export function relativeLinks(root: string, page: string): PageLink[] {
  return [...withoutCode(readFileSync(join(root, page), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].flatMap(
    (m) => {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return [];
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? page : join(dirname(page), path);
      return [{ page, target, file, anchor }];
    },
  );
}

/**
 * The anchors GitHub gives a page's headings (lower case, punctuation dropped, spaces to hyphens, a
 * repeated heading suffixed -1, -2, …) plus explicit `<a id>` / `<a name>` targets.
 */
export function headingAnchors(markdown: string): Set<string> {
  const text = markdown.replace(/```[\s\S]*?```/g, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of text.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const slug = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(id!);
  return out;
}
