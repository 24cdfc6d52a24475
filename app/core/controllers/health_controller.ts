import type { HttpContext } from '@adonisjs/core/http'
import { readinessChecks } from '#core/health'

export default class HealthController {
  /**
   * Liveness: the process answers.
   */
  live({ response }: HttpContext) {
    return response.ok({ status: 'ok' })
  }

  /**
   * Readiness: dependencies answer too.
   */
  async ready({ response }: HttpContext) {
    const report = await (await readinessChecks()).run()
    return report.isHealthy ? response.ok(report) : response.serviceUnavailable(report)
  }
}
