import type { ApplicationService } from '@adonisjs/core/types'
import { Settings } from 'luxon'

/**
 * Parley's own boot steps.
 */
export default class AppProvider {
  constructor(protected app: ApplicationService) {}

  /**
   * Every stored time is UTC: Lucid writes a DateTime in its own zone and
   * mysql2 reads DATETIME as UTC (`timezone: 'Z'`), so a host whose TZ is
   * not UTC would shift times by its offset. Display zones (workspace,
   * contact, browser) are applied explicitly where times are shown.
   */
  register() {
    Settings.defaultZone = 'utc'
  }

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
