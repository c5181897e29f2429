/**
 * The order in which vitest starts the test files: the longest first (their durations in
 * scripts/test-durations.json, from an earlier run), files not listed there before them (new files are
 * usually the heavy end-to-end ones). With several workers this keeps a long file from starting last and
 * running alone at the end. Only the order changes; every file still runs.
 *
 * `tsx scripts/test-order.ts .test-results/vitest.json` rewrites the durations from a run's JSON report.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const durationsFile = join(root, 'scripts/test-durations.json');

function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(durationsFile, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const durations = readDurations();
    const expected = (spec: TestSpecification) =>
      durations[relative(root, spec.moduleId).replaceAll('\\', '/')] ?? Number.POSITIVE_INFINITY;
    return [...files].sort((a, b) => expected(b) - expected(a));
  }
}

interface JsonReport {
  testResults: { name: string; startTime: number; endTime: number }[];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = process.argv[2];
  if (!report) throw new Error('usage: tsx scripts/test-order.ts <vitest JSON report>');
  const { testResults } = JSON.parse(readFileSync(report, 'utf8')) as JsonReport;
  const rows = testResults
    .map((s) => [relative(root, s.name), Math.round((s.endTime - s.startTime) / 100) / 10] as const)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  writeFileSync(durationsFile, `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`);
  process.stdout.write(`${rows.length} files written to ${relative(root, durationsFile)}\n`);
}
