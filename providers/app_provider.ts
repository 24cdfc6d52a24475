import type { ApplicationService } from '@adonisjs/core/types'

/**
 * Parley's own boot steps.
 */
export default class AppProvider {
  constructor(protected app: ApplicationService) {}

  async boot() {
    const { tenancy } = await import('#core/tenancy/context')
    const { audit } = await import('#core/services/audit')
    tenancy.onCrossTenant(async ({ actorId, workspaceId, reason }) => {
      await audit({
        action: 'tenancy.cross_tenant',
        actorId,
        workspaceId,
        after: { reason },
      })
    })
  }

  async start() {
    const i18n = await this.app.container.make('i18n')
    await i18n.loadTranslations()
  }

  /**
   * `node ace serve` in development also consumes jobs, so one command
   * runs everything (QUEUE_IN_PROCESS=false turns it off).
   */
  async ready() {
    const { startInProcessWorker } = await import('#core/queue/in_process')
    if (await startInProcessWorker(this.app)) {
      const { scheduleRecurringJobs } = await import('#start/jobs')
      await scheduleRecurringJobs()
    }
  }
}
