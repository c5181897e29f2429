import { PanelPlugin } from '@grafana/data';
import { JOB_DASHBOARD_UID } from './fleet/link';
import { PanelView } from './fleet/PanelView';
import { DEFAULT_SCALE_API_PATH, type PanelOptions } from './types';

export const plugin = new PanelPlugin<PanelOptions>(PanelView).setPanelOptions((builder) =>
  builder
    // No default: the job dashboards' panels keep their options; unset is one job.
    .addRadio({
      path: 'view',
      name: 'View',
      description:
        'One job (the dashboard variables namespace and flinkdeployment pick it), or the fleet: the jobs that ' +
        'need a look among thousands, with the fleet dashboard’s queries (unset: one job).',
      settings: {
        options: [
          { value: 'job', label: 'One job' },
          { value: 'fleet', label: 'Fleet' },
        ],
      },
    })
    .addTextInput({
      path: 'jobDashboardUid',
      name: 'Job dashboard',
      description: `Each job of the fleet view links to this dashboard's uid (unset: ${JOB_DASHBOARD_UID}), with its variables namespace and flinkdeployment.`,
      settings: { placeholder: JOB_DASHBOARD_UID },
      category: ['Fleet'],
      showIf: (options) => options.view === 'fleet',
    })
    .addBooleanSwitch({
      path: 'showCharts',
      name: 'Signal charts',
      description: 'Draw each signal over time against its thresholds when the panel has room; else a table.',
      defaultValue: true,
      category: ['Display'],
    })
    .addNumberInput({
      path: 'scalingsShown',
      name: 'Last scalings shown',
      defaultValue: 5,
      settings: { min: 0, max: 20, integer: true },
      category: ['Display'],
    })
    .addBooleanSwitch({
      path: 'scaleEnabled',
      name: 'Scale to N',
      description:
        'Show "Scale to N" to signed-in people: enabled when the gateway says Kubernetes lets them scale (and ' +
        'their Grafana role is Editor or Admin), disabled with the reason otherwise.',
      defaultValue: true,
      category: ['Scale action'],
    })
    .addTextInput({
      path: 'scaleApiPath',
      name: 'Scale API path',
      description:
        'Grafana path of the gateway behind a server-side proxy: the companion app route (default) or ' +
        'api/datasources/proxy/uid/<uid>. Relative to Grafana; the browser never calls the cluster.',
      defaultValue: DEFAULT_SCALE_API_PATH,
      category: ['Scale action'],
      showIf: (options) => options.scaleEnabled,
    })
    .addNumberInput({
      path: 'holdMinutes',
      name: 'Hold (minutes)',
      description: 'How long the policy pauses after a manual scale, as proposed in the dialog.',
      defaultValue: 30,
      settings: { min: 0, max: 1440, integer: true },
      category: ['Scale action'],
      showIf: (options) => options.scaleEnabled,
    }),
);
