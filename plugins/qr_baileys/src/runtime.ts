import type { PluginContext } from '#sdk/index'
import { SessionManager, type ManagerOptions } from './manager.js'
import {
  baileysMediaFetcher,
  baileysSocketFactory,
  type MediaFetcher,
  type SocketFactory,
} from './socket.js'

/**
 * Per-process state of the plugin: its context, the socket factory
 * (tests swap it for a fake) and the session manager. The manager's loops
 * run only where `ctx.runtime.runsJobs()` (workers, and `node ace serve`
 * in development); other processes use it only to relay sends.
 */
let context: PluginContext | null = null
let factory: SocketFactory = baileysSocketFactory
let manager: SessionManager | null = null
let fetcher: MediaFetcher = baileysMediaFetcher

export const qrRuntime = {
  init(ctx: PluginContext) {
    context = ctx
  },
  get ctx(): PluginContext {
    if (!context) throw new Error('qr_baileys is not registered')
    return context
  },
  setSocketFactory(next: SocketFactory | null) {
    factory = next ?? baileysSocketFactory
  },
  get mediaFetcher(): MediaFetcher {
    return fetcher
  },
  setMediaFetcher(next: MediaFetcher | null) {
    fetcher = next ?? baileysMediaFetcher
  },
  manager(options: Partial<ManagerOptions> = {}): SessionManager {
    manager ??= new SessionManager(qrRuntime.ctx, () => factory, options)
    return manager
  },
  /** Stop the loops and sockets of this process (shutdown, tests). */
  async reset(options: { release?: boolean } = {}) {
    await manager?.stop(options)
    manager = null
  },
}
