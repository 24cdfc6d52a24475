import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import { readTimestamp } from './src/time.js'
import vine from '@vinejs/vine'
import { definePlugin, setting, type PluginContext } from '#sdk/index'
import { QrDriver } from './src/driver.js'
import { qrRuntime } from './src/runtime.js'
import { PACING_DEFAULTS } from './src/pacing.js'
import { translations } from './translations.js'

/**
 * QR connector: links a WhatsApp (or WhatsApp Business app) number by
 * scanning a QR code or entering a pairing code, through Baileys (an
 * unofficial WhatsApp Web client). See README.md for the risks.
 */
const sql = () => DateTime.utc().toFormat('yyyy-MM-dd HH:mm:ss')

const createValidator = vine.compile(
  vine.object({ name: vine.string().trim().minLength(1).maxLength(120) })
)
const connectValidator = vine.compile(
  vine.object({
    channel: vine.string().trim().maxLength(64),
    phone: vine
      .string()
      .trim()
      .regex(/^\+?[\d\s().-]{6,24}$/)
      .optional(),
  })
)
const channelValidator = vine.compile(vine.object({ channel: vine.string().trim().maxLength(64) }))

async function sessionsOf(ctx: PluginContext) {
  const rows = await ctx.db
    .tenant('qr_baileys_sessions')
    .select(
      'channel_id',
      'channel_public_id',
      'state',
      'desired',
      'state_changed_at',
      'connecting_at',
      'opened_at',
      'closed_at',
      'logged_out_at',
      'last_error',
      'qr',
      'qr_expires_at',
      'pairing_code',
      'phone',
      'sent_day',
      'sent_count'
    )
    .orderBy('id')
  const iso = (value: unknown) => readTimestamp(value)?.toISO() ?? null
  const workspaceId = ctx.tenant.current()!
  const result = []
  for (const row of rows) {
    const channel = await ctx.channels.find(workspaceId, row.channel_public_id)
    if (!channel) continue
    const qrExpiry = readTimestamp(row.qr_expires_at)
    const qrValid = !!row.qr && !!qrExpiry && qrExpiry > DateTime.utc()
    result.push({
      id: channel.publicId,
      name: channel.name,
      state: row.state as string,
      desired: row.desired as string,
      stateChangedAt: iso(row.state_changed_at),
      connectingAt: iso(row.connecting_at),
      openedAt: iso(row.opened_at),
      closedAt: iso(row.closed_at),
      loggedOutAt: iso(row.logged_out_at),
      lastError: row.last_error as string | null,
      qr: qrValid ? (row.qr as string) : null,
      qrExpiresAt: qrValid ? iso(row.qr_expires_at) : null,
      pairingCode: row.state === 'open' ? null : (row.pairing_code as string | null),
      phone: row.phone ? `+${row.phone}` : null,
      sentToday: row.sent_day === DateTime.utc().toISODate() ? Number(row.sent_count) : 0,
    })
  }
  return result
}

async function ownChannel(ctx: PluginContext, publicId: string) {
  const workspaceId = ctx.tenant.current()!
  const channel = await ctx.channels.find(workspaceId, publicId)
  if (!channel || channel.driver !== 'qr_baileys') return null
  return channel
}

