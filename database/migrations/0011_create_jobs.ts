import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The `database` queue driver's one table (app/core/queue/database_queue.ts).
 *
 * - A job is a row: `waiting` (runnable once `available_at` has passed,
 *   so delayed jobs are waiting rows with a future `available_at`),
 *   `active` (claimed by the worker `reserved_by` until `reserved_until`),
 *   or `failed` (attempts exhausted; the row stays here with `last_error`
 *   for the admin panel and `queue:retry`). Completed jobs are deleted:
 *   there is no `failed_jobs` table and no completed history.
 * - `unique_key` is the dispatch idempotency key. A plain nullable unique
 *   column (NULLs never collide on SQLite, MySQL or MariaDB) holds it while
 *   the job is not finished; the worker sets it back to NULL when the job
 *   completes (row deleted) or fails, so the key can be dispatched again.
 * - `workspace_id` has no foreign key: platform jobs have none, and a job
 *   may outlive its workspace (the handler decides what that means).
 * - Times the worker compares (`available_at`, `reserved_until`) are epoch
 *   milliseconds in big integers: the same arithmetic on every database.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('jobs', (table) => {
      table.bigIncrements('id')
      table.string('queue', 64).notNullable()
      table.string('name', 120).notNullable()
      table.bigInteger('workspace_id').unsigned().nullable()
      table.text('payload').notNullable()
      table.integer('attempts').unsigned().notNullable().defaultTo(0)
      table.integer('max_attempts').unsigned().notNullable().defaultTo(5)
      table.integer('backoff_ms').unsigned().notNullable().defaultTo(1000)
      // 191 characters keeps the unique index within InnoDB's limit on utf8mb4.
      table.string('unique_key', 191).nullable().unique()
      table.string('status', 16).notNullable().defaultTo('waiting')
      table.bigInteger('available_at').notNullable()
      table.string('reserved_by', 128).nullable()
      table.bigInteger('reserved_until').nullable()
      table.text('last_error').nullable()
      table.timestamp('created_at').notNullable()
      table.timestamp('updated_at').notNullable()
      // Claiming: the next runnable jobs of the worker's queues.
      table.index(['queue', 'status', 'available_at'])
      // Reclaiming: active jobs whose reservation has expired.
      table.index(['status', 'reserved_until'])
    })
  }

  async down() {
    this.schema.dropTable('jobs')
  }
}
