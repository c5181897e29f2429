/**
 * Writes the `policy` section of charts/flink-autoscaler/values.schema.json from the shared option table:
 * the JSON Schema of the shared config schema (types, ranges, descriptions, unknown keys refused) with the
 * defaults and units of OPTION_SPECS. The rest of the file is written by hand. It also writes
 * charts/flink-autoscaler/files/policy-defaults.json (each option's default by its path), which the chart's
 * render-time check of the cross-field rules reads (helm gives templates no access to the schema file).
 * `npm run chart:schema` rewrites them; `--check` only says whether the committed files are current (exit 1
 * when not).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  OPTION_SPECS,
  SWITCH_SPECS,
  chartValuePath,
  flagName,
  overridesSchema,
  switchChartValue,
  switchFlag,
} from '@flink-autoscaler/shared';

export const SCHEMA_FILE = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..'),
  'charts/flink-autoscaler/values.schema.json',
);
export const DEFAULTS_FILE = join(dirname(SCHEMA_FILE), 'files', 'policy-defaults.json');

/** The text of files/policy-defaults.json: every option's default by its path (those that have one). */
export function policyDefaultsText(): string {
  const defaults: Record<string, number> = {};
  for (const spec of OPTION_SPECS) if (spec.default !== undefined) defaults[spec.path] = spec.default;
  return `${JSON.stringify(defaults, null, 2)}\n`;
}

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
  // The sidecar's switches (shared/src/config/switches.ts) travel with the policy values.
  const properties = schema['properties'] as Record<string, Json>;
  for (const spec of SWITCH_SPECS) {
    properties[spec.path] = {
      type: 'boolean',
      title: `${switchChartValue(spec)} (injector flag ${switchFlag(spec)})`,
      description: spec.doc,
      default: spec.default,
    };
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
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const current = readFileSync(SCHEMA_FILE, 'utf8');
  for (const [file, now, wanted] of [
    [SCHEMA_FILE, current, withPolicy(current)],
    [DEFAULTS_FILE, read(DEFAULTS_FILE), policyDefaultsText()],
  ] as const) {
    if (process.argv.includes('--check')) {
      if (now !== wanted) {
        process.stderr.write(`${file} is out of date; run npm run chart:schema\n`);
        process.exitCode = 1;
      }
    } else if (now !== wanted) {
      writeFileSync(file, wanted);
      process.stderr.write(`wrote ${file}\n`);
    }
  }
}
