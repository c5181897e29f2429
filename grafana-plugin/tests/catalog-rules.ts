/**
 * The rules of Grafana's plugin validator (github.com/grafana/plugin-validator, pkg/analysis/passes) that
 * can be judged offline from a plugin zip, with the validator's rule names and severities:
 *
 * - `license-not-provided` (error): a LICENSE the license detector recognises as Apache-2.0 or AGPL-3.0 at
 *   90 % confidence. Offline: a LICENSE file holding the Apache License 2.0 text, every section heading in order.
 * - `relative-link` (error): every markdown link in README.md (`[text](target)`, the validator's regex) is
 *   absolute (https:// or http://), a `#anchor` or a `mailto:`; relative links do not work in the catalog.
 * - `missing-changelog` (warning): CHANGELOG.md exists and is not empty.
 * - `screenshots` (warning): plugin.json `info.screenshots` is not empty, no path is empty; and (the
 *   metadata-paths and screenshot-type checks) each path is inside the zip and is a PNG, JPEG or GIF image.
 * - `logos`: the logos plugin.json names are inside the zip.
 * - `missing-readme` (error): README.md exists.
 *
 * The link checker's network half (`broken-link`: every absolute link answers 200) is not run offline.
 */

export interface Finding {
  rule: string;
  severity: 'error' | 'warning';
  message: string;
}

interface PluginJson {
  info?: {
    logos?: { small?: string; large?: string };
    screenshots?: { name?: string; path?: string }[];
    links?: { name?: string; url?: string }[];
  };
}

/** The Apache License 2.0's section headings, in the order the license text has them. */
const APACHE_SECTIONS = [
  'Apache License',
  'Version 2.0, January 2004',
  'TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION',
  '1. Definitions.',
  '2. Grant of Copyright License.',
  '3. Grant of Patent License.',
  '4. Redistribution.',
  '5. Submission of Contributions.',
  '6. Trademarks.',
  '7. Disclaimer of Warranty.',
  '8. Limitation of Liability.',
  '9. Accepting Warranty or Additional Liability.',
  'END OF TERMS AND CONDITIONS',
];

/** The validator's markdown-link pattern (brokenlinks.go). */
const MD_LINK = /\[.+?\]\((.+?)\)/g;

const IMAGE_MAGIC: [string, number[]][] = [
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['gif', [0x47, 0x49, 0x46, 0x38]],
];

function imageType(bytes: Uint8Array): string | undefined {
  return IMAGE_MAGIC.find(([, magic]) => magic.every((b, i) => bytes[i] === b))?.[0];
}

/** The README's links the catalog cannot follow: neither absolute, an anchor nor mailto. */
export function relativeLinks(markdown: string): string[] {
  const out: string[] = [];
  for (const match of markdown.matchAll(MD_LINK)) {
    const target = (match[1] ?? '').trim().split(/\s+/)[0] ?? '';
    if (target.startsWith('#') || target.startsWith('mailto:')) continue;
    if (target.startsWith('https://') || target.startsWith('http://')) continue;
    out.push(target);
  }
  return out;
}

export function isApacheLicense(text: string): boolean {
  let at = 0;
  const flat = text.replace(/\s+/g, ' ');
  for (const heading of APACHE_SECTIONS) {
    const found = flat.indexOf(heading, at);
    if (found < 0) return false;
    at = found + heading.length;
  }
  return flat.length > 9_000;
}

/** Findings for one plugin's files (names relative to the plugin's folder in the zip). */
export function validate(files: Record<string, Uint8Array>): Finding[] {
  const findings: Finding[] = [];
  const text = (name: string) => (files[name] ? new TextDecoder().decode(files[name]) : undefined);
  const add = (rule: string, severity: Finding['severity'], message: string) =>
    findings.push({ rule, severity, message });

  const license = text('LICENSE') ?? text('LICENSE.md') ?? text('LICENSE.txt');
  if (license === undefined) add('license-not-provided', 'error', 'License not found');
  else if (!isApacheLicense(license))
    add('license-not-provided', 'error', 'Valid license not found (not the Apache License 2.0 text)');

  const readme = text('README.md');
  if (readme === undefined) add('missing-readme', 'error', 'missing README.md');
  else
    for (const link of relativeLinks(readme))
      add('relative-link', 'error', `README.md: convert relative link to absolute: ${link}`);

  const changelog = text('CHANGELOG.md');
  if (changelog === undefined) add('missing-changelog', 'warning', 'missing CHANGELOG.md');
  else if (changelog.trim() === '') add('missing-changelog', 'warning', 'CHANGELOG.md is empty');

  const meta = JSON.parse(text('plugin.json') ?? '{}') as PluginJson;
  for (const link of meta.info?.links ?? [])
    if (!/^https?:\/\//.test(link.url ?? ''))
      add('relative-link', 'error', `plugin.json: link is not absolute: ${link.url}`);
  for (const logo of [meta.info?.logos?.small, meta.info?.logos?.large])
    if (!logo || !files[logo]) add('logos', 'error', `plugin.json: logo ${logo} is not in the zip`);
  const shots = meta.info?.screenshots ?? [];
  if (shots.length === 0)
    add('screenshots', 'warning', 'plugin.json: should include screenshots for the Plugin catalog');
  for (const shot of shots) {
    const path = (shot.path ?? '').trim();
    if (path === '')
      add('screenshots', 'warning', `plugin.json: invalid empty screenshot path: "${shot.name}"`);
    else if (!files[path]) add('screenshots', 'warning', `plugin.json: screenshot ${path} is not in the zip`);
    else if (!imageType(files[path]))
      add('screenshots', 'warning', `plugin.json: screenshot ${path} is not a PNG, JPEG or GIF image`);
  }
  return findings;
}
