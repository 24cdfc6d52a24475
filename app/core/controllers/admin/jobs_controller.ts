import type { HttpContext } from '@adonisjs/core/http'
import { queue } from '#core/queue/main'
import type { FailedJob } from '#core/queue/types'
import { audit } from '#core/services/audit'

const PER_PAGE = 50

/** One failed job as the admin page receives it. */
export type FailedJobRow = Omit<FailedJob, 'failedAt'> & { failedAt: string }

/** Props of the `admin/jobs` page (also the JSON body of `index`). */
export type AdminJobsProps = {
  stats: { waiting: number; delayed: number; active: number; failed: number }
  failed: FailedJobRow[]
  page: number
  perPage: number
  hasMore: boolean
}

/**
 * The platform queue: counts per state and the failed jobs, newest first,
 * with a retry button. Behind the super admin middleware like every
 * /admin route.
 */
export default class AdminJobsController {
  async index({ inertia, request, response }: HttpContext) {
    const page = Math.max(1, Number.parseInt(String(request.input('page', 1)), 10) || 1)
    const [stats, rows] = await Promise.all([
      queue().stats(),
      queue().failed({ limit: PER_PAGE + 1, offset: (page - 1) * PER_PAGE }),
    ])
    const props: AdminJobsProps = {
      stats,
      failed: rows
        .slice(0, PER_PAGE)
        .map((job) => ({ ...job, failedAt: job.failedAt.toISOString() })),
      page,
      perPage: PER_PAGE,
      hasMore: rows.length > PER_PAGE,
    }
    if (!request.header('x-inertia') && request.accepts(['html', 'json']) === 'json') {
      return response.json(props)
    }
    return inertia.render('admin/jobs', props)
  }

  async retry({ params, request, response, session, i18n }: HttpContext) {
    const id = String(params.id)
    if (!(await queue().retry(id))) return response.notFound({ errors: [{ message: 'Not found' }] })
    await audit({ action: 'queue.job_retried', target: { type: 'job', id } })
    if (!request.header('x-inertia') && request.accepts(['html', 'json']) === 'json') {
      return response.json({ retried: id })
    }
    session.flash('success', i18n.t('notices.job_retried', {}, 'Job queued again.'))
    return response.redirect().back()
  }
}
