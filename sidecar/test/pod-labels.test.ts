import { describe, expect, it } from 'vitest';
import { parsePodLabels } from '../src/kube/pod-labels.js';

describe('the Downward API labels file', () => {
  it('reads key="value" lines, unescaping values', () => {
    const text =
      'app="clickstream"\ncomponent="jobmanager"\ntype="flink-native-kubernetes"\nnote="a \\"quoted\\" word"\n';
    expect(parsePodLabels(text)).toEqual({
      app: 'clickstream',
      component: 'jobmanager',
      type: 'flink-native-kubernetes',
      note: 'a "quoted" word',
    });
  });

  it('skips lines it cannot read', () => {
    expect(parsePodLabels('garbage\napp=unquoted\n="x"\nok="1"')).toEqual({ ok: '1' });
  });
});
