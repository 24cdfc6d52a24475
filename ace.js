/*
|--------------------------------------------------------------------------
| JavaScript entrypoint for running ace commands
|--------------------------------------------------------------------------
|
| Registers the TypeScript loader (ts-node-maintained) so that `node ace`
| can import .ts files during development. In a production build the
| compiled ace.js imports JavaScript only.
*/
import 'ts-node-maintained/register/esm'

await import('./bin/console.js')
