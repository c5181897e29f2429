/**
 * Component-test setup (jsdom): jest-dom matchers, the browser APIs @grafana/ui expects and jsdom lacks,
 * the options-editor registry Grafana fills at start-up (so `plugin.defaults` can be read), and an editor
 * as the signed-in user.
 */
import './tests/jsdom-apis';
import '@testing-library/jest-dom/vitest';
import { OrgRole, standardEditorsRegistry } from '@grafana/data';
import { config } from '@grafana/runtime';
import { cleanup } from '@testing-library/react';
import { afterAll, afterEach } from 'vitest';

afterEach(() => cleanup());
// Grafana's TooltipPlugin2 renders its tooltip from a 100 ms timer that unmounting does not cancel: let the
// last one fire while jsdom is still there (after the file, React would reach for a `window` that is gone).
afterAll(() => new Promise<void>((done) => setTimeout(done, 150)));

/** The editor ids PanelOptionsEditorBuilder looks up (Grafana registers the real editors). */
export const EDITOR_IDS = [
  'number',
  'slider',
  'text',
  'strings',
  'boolean',
  'radio',
  'select',
  'multi-select',
  'color',
  'unit',
];
standardEditorsRegistry.setInit(() => EDITOR_IDS.map((id) => ({ id, name: id, editor: () => null })));

config.bootData.user = {
  ...config.bootData.user,
  isSignedIn: true,
  login: 'alice',
  orgRole: OrgRole.Editor,
  isGrafanaAdmin: false,
};
