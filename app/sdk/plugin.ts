import vine from '@vinejs/vine'
import type { HttpContext } from '@adonisjs/core/http'
import type { Logger } from '@adonisjs/core/logger'
import type { BaseCommand } from '@adonisjs/core/ace'
import type { EventsList } from '@adonisjs/core/types'
import type { SchemaTypes } from '@vinejs/vine/types'
import type {
  DatabaseQueryBuilderContract,
  InsertQueryBuilderContract,
} from '@adonisjs/lucid/types/querybuilder'
import type { ChannelDriver, OutboundContent } from '#sdk/channels'
import type { CatalogSource, PaymentGateway } from '#sdk/ports'

/*
|--------------------------------------------------------------------------
| The plugin manifest: `plugins/<id>/plugin.ts` default-exports
| `definePlugin({...})`. Everything here is part of the SDK's public API
| (see docs/plugins.md for the reference and the versioning policy).
|--------------------------------------------------------------------------
*/

/** Lower-case letters, digits and underscores, starting with a letter. */
export const PLUGIN_ID_PATTERN = /^[a-z][a-z0-9_]{1,39}$/

/** Where core pages render plugin components (`<PluginSlot name="...">`). */
export const UI_SLOTS = [
  'workspace.sidebar',
  'dashboard.widgets',
  'settings.channels',
  'admin.workspace',
] as const
export type UiSlotName = (typeof UI_SLOTS)[number]

/** Core events a plugin can listen to (the application's EventsList). */
export type CoreEventName = keyof EventsList & string
export type CoreEventPayload<E extends CoreEventName> = EventsList[E]

export type PluginListener<E extends CoreEventName> = (
  payload: CoreEventPayload<E>,
  ctx: PluginContext
) => void | Promise<void>

export type PluginListeners = { [E in CoreEventName]?: PluginListener<E> }

/*
| Outbound filters
*/
export type OutboundDraft = {
  workspaceId: number
  conversationId: number
  channelId: number
  content: OutboundContent
}

/**
 * Return nothing to let the message through unchanged, `{ content }` to
 * replace what is sent, or `{ cancel: 'reason' }` to refuse it.
 */
export type OutboundFilterResult =
  void | undefined | { content: OutboundContent } | { cancel: string }

export type OutboundFilter = (
  draft: OutboundDraft,
  ctx: PluginContext
) => OutboundFilterResult | Promise<OutboundFilterResult>

/*
| Settings schema: each field is a VineJS rule plus what the automatic
| form needs to render it. Secret fields are encrypted at rest and never
| sent back to the browser.
*/
export type SettingKind = 'string' | 'text' | 'secret' | 'number' | 'boolean' | 'select'

export type SettingField<Value = unknown> = {
  kind: SettingKind
  /** Translation key (or plain text) shown as the field's label. */
  label: string
  help?: string
  required: boolean
  default?: Value
  options?: { value: string; label: string }[]
  /** The VineJS rule the submitted value must pass. */
  rule: SchemaTypes
  /** Type carrier only. */
  readonly __value?: Value
}

export type SettingsSchema = Record<string, SettingField>

export type InferSettings<S extends SettingsSchema> = {
  [K in keyof S]: S[K] extends SettingField<infer V> ? V | null : never
}

type FieldOptions<V> = { label: string; help?: string; required?: boolean; default?: V }

function field<V>(
  kind: SettingKind,
  options: FieldOptions<V>,
  rule: SchemaTypes,
  extra: Partial<SettingField<V>> = {}
): SettingField<V> {
  return {
    kind,
    label: options.label,
    help: options.help,
    required: options.required ?? false,
    default: options.default,
    rule,
    ...extra,
  }
}

