/**
 * Writes the `policy` section of charts/flink-autoscaler/values.schema.json from the shared option table:
 * the JSON Schema of the shared config schema (types, ranges, descriptions, unknown keys refused) with the
 * defaults and units of OPTION_SPECS. The rest of the file is written by hand. `npm run chart:schema`
 * rewrites it; `--check` only says whether the committed file is current (exit 1 when not).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTION_SPECS, chartValuePath, flagName, overridesSchema } from '@flink-autoscaler/shared';

export const SCHEMA_FILE = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  'charts/flink-autoscaler/values.schema.json',
);

type Json = Record<string, unknown>;

function node(schema: Json, path: string[]): Json {
  let at = schema;
  for (const key of path) at = (at['properties'] as Record<string, Json>)[key] as Json;
  return at;
}

/** The JSON Schema of the chart's `policy` value. */
export function policySchema(): Json {
  const { $schema: _, ...schema } = overridesSchema.toJSONSchema() as Json;
  for (const spec of OPTION_SPECS) {
    const option = node(schema, spec.path.split('.'));
    option['title'] = `${chartValuePath(spec)} (injector flag ${flagName(spec)}; unit: ${spec.unit})`;
    option['description'] = spec.doc;
    if (spec.default !== undefined) option['default'] = spec.default;
  }
  return {
    description:
      'Cluster-wide defaults of the scaling policy, passed to the injector as flags and on to every sidecar. ' +
      'Only the values set are passed; a FlinkDeployment annotation flink-autoscaler.io/<option> overrides them per job.',
    ...schema,
  };
}

/** The schema file's text with its policy section regenerated. */
export function withPolicy(text: string): string {
  const schema = JSON.parse(text) as Json;
  (schema['properties'] as Json)['policy'] = policySchema();
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const current = readFileSync(SCHEMA_FILE, 'utf8');
  const wanted = withPolicy(current);
  if (process.argv.includes('--check')) {
    if (current !== wanted) {
      process.stderr.write(`${SCHEMA_FILE} is out of date; run npm run chart:schema\n`);
      process.exit(1);
    }
  } else if (current !== wanted) {
    writeFileSync(SCHEMA_FILE, wanted);
    process.stderr.write(`wrote ${SCHEMA_FILE}\n`);
  }
}
