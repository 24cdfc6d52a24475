import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import {
  ChannelSendError,
  type OutboundMessage,
  type PluginContext,
  type SendResult,
} from '#sdk/index'
import { QrSession } from './session.js'
import type { SocketFactory } from './socket.js'
import { purgeExpiredMedia } from './media.js'

/**
 * Owns the live sockets of this process. Every `tickMs` it scans the
 * plugin's session table (a platform-level scan of its own table, like a
 * queue worker scanning jobs; every per-channel read and write after that
 * runs in the channel's tenant context), takes or renews one lease per
 * channel (`ctx.locks`: Redis when configured, a database row otherwise)
 * and starts the sessions it holds. A lease is `leaseMs` long: when a
 * worker dies, another one takes its numbers over within that time.
 * It also delivers sends that other processes relayed through
 * `qr_baileys_outbox`.
 */
export type ManagerOptions = {
  tickMs: number
  leaseMs: number
  outboxMs: number
  /** Expired uploads and inbound media sources are purged this often. */
  purgeMs: number
  backoffBaseMs: number
  backoffMaxMs: number
}

export const DEFAULT_MANAGER_OPTIONS: ManagerOptions = {
  tickMs: 5_000,
  leaseMs: 30_000,
  outboxMs: 500,
  purgeMs: 60 * 60_000,
  backoffBaseMs: 2_000,
  backoffMaxMs: 5 * 60_000,
}

const sql = () => DateTime.utc().toFormat('yyyy-MM-dd HH:mm:ss')

export class SessionManager {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  readonly sessions = new Map<number, QrSession>()
  #timers: NodeJS.Timeout[] = []
  #ticking = false
  options: ManagerOptions

  constructor(
    private ctx: PluginContext,
    private factory: () => SocketFactory,
    options: Partial<ManagerOptions> = {}
  ) {
    this.options = { ...DEFAULT_MANAGER_OPTIONS, ...options }
  }

  start() {
    const loop = (ms: number, fn: () => Promise<void>) => {
      const timer = setInterval(() => {
        fn().catch((error) =>
          this.ctx.logger.error({ err: error }, 'qr_baileys: manager loop failed')
        )
      }, ms)
      timer.unref?.()
      this.#timers.push(timer)
    }
    loop(this.options.tickMs, () => this.tick())
    loop(this.options.outboxMs, () => this.deliverOutbox())
    loop(this.options.purgeMs, async () => {
      const purged = await purgeExpiredMedia(this.ctx)
      if (purged.uploads || purged.inbound) {
        this.ctx.logger.info(purged, 'qr_baileys: expired media purged')
      }
    })
    void this.tick().catch((error) =>
      this.ctx.logger.error({ err: error }, 'qr_baileys: first tick failed')
    )
  }

  bySessionKey(sessionKey: string): QrSession | null {
    for (const session of this.sessions.values()) {
      if (session.channel.sessionKey === sessionKey) return session
    }
    return null
  }

  /** One pass: lease, start, stop, and act on what admins asked for. */
  async tick() {
    if (this.#ticking) return
    this.#ticking = true
    try {
      const rows = await this.ctx.db
        .from('qr_baileys_sessions')
        .select(
          'id',
          'workspace_id',
          'channel_id',
          'channel_public_id',
          'session_key',
          'desired',
          'pairing_phone'
        )
      const seen = new Set<number>()
      for (const row of rows) {
        const channelId = Number(row.channel_id)
        seen.add(channelId)
        const local = this.sessions.get(channelId)
        const lockKey = `session:${channelId}`
        const wanted =
          row.desired !== 'stop' && (await this.ctx.workspaces.isActive(Number(row.workspace_id)))
        if (!wanted && row.desired !== 'logout') {
          if (local) this.#drop(channelId)
          continue
        }
        if (!(await this.ctx.locks.acquire(lockKey, this.owner, this.options.leaseMs))) {
          if (local) this.#drop(channelId, false)
          continue
        }
        if (row.desired === 'logout') {
          await this.#logout(row, local)
          continue
        }
        if (local?.running) continue
        const session = new QrSession(
          this.ctx,
          this.factory(),
          {
            id: channelId,
            workspaceId: Number(row.workspace_id),
            publicId: String(row.channel_public_id),
            sessionKey: String(row.session_key),
            pairingPhone: row.pairing_phone ?? null,
          },
          this.options
        )
        this.sessions.set(channelId, session)
        await this.ctx.tenant.run(Number(row.workspace_id), () =>
          this.ctx.db
            .tenant('qr_baileys_sessions')
            .where('channel_id', channelId)
            .update({ owner: this.owner, updated_at: sql() })
        )
        await session.start()
      }
      for (const channelId of [...this.sessions.keys()]) {
        if (!seen.has(channelId)) this.#drop(channelId)
      }
    } finally {
      this.#ticking = false
    }
  }

  async #logout(row: Record<string, any>, local: QrSession | undefined) {
    const channelId = Number(row.channel_id)
    if (local) {
      await local.logout()
      this.sessions.delete(channelId)
    } else {
      // Not connected here: start it only to log out would need a scan; mark it.
      const session = new QrSession(
        this.ctx,
        this.factory(),
        {
          id: channelId,
          workspaceId: Number(row.workspace_id),
          publicId: String(row.channel_public_id),
          sessionKey: String(row.session_key),
          pairingPhone: null,
        },
        this.options
      )
      await session.logout()
    }
    await this.ctx.locks.release(`session:${channelId}`, this.owner)
  }