export const setting = {
  string(options: FieldOptions<string> & { maxLength?: number; rule?: SchemaTypes }) {
    return field<string>(
      'string',
      options,
      options.rule ??
        vine
          .string()
          .trim()
          .maxLength(options.maxLength ?? 255)
    )
  },
  text(options: FieldOptions<string> & { maxLength?: number }) {
    return field<string>(
      'text',
      options,
      vine
        .string()
        .trim()
        .maxLength(options.maxLength ?? 5000)
    )
  },
  secret(options: Omit<FieldOptions<string>, 'default'> & { maxLength?: number }) {
    return field<string>(
      'secret',
      options,
      vine
        .string()
        .trim()
        .maxLength(options.maxLength ?? 2000)
    )
  },
  number(options: FieldOptions<number> & { min?: number; max?: number }) {
    let rule = vine.number()
    if (options.min !== undefined) rule = rule.min(options.min)
    if (options.max !== undefined) rule = rule.max(options.max)
    return field<number>('number', options, rule)
  },
  boolean(options: FieldOptions<boolean>) {
    return field<boolean>('boolean', { ...options, required: false }, vine.boolean())
  },
  select<const V extends string>(
    options: FieldOptions<V> & { options: { value: V; label: string }[] }
  ) {
    return field<V>('select', options, vine.enum(options.options.map((option) => option.value)), {
      options: options.options,
    })
  },
}

/*
| Routes
*/
export type PluginRouteHandler = (http: HttpContext, ctx: PluginContext) => unknown

export interface PluginRouter {
  get(path: string, handler: PluginRouteHandler): void
  post(path: string, handler: PluginRouteHandler): void
  put(path: string, handler: PluginRouteHandler): void
  patch(path: string, handler: PluginRouteHandler): void
  delete(path: string, handler: PluginRouteHandler): void
  /**
   * An Inertia page from `plugins/<id>/ui/pages/<page>.vue`, rendered as
   * component `plugins/<id>/<page>`.
   */
  page(
    path: string,
    page: string,
    props?: (
      http: HttpContext,
      ctx: PluginContext
    ) => Record<string, unknown> | Promise<Record<string, unknown>>
  ): void
}

export type PluginNavItem = {
  /** Translation key (or plain text). */
  label: string
  /** Below `/w/:workspace/p/<id>`; '' is the plugin's home. */
  path: string
  icon?: string
}

/*
| The context: the only door from a plugin into core.
*/
export type IngestInput = {
  workspaceId: number
  channelId: number
  message: {
    providerMessageId: string
    from: {
      waId?: string | null
      bsuid?: string | null
      /**
       * WhatsApp's LID (privacy id, the user part of `<id>@lid`), stored in
       * `contacts.lid` and matched after the BSUID, before the wa_id (SDK 1.2).
       */
      lid?: string | null
      profileName?: string | null
    }
    /** WhatsApp message type: text, image, audio, location, ... */
    type: string
    body?: string | null
    /** Unix seconds. */
    timestamp?: number | null
    replyTo?: string | null
    payload?: Record<string, unknown>
    media?: {
      id: string
      mimeType?: string | null
      sha256?: string | null
      filename?: string | null
    } | null
  }
}

export type IngestResult = {
  created: boolean
  messageId: number
  conversationId: number
}

export type ContactInput = {
  workspaceId: number
  waId?: string | null
  bsuid?: string | null
  /** WhatsApp's LID (`contacts.lid`, SDK 1.2). */
  lid?: string | null
  phone?: string | null
  name?: string | null
  profileName?: string | null
}

export type ContactRef = { id: number; publicId: string; created: boolean }

export type PluginChannel = {
  id: number
  publicId: string
  workspaceId: number
  name: string
  driver: string
  status: 'connected' | 'degraded' | 'disconnected'
}

/** What `ctx.channels.create` needs; the host adds tenancy, quotas and keys. */
export type PluginChannelInput = {
  workspaceId: number
  /** A driver this plugin registered. */
  driver: string
  name: string
  displayPhoneNumber?: string | null
  /** Stored in the channel's settings; handed back to the driver as `credentials.extra`. */
  settings?: Record<string, unknown>
  status?: PluginChannel['status']
}

/**
 * Plan limits a plugin's channel driver may count against, besides the
 * `channels` limit every channel counts against.
 */
export type PluginChannelLimit = 'qr_channels'

