import { AppPlugin } from '@grafana/data';
import { AppConfig, type AppSettings } from './components/AppConfig';

/** No pages: the app exists for its proxy route (plugin.json) and this configuration page. */
export const plugin = new AppPlugin<AppSettings>().addConfigPage({
  title: 'Configuration',
  icon: 'cog',
  id: 'configuration',
  body: AppConfig,
});