  #drop(channelId: number, release = true) {
    const session = this.sessions.get(channelId)
    session?.stop()
    this.sessions.delete(channelId)
    if (release) void this.ctx.locks.release(`session:${channelId}`, this.owner).catch(() => {})
  }

  /** Send relayed sends of the numbers this process holds. */
  async deliverOutbox() {
    if (!this.sessions.size) return
    const channelIds = [...this.sessions.keys()]
    const pending = await this.ctx.db
      .from('qr_baileys_outbox')
      .whereIn('channel_id', channelIds)
      .where('status', 'pending')
      .orderBy('id')
      .limit(20)
    for (const row of pending) {
      const session = this.sessions.get(Number(row.channel_id))
      if (!session) continue
      await this.ctx.tenant.run(Number(row.workspace_id), async () => {
        const claimed = await this.ctx.db
          .tenant('qr_baileys_outbox')
          .where('id', row.id)
          .where('status', 'pending')
          .update({ status: 'sending', updated_at: sql() })
        if (!Number(claimed)) return
        const message = this.ctx.encryption.decrypt<OutboundMessage>(row.payload)
        let result: Record<string, unknown>
        try {
          if (!message) throw new ChannelSendError('Unreadable relayed message', null, 'give_up')
          const sent = await session.send(message)
          result = { status: 'sent', provider_message_id: sent.providerMessageId }
        } catch (error) {
          const failure =
            error instanceof ChannelSendError
              ? error
              : new ChannelSendError(String((error as Error)?.message ?? error), null, 'retry')
          result = {
            status: 'failed',
            error: failure.message.slice(0, 500),
            error_action: failure.action,
            retry_after_ms: failure.retryAfterMs,
          }
        }
        await this.ctx.db
          .tenant('qr_baileys_outbox')
          .where('id', row.id)
          .update({ ...result, updated_at: sql() })
      })
    }
  }

  /**
   * The driver's way to a socket that lives in another process: queue the
   * send and wait for the owner's answer (up to `timeoutMs`).
   */
  async relay(
    workspaceId: number,
    channelId: number,
    message: OutboundMessage,
    timeoutMs = 20_000
  ): Promise<SendResult> {
    const id = await this.ctx.tenant.run(workspaceId, async () => {
      const [inserted] = await this.ctx.db.table('qr_baileys_outbox').insert({
        workspace_id: workspaceId,
        channel_id: channelId,
        payload: this.ctx.encryption.encrypt(message),
        status: 'pending',
        created_at: sql(),
        updated_at: sql(),
      })
      return Number(inserted)
    })
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      const row = await this.ctx.tenant.run(workspaceId, () =>
        this.ctx.db.tenant('qr_baileys_outbox').where('id', id).first()
      )
      if (row?.status === 'sent') {
        await this.#forget(workspaceId, id)
        return {
          providerMessageId: row.provider_message_id,
          waId: String(message.to).replace(/[^\d]/g, '') || null,
        }
      }
      if (row?.status === 'failed') {
        await this.#forget(workspaceId, id)
        throw new ChannelSendError(
          row.error ?? 'Sending failed',
          null,
          row.error_action ?? 'retry',
          row.retry_after_ms ?? null
        )
      }
    }
    const removed = await this.ctx.tenant.run(workspaceId, () =>
      this.ctx.db.tenant('qr_baileys_outbox').where('id', id).where('status', 'pending').delete()
    )
    throw new ChannelSendError(
      Number(removed)
        ? 'No worker holds this QR number right now (is `node ace queue:work` running?)'
        : 'The worker holding this QR number did not answer in time',
      null,
      'wait',
      30_000
    )
  }

  async #forget(workspaceId: number, id: number) {
    await this.ctx.tenant.run(workspaceId, () =>
      this.ctx.db.tenant('qr_baileys_outbox').where('id', id).delete()
    )
  }

  /**
   * Close this process's sockets. `release: false` at shutdown, when the
   * database may already be closed: the leases then expire after leaseMs.
   */
  async stop(options: { release?: boolean } = {}) {
    for (const timer of this.#timers) clearInterval(timer)
    this.#timers = []
    for (const channelId of [...this.sessions.keys()]) {
      this.#drop(channelId, options.release ?? true)
    }
  }
}
