import { randomBytes } from 'node:crypto'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { createQueue } from '#core/queue/main'
import { jobs } from '#core/queue/registry'
import { defineRecurringJob, scheduleRecurring } from '#core/queue/recurring'

/**
 * A recurring job is one row that re-arms itself after each run. (The old
 * way, dispatching the next run from inside the running job, was a no-op:
 * the running job still held the unique key, so sweeps ran once per
 * worker start.)
 */
test.group('Recurring jobs', () => {
  test('run again and again as one job row, whatever the number of schedulers, even when a run throws', async ({
    assert,
  }) => {
    const name = `test.recurring-${randomBytes(4).toString('hex')}`
    let runs = 0
    defineRecurringJob({
      name,
      everyMs: 30,
      firstDelayMs: 0,
      run: async () => {
        runs++
        if (runs === 2) throw new Error('a failing run is re-armed too')
      },
    })
    // Three workers starting at once each schedule the recurring jobs.
    await Promise.all([scheduleRecurring(), scheduleRecurring(), scheduleRecurring()])
    const rows = () => db.from('jobs').where('name', name).select('id', 'status', 'attempts')
    assert.lengthOf(await rows(), 1)

    const worker = createQueue({ driver: 'database', concurrency: 2 })
    await worker.work({ queues: ['default'] })
    try {
      const deadline = Date.now() + 8000
      while (runs < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    } finally {
      await worker.stop()
      jobs.unregister(name)
    }
    assert.isAtLeast(runs, 4, 'the job ran repeatedly')
    const after = await rows()
    assert.lengthOf(after, 1, 'still one row')
    assert.equal(after[0].status, 'waiting')
    await db.from('jobs').where('name', name).delete()
  })
})