/** Which kind of process this is (see docs/plugins.md, "Lifecycle hooks"). */
export type PluginProcessRole = 'web' | 'worker' | 'console' | 'test'

export type Broadcastable =
  { [key: string]: Broadcastable } | string | number | boolean | null | Broadcastable[]

export interface PluginDatabase {
  /** SELECT/UPDATE/DELETE on one of the plugin's own tables (`<id>_...`). */
  from(table: string): DatabaseQueryBuilderContract
  /** INSERT into one of the plugin's own tables. */
  table(table: string): InsertQueryBuilderContract
  /**
   * `from(table)` filtered by the current tenant (`workspace_id`); throws
   * when no tenant context is open.
   */
  tenant(table: string): DatabaseQueryBuilderContract
  transaction<T>(callback: (db: PluginDatabase) => Promise<T>): Promise<T>
}

export interface PluginContext {
  readonly plugin: { id: string; name: string; version: string }
  readonly sdkVersion: string
  /** Child logger; every line carries `plugin: <id>`. */
  readonly logger: Logger
  readonly encryption: {
    encrypt(value: unknown, purpose?: string): string
    decrypt<T = unknown>(value: string, purpose?: string): T | null
  }
  readonly events: {
    /** Listen to a core event; runs only for workspaces where the plugin is active. */
    on<E extends CoreEventName>(event: E, listener: PluginListener<E>): void
    /** Emit the plugin's own event, named `<id>:<name>`. */
    emit(name: string, payload: Record<string, unknown>): Promise<void>
  }
  readonly settings: {
    /** The workspace's settings, secrets decrypted, defaults applied. */
    get<T = Record<string, unknown>>(workspaceId: number): Promise<T>
    /** Validate and store (secrets encrypted). Throws on invalid values. */
    update(workspaceId: number, values: Record<string, unknown>): Promise<void>
  }
  readonly inbox: {
    /** Record one inbound message exactly once (dedup on providerMessageId). */
    ingest(input: IngestInput): Promise<IngestResult>
  }
  readonly contacts: {
    upsert(input: ContactInput): Promise<ContactRef>
  }
  readonly storage: {
    /**
     * Files of the plugin on the application's drive disk (local `storage/`
     * or S3), under `plugins/<id>/`: shared by every process, survives
     * restarts. `path` is relative ("uploads/ab12.bin"); no `..` (SDK 1.2).
     */
    put(path: string, bytes: Uint8Array): Promise<void>
    /** The file's bytes, or null when it does not exist. */
    get(path: string): Promise<Uint8Array | null>
    /** Deleting a missing file is not an error. */
    delete(path: string): Promise<void>
  }
  readonly realtime: {
    /** Push to Transmit channel `workspaces/<workspace public id>/<path>`. */
    broadcast(workspaceId: number, path: string, payload: Broadcastable): Promise<void>
  }
  readonly db: PluginDatabase
  readonly channels: {
    /**
     * Adds a channel driver (name unique). `planLimit` makes the driver's
     * channels count against that plan limit too (SDK 1.1).
     */
    register(driver: ChannelDriver, options?: { planLimit?: PluginChannelLimit }): void
    /**
     * Create a channel row in a workspace for one of this plugin's drivers:
     * tenancy, the plan's `channels` limit (and the driver's `planLimit`),
     * webhook key and audit are the host's. Throws E_PLAN_LIMIT_REACHED (SDK 1.1).
     */
    create(input: PluginChannelInput): Promise<PluginChannel>
    /** One channel of the workspace by public id, or null (SDK 1.1). */
    find(workspaceId: number, publicId: string): Promise<PluginChannel | null>
    /** Channels of every workspace using `driver` (audited cross-tenant read). */
    list(driver: string): Promise<PluginChannel[]>
    setStatus(
      workspaceId: number,
      channelId: number,
      status: PluginChannel['status'],
      error?: string | null
    ): Promise<void>
  }
  readonly notifications: {
    /**
     * An in-app notification for every owner and admin of the workspace.
     * `type` is a translation key of the plugin (`plugins.<id>.…`), shown
     * with `data` as its parameters. With `onceWithinHours`, a notification
     * of the same type and `data.key` is not repeated within that window
     * (SDK 1.1).
     */
    notifyAdmins(
      workspaceId: number,
      notification: {
        type: string
        data?: Record<string, string | number | boolean | null>
        onceWithinHours?: number
      }
    ): Promise<void>
  }
  readonly locks: {
    /**
     * Take or renew a lease named `key` (namespaced by the plugin id) for
     * `owner` during `ttlMs`. True when `owner` holds it afterwards. Redis
     * (SET NX PX) when REDIS_HOST is configured, a database row otherwise
     * (SDK 1.1).
     */
    acquire(key: string, owner: string, ttlMs: number): Promise<boolean>
    /** Give the lease up if `owner` holds it. */
    release(key: string, owner: string): Promise<void>
  }
  readonly runtime: {
    /** web (HTTP server), worker (`node ace queue:work`), console (other ace commands), test. */
    readonly role: PluginProcessRole
    /**
     * True in processes that consume jobs: `node ace queue:work`, and
     * `node ace serve` in development (in-process worker). Long-lived
     * connections belong here (SDK 1.1).
     */
    runsJobs(): boolean
  }
  readonly payments: { register(gateway: PaymentGateway): void }
  readonly catalogs: { register(source: CatalogSource): void }
  readonly outbound: { filter(filter: OutboundFilter): void }
  readonly workspaces: {
    /** Enabled on the platform and activated by this workspace. */
    isActive(workspaceId: number): Promise<boolean>
    /** Workspaces where the plugin is active. */
    activeIds(): Promise<number[]>
  }
  readonly tenant: {
    /** Run `callback` as workspace `workspaceId` (scoped queries, ctx.db.tenant). */
    run<T>(workspaceId: number, callback: () => Promise<T>): Promise<T>
    /** The current workspace id, or null outside a tenant context. */
    current(): number | null
  }
}

