import { BaseCommand, args } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * `node ace queue:retry <id|all>`: puts failed jobs back in their queue
 * with a fresh set of attempts.
 */
export default class QueueRetry extends BaseCommand {
  static commandName = 'queue:retry'
  static description = 'Retry a failed job by id, or every failed job with "all"'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Job id (see the admin panel), or "all"' })
  declare id: string

  async run() {
    const { queue, closeQueue } = await import('#core/queue/main')
    try {
      if (this.id !== 'all') {
        if (await queue().retry(this.id)) {
          this.logger.success(`Job ${this.id} queued again`)
        } else {
          this.logger.error(`No failed job with id ${this.id}`)
          this.exitCode = 1
        }
        return
      }

      // Collect first, then retry: retried jobs leave the failed list.
      const ids: string[] = []
      for (let offset = 0; ; offset += 500) {
        const page = await queue().failed({ limit: 500, offset })
        ids.push(...page.map((job) => job.id))
        if (page.length < 500) break
      }
      let retried = 0
      for (const id of ids) if (await queue().retry(id)) retried += 1
      this.logger.success(
        retried ? `${retried} failed job(s) queued again` : 'No failed jobs to retry'
      )
    } finally {
      await closeQueue()
    }
  }
}
