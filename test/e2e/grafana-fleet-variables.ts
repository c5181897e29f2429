/**
 * The fleet dashboard's variables as Grafana resolves them before the panel queries: `namespace`, `top` and
 * `__range` as given, and `listed` (grafana-plugin/src/fleet/queries.ts LISTED_QUERY, a query variable with
 * All picked) by its query: Prometheus asked at the end of the range, the names taken with its regex, All
 * expanded the way Grafana's Prometheus data source expands a multi-value variable in a regex matcher:
 * `(a|b|c)`, each value regex-escaped.
 */
import { LISTED_QUERY, LISTED_REGEX } from '../../grafana-plugin/src/fleet/queries.js';

export type FleetVariables = Record<'namespace' | 'top' | '__range' | 'listed', string>;

export function expandVariables(expr: string, variables: Partial<FleetVariables>): string {
  let out = expr;
  // Longest names first: $listed before any shorter name it starts with.
  const names = Object.keys(variables).sort((a, b) => b.length - a.length);
  for (const name of names) out = out.replaceAll(`$${name}`, variables[name as keyof FleetVariables] ?? '');
  return out;
}

const escape = (v: string) => v.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&');

/** `listed` by its query at `end` (Unix seconds); `url` is Prometheus or a proxy to it. */
export async function resolveListed(
  url: string,
  base: Omit<FleetVariables, 'listed'>,
  end: number,
): Promise<FleetVariables> {
  const inner = /^query_result\((.*)\)$/.exec(LISTED_QUERY)?.[1];
  if (!inner) throw new Error(`not a query_result: ${LISTED_QUERY}`);
  const params = new URLSearchParams({ query: expandVariables(inner, base), time: String(end) });
  const body = (await (await fetch(`${url}/api/v1/query?${params}`)).json()) as {
    status: string;
    error?: string;
    data: { result: { metric: Record<string, string> }[] };
  };
  if (body.status !== 'success') throw new Error(`listed: ${body.error}`);
  const pattern = new RegExp(LISTED_REGEX.slice(1, -1));
  const names = new Set<string>();
  for (const r of body.data.result) {
    // Grafana's query_result text: the metric with its labels, as Prometheus prints it.
    const text = `{${Object.entries(r.metric)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')}}`;
    const name = pattern.exec(text)?.[1];
    if (name !== undefined) names.add(name);
  }
  return { ...base, listed: `(${[...names].sort().map(escape).join('|')})` };
}
