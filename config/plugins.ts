/*
|--------------------------------------------------------------------------
| Installed plugins
|--------------------------------------------------------------------------
| One line per plugin: its id (the folder name under plugins/) and a lazy
| import of its manifest. The explicit list is what `node ace build`
| compiles and what the loader (providers/plugins_provider.ts) reads; a
| plugin that fails to import or to load is disabled with a reason, the
| rest of Parley starts.
|
| This is the only core file allowed to import from plugins/ (see the
| scoped exception in eslint.config.js). `node ace make:plugin <id>`
| inserts its line above the marker comment.
*/
const plugins = {
  hello: () => import('../plugins/hello/plugin.js'),
  qr_baileys: () => import('../plugins/qr_baileys/plugin.js'),
  // make:plugin inserts here
} satisfies Record<string, () => Promise<{ default: unknown }>>

export default plugins

/** Ids of the installed plugins, in config order. */
export const installedPluginIds = Object.keys(plugins)
