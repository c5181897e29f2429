/**
 * Starts a chaos soak in its own accelerated process (soak-main.ts under accelerate.ts and tsx) and returns
 * its records. The parent stays in real time: vitest's timeouts and the judge are not accelerated.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SoakRecords } from './records.js';
import type { SoakOptions } from './soak.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export type SoakProcessOptions = Omit<SoakOptions, 'progress'>;

/** The short form's and the benchmark's defaults (the benchmark runs 6 hours). */
export const SOAK_DEFAULTS: SoakProcessOptions = {
  seed: 1,
  hours: 6,
  timeScale: 60,
  sidecars: 2,
  trace: 'daily',
  traceOffsetHours: 7,
  meanGapSeconds: { kube: 360, flink: 480, other: 2400 },
  warmupSeconds: 600,
  quietHours: [2.5, 3.5],
  manualHoldSeconds: 1200,
};

export async function runSoakProcess(
  options: SoakProcessOptions,
  onLine: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<SoakRecords> {
  const main = join(root, 'sidecar/dist/cli/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build the sidecar first (tsc -b)`);
  const dir = mkdtempSync(join(tmpdir(), 'chaos-soak-'));
  const out = join(dir, 'records.json');
  try {
    const child = spawn(
      process.execPath,
      [
        // stripTypeScriptTypes (soak.ts makes the sidecars' preload with it) warns that it is experimental
        '--disable-warning=ExperimentalWarning',
        '--import',
        'tsx',
        '--import',
        join(root, 'test/chaos/accelerate.ts'),
        join(root, 'test/chaos/soak-main.ts'),
        JSON.stringify(options),
        out,
      ],
      {
        cwd: root,
        stdio: ['ignore', 'inherit', 'pipe'],
        env: {
          ...process.env,
          CHAOS_TIME_SCALE: String(options.timeScale),
          CHAOS_TIME_ORIGIN: String(Date.now()),
        },
      },
    );
    let partial = '';
    const tail: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        onLine(line);
      }
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    if (code !== 0 || !existsSync(out)) {
      throw new Error(`the soak process failed (exit ${code}):\n${tail.join('\n')}`);
    }
    return JSON.parse(readFileSync(out, 'utf8')) as SoakRecords;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
