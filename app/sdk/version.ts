/**
 * The plugin SDK's version. A plugin's manifest names the range it works
 * with (`host: '^1.0.0'`); see docs/plugins.md, "Versioning".
 */
export const SDK_VERSION = '1.2.0'