export default definePlugin({
  id: 'qr_baileys',
  name: 'WhatsApp QR connector',
  version: '0.2.0',
  host: '^1.2.0',
  description:
    'Connect a WhatsApp number by scanning a QR code (unofficial WhatsApp Web protocol, Baileys).',

  contributes: {
    // Activation is allowed by the core plan feature "QR-code channels".
    feature: 'qr_channels',

    routes(router) {
      router.page('/', 'index', async (_http, ctx) => {
        const workspaceId = ctx.tenant.current()!
        const settings = await ctx.settings.get<{ dailyCap: number | null }>(workspaceId)
        return {
          numbers: await sessionsOf(ctx),
          dailyCap: settings.dailyCap ?? PACING_DEFAULTS.dailyCap,
        }
      })

      router.post('/numbers', async ({ request, response, session, i18n }, ctx) => {
        const { name } = await request.validateUsing(createValidator)
        const workspaceId = ctx.tenant.current()!
        const sessionKey = `qr_baileys:${randomBytes(12).toString('hex')}`
        const channel = await ctx.channels.create({
          workspaceId,
          driver: 'qr_baileys',
          name,
          settings: { sessionKey },
        })
        await ctx.db.table('qr_baileys_sessions').insert({
          workspace_id: workspaceId,
          channel_id: channel.id,
          channel_public_id: channel.publicId,
          session_key: sessionKey,
          state: 'connecting',
          desired: 'run',
          state_changed_at: sql(),
          connecting_at: sql(),
          created_at: sql(),
          updated_at: sql(),
        })
        session.flash('success', i18n.t('plugins.qr_baileys.flash.created'))
        return response.redirect().back()
      })

      router.post('/connect', async ({ request, response, session, i18n }, ctx) => {
        const input = await request.validateUsing(connectValidator)
        const channel = await ownChannel(ctx, input.channel)
        if (!channel) return response.notFound({ errors: [{ message: 'Not found' }] })
        await ctx.db
          .tenant('qr_baileys_sessions')
          .where('channel_id', channel.id)
          .update({
            desired: 'run',
            state: 'connecting',
            state_changed_at: sql(),
            connecting_at: sql(),
            pairing_phone: input.phone ? input.phone.replace(/[^\d]/g, '') : null,
            pairing_code: null,
            qr: null,
            updated_at: sql(),
          })
        session.flash('success', i18n.t('plugins.qr_baileys.flash.connecting'))
        return response.redirect().back()
      })

      router.post('/disconnect', async ({ request, response, session, i18n }, ctx) => {
        const input = await request.validateUsing(channelValidator)
        const channel = await ownChannel(ctx, input.channel)
        if (!channel) return response.notFound({ errors: [{ message: 'Not found' }] })
        await ctx.db
          .tenant('qr_baileys_sessions')
          .where('channel_id', channel.id)
          .update({ desired: 'logout', updated_at: sql() })
        session.flash('success', i18n.t('plugins.qr_baileys.flash.disconnecting'))
        return response.redirect().back()
      })
    },

    navigation: [{ label: 'plugins.qr_baileys.nav', path: '', icon: 'puzzle' }],

    slots: { 'settings.channels': 'QrNumbersCard' },

    settings: {
      pacingEnabled: setting.boolean({
        label: 'plugins.qr_baileys.settings.pacing_enabled',
        help: 'plugins.qr_baileys.settings.pacing_enabled_help',
        default: true,
      }),
      minDelaySeconds: setting.number({
        label: 'plugins.qr_baileys.settings.min_delay',
        min: 0,
        max: 120,
        default: PACING_DEFAULTS.minDelaySeconds,
      }),
      maxDelaySeconds: setting.number({
        label: 'plugins.qr_baileys.settings.max_delay',
        min: 0,
        max: 300,
        default: PACING_DEFAULTS.maxDelaySeconds,
      }),
      batchSize: setting.number({
        label: 'plugins.qr_baileys.settings.batch_size',
        help: 'plugins.qr_baileys.settings.batch_size_help',
        min: 0,
        max: 1000,
        default: PACING_DEFAULTS.batchSize,
      }),
      batchPauseSeconds: setting.number({
        label: 'plugins.qr_baileys.settings.batch_pause',
        min: 0,
        max: 3600,
        default: PACING_DEFAULTS.batchPauseSeconds,
      }),
      dailyCap: setting.number({
        label: 'plugins.qr_baileys.settings.daily_cap',
        help: 'plugins.qr_baileys.settings.daily_cap_help',
        min: 1,
        max: 10000,
        default: PACING_DEFAULTS.dailyCap,
      }),
    },

    translations,
  },

  register(ctx) {
    qrRuntime.init(ctx)
    ctx.channels.register(new QrDriver(), { planLimit: 'qr_channels' })
  },

  /** Sockets live where jobs run: `node ace queue:work`, or `node ace serve` in development. */
  ready(ctx) {
    if (ctx.runtime.runsJobs()) {
      qrRuntime.manager().start()
      ctx.logger.info('qr_baileys: this process holds QR sessions')
    }
  },

  /** No database here (it may be closed): leases are not released, they expire. */
  async shutdown() {
    await qrRuntime.reset({ release: false })
  },
})