export type PluginHook = (ctx: PluginContext) => void | Promise<void>

export type PluginContributions = {
  /** Channel drivers; drivers that need the context register in `register(ctx)`. */
  channelDrivers?: ChannelDriver[]
  paymentGateways?: PaymentGateway[]
  catalogSources?: CatalogSource[]
  /** Tenant routes under `/w/:workspace/p/<id>` (members, plugin active). */
  routes?: (router: PluginRouter) => void
  /** Public routes under `/hooks/<id>` (no session; verify signatures yourself). */
  webhooks?: (router: PluginRouter) => void
  navigation?: PluginNavItem[]
  /** Slot name → component file name in `plugins/<id>/ui/slots/` (without .vue). */
  slots?: Partial<Record<UiSlotName, string>>
  settings?: SettingsSchema
  listeners?: PluginListeners
  outboundFilters?: OutboundFilter[]
  /** Ace commands (lazy imports of BaseCommand subclasses). */
  commands?: (() => Promise<{ default: typeof BaseCommand }>)[]
  /**
   * Per locale; keys are relative, exposed as `plugins.<id>.<key>`.
   */
  translations?: Record<string, Record<string, string>>
  /**
   * The plan feature that allows activating the plugin. Defaults to
   * `plugin:<id>`, which the super admin grants per plan in Admin → Plugins.
   */
  feature?: string
}

export type PluginDefinition = {
  id: string
  name: string
  version: string
  description?: string
  /** Semver range of the SDK version this plugin works with, e.g. '^1.0.0'. */
  host: string
  dependsOn?: string[]
  contributes?: PluginContributions
  /** Register ports and listeners. No I/O. */
  register?: PluginHook
  /** After every plugin registered, before HTTP starts. */
  boot?: PluginHook
  /** The application is ready (HTTP server listening / command running). */
  ready?: PluginHook
  /** Graceful shutdown; close sockets and timers. */
  shutdown?: PluginHook
}

/**
 * Declare a plugin. Returns the definition unchanged (typed); the loader
 * validates it.
 */
export function definePlugin<const D extends PluginDefinition>(definition: D): D {
  return definition
}
