import db from '@adonisjs/lucid/services/db'
import { isTransientLockError } from '#core/helpers/db_errors'

/** One `webhook_events` row as the request path writes it. */
export interface PendingWebhookRow {
  source: string
  channel_key: string | null
  status: string
  raw_body: string
  updates: number
  attempts: number
  available_at: number
  received_at: string
}

interface Waiter {
  row: PendingWebhookRow
  resolve: () => void
  reject: (error: unknown) => void
}

/** Rows per INSERT: 8 columns each keeps SQLite well under its variable limit. */
const MAX_ROWS = 64
/** Bytes of raw bodies per INSERT, far under MariaDB's default 16 MB packet. */
const MAX_BYTES = 4 * 1024 * 1024
/** INSERTs in flight at once per process. */
const MAX_IN_FLIGHT = 2

/**
 * Group commit for the webhook request path. A request's row is written
 * at once when no INSERT is in flight; requests that arrive while one is
 * (a busy moment: Meta delivers concurrently) are written together by the
 * next multi-row INSERT, so a burst costs one statement and one log flush
 * instead of one each. Every request still answers only after its own row
 * is committed: nothing is acknowledged that is not durable.
 *
 * A failed multi-row INSERT is retried row by row, so one bad row (too
 * large for the server, say) fails only its own request.
 */
class WebhookEventWriter {
  #queue: Waiter[] = []
  #inFlight = 0

  write(row: PendingWebhookRow): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ row, resolve, reject })
      this.#pump()
    })
  }

  #pump() {
    while (this.#inFlight < MAX_IN_FLIGHT && this.#queue.length > 0) {
      const batch = this.#take()
      this.#inFlight++
      void this.#flush(batch).finally(() => {
        this.#inFlight--
        this.#pump()
      })
    }
  }

  #take(): Waiter[] {
    const batch: Waiter[] = []
    let bytes = 0
    while (this.#queue.length > 0 && batch.length < MAX_ROWS) {
      const size = this.#queue[0].row.raw_body.length
      if (batch.length > 0 && bytes + size > MAX_BYTES) break
      bytes += size
      batch.push(this.#queue.shift()!)
    }
    return batch
  }

  async #flush(batch: Waiter[]) {
    try {
      await insertWithRetry(batch.map((waiter) => waiter.row))
      for (const waiter of batch) waiter.resolve()
      return
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error)
        return
      }
    }
    for (const waiter of batch) {
      try {
        await insertWithRetry([waiter.row])
        waiter.resolve()
      } catch (error) {
        waiter.reject(error)
      }
    }
  }
}

const stats = { statements: 0, rows: 0 }

/** INSERT statements and rows written since the process started. */
export function webhookWriteStats(): Readonly<typeof stats> {
  return { ...stats }
}

async function insertWithRetry(rows: PendingWebhookRow[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      stats.statements++
      await db.table('webhook_events').multiInsert(rows)
      stats.rows += rows.length
      return
    } catch (error) {
      if (!isTransientLockError(error) || attempt >= 3) throw error
    }
  }
}

const writer = new WebhookEventWriter()

/** Stores one received webhook durably; resolves once its row is committed. */
export function storeWebhookEvent(row: PendingWebhookRow): Promise<void> {
  return writer.write(row)
}
