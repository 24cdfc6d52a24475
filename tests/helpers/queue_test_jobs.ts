/*
| Test-only job handlers.
|
| Loaded by tests (import it) and by a `queue:work` child process started
| with NODE_ENV=test and PARLEY_TEST_JOBS=1 (see app/core/commands/queue_work.ts);
| never in production. Used by tests/functional/queue/sigkill.spec.ts.
*/
import db from '@adonisjs/lucid/services/db'
import { jobs } from '#core/queue/registry'

export const KILL_JOB = 'test.queue_kill.insert'
/** One row per job key: unique, written with insert-ignore (the idempotent effect). */
export const KILL_ROWS_TABLE = 'queue_kill_rows'
/** One row per execution, not unique: shows how often a job ran. */
export const KILL_RUNS_TABLE = 'queue_kill_runs'

export type KillJobPayload = { key: string; sleepMs?: number }

jobs.register<KillJobPayload>(KILL_JOB, async ({ key, sleepMs }) => {
  if (sleepMs) await new Promise((resolve) => setTimeout(resolve, sleepMs))
  await db
    .connection()
    .knexQuery()
    .table(KILL_RUNS_TABLE)
    .insert({ job_key: key, pid: process.pid })
  await db
    .connection()
    .knexQuery()
    .table(KILL_ROWS_TABLE)
    .insert({ job_key: key })
    .onConflict('job_key')
    .ignore()
})
