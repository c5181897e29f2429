/**
 * The README as it goes into a zip: Grafana's catalog shows it on its own, so a link relative to this
 * repository (`../README.md`, `docs/…`) leads nowhere (the plugin validator's `relative-link` error).
 * Relative links become absolute under `base` when the project publishes one (package.json
 * `repository`), else plain text. Absolute links, `#anchors` and `mailto:` stay as they are.
 */

const MD_LINK = /(!?)\[(.+?)\]\((.+?)\)/g;

function absolute(target: string): boolean {
  return /^(https?:\/\/|#|mailto:)/.test(target);
}

export function zipReadme(markdown: string, base?: string): string {
  return markdown.replace(MD_LINK, (whole, bang: string, text: string, inside: string) => {
    const target = inside.trim().split(/\s+/)[0] ?? '';
    if (absolute(target)) return whole;
    if (base !== undefined) return `${bang}[${text}](${new URL(target, base).href})`;
    return bang === '!' ? '' : text;
  });
}
