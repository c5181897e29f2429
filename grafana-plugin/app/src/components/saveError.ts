/**
 * A failed settings save in words: Grafana's status and message only. Grafana's fetch error keeps the
 * request that failed (`config.data`, which holds `secureJsonData` with the gateway token), so the error
 * object itself is never printed; and any secret the person typed is masked should the server echo it.
 */

const MASK = '••••••';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** What went wrong, without the request: "500 Internal Server Error: <Grafana's message>". */
function describe(error: unknown): string {
  const status = field(error, 'status');
  if (typeof status === 'number') {
    if (status <= 0) return 'no answer from Grafana';
    const data = field(error, 'data');
    const message = text(field(data, 'message')) ?? text(field(data, 'error')) ?? text(data);
    const head = [String(status), text(field(error, 'statusText'))].filter(Boolean).join(' ');
    return message ? `${head}: ${message}` : head;
  }
  if (error instanceof Error) return text(error.message) ?? error.name;
  return 'unknown error';
}

export function saveErrorText(error: unknown, secrets: readonly string[]): string {
  let words = describe(error);
  for (const secret of secrets) if (secret !== '') words = words.split(secret).join(MASK);
  return `The settings could not be saved: ${words}`;
}
