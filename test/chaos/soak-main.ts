/**
 * The soak's process: `node --import tsx --import test/chaos/accelerate.ts test/chaos/soak-main.ts OPTIONS OUT`
 * (run-soak.ts starts it): runs runSoak with the JSON OPTIONS and writes the records to the file OUT.
 * Progress goes to stderr as JSON lines.
 */
import { writeFileSync } from 'node:fs';
import { runSoak, type SoakOptions } from './soak.js';

const [optionsText, out] = process.argv.slice(2);
if (optionsText === undefined || out === undefined)
  throw new Error('usage: soak-main.ts OPTIONS_JSON OUT_FILE');
const options = JSON.parse(optionsText) as Omit<SoakOptions, 'progress'>;
const records = await runSoak({
  ...options,
  progress: (fields) => process.stderr.write(`${JSON.stringify({ source: 'chaos-soak', ...fields })}\n`),
});
writeFileSync(out, JSON.stringify(records));
process.exit(0);
