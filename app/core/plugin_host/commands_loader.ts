import { ListLoader } from '@adonisjs/core/ace'
import type { BaseCommand } from '@adonisjs/core/ace'
import type { CommandMetaData } from '@adonisjs/core/types/ace'

/**
 * Ace loader for the commands plugins contribute (`contributes.commands`).
 * Listed in adonisrc.ts `commands`. A plugin whose manifest or command
 * cannot be imported contributes nothing here; `plugin:list` says why.
 */
let loader: ListLoader<typeof BaseCommand> | null = null

async function list() {
  if (loader) return loader
  const { default: plugins } = await import('#config/plugins')
  const commands: (typeof BaseCommand)[] = []
  for (const importer of Object.values(plugins)) {
    try {
      const manifest = (await importer()).default as {
        contributes?: { commands?: (() => Promise<{ default: typeof BaseCommand }>)[] }
      }
      for (const load of manifest?.contributes?.commands ?? []) {
        commands.push((await load()).default)
      }
    } catch {
      // Reported by the plugin loader when the application starts.
    }
  }
  loader = new ListLoader(commands)
  return loader
}

export async function getMetaData(): Promise<CommandMetaData[]> {
  return (await list()).getMetaData()
}

export async function getCommand(metaData: CommandMetaData) {
  return (await list()).getCommand(metaData)
}
