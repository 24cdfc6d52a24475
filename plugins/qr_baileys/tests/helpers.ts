import db from '@adonisjs/lucid/services/db'
import { createTestWorkspace, pluginContext, type TestWorkspace } from '#sdk/testing'
import { qrRuntime } from '../src/runtime.js'
import { fakeFactory, waitFor } from './fake_socket.js'

/**
 * Shared set-up for the QR connector specs: a workspace with the plugin
 * active, a QR number created the way the page does it, and a session
 * manager in this process driven tick by tick over a fake socket.
 */
export const TEST_MANAGER = {
  tickMs: 60_000,
  outboxMs: 60_000,
  leaseMs: 30_000,
  backoffBaseMs: 20,
  backoffMaxMs: 100,
}

export async function freshRuntime() {
  await qrRuntime.reset()
  // Numbers of earlier tests stay parked: each test drives its own.
  await db.from('qr_baileys_sessions').update({ desired: 'stop' })
  const fake = fakeFactory()
  qrRuntime.setSocketFactory(fake.factory)
  const manager = qrRuntime.manager(TEST_MANAGER)
  return { fake, manager }
}

export async function qrWorkspace(options: { pacing?: boolean } = {}) {
  const workspace = await createTestWorkspace({ plugins: ['qr_baileys'] })
  const ctx = await pluginContext('qr_baileys')
  if (!options.pacing) await ctx.settings.update(workspace.id, { pacingEnabled: false })
  return workspace
}

/** What POST /p/qr_baileys/numbers does, through HTTP. */
export async function addNumber(client: any, workspace: TestWorkspace, name = 'Shop phone') {
  const response = await client
    .post(`/w/${workspace.slug}/p/qr_baileys/numbers`)
    .loginAs(workspace.owner)
    .withCsrfToken()
    .form({ name })
    .redirects(0)
  const channel = await db
    .from('channels')
    .where('workspace_id', workspace.id)
    .where('driver', 'qr_baileys')
    .where('name', name)
    .first()
  return { response, channel }
}

export function sessionRow(channelId: number) {
  return db.from('qr_baileys_sessions').where('channel_id', channelId).first()
}

export async function openSession(
  fake: ReturnType<typeof fakeFactory>,
  manager: Awaited<ReturnType<typeof freshRuntime>>['manager'],
  channelId: number
) {
  await manager.tick()
  const socket = await waitFor(() => fake.last())
  socket.open()
  await waitFor(
    async () => (await db.from('channels').where('id', channelId).first())?.status === 'connected'
  )
  return socket
}
