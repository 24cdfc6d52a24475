import { computed } from 'vue'
import { usePage } from '@inertiajs/vue3'

/**
 * Props shared with every page (see docs/panels-contract.md). The server
 * side types are the source of truth; these mirror the contract.
 */
export type Direction = 'ltr' | 'rtl'
export type ErrorValue = string | string[]

export interface AuthUser {
  id: string
  email: string
  fullName: string
  locale: string
  isSuperAdmin: boolean
  emailVerified: boolean
}

export interface FlashProps {
  success: string | null
  error: string | null
  /** Result of Settings → WhatsApp numbers → "Test connection". */
  connectionTest?: {
    ok: boolean
    status: string
    displayPhoneNumber: string | null
    verifiedName: string | null
    qualityRating: string | null
    error: string | null
  } | null
}

export interface SharedProps {
  [key: string]: unknown
  user: AuthUser | null
  errors: Record<string, ErrorValue>
  flash: FlashProps
  locale: string
  direction: Direction
  supportedLocales: string[]
  messages: Record<string, string>
}

export type WorkspaceStatus = 'active' | 'trial' | 'suspended'

export interface WorkspaceSummary {
  slug: string
  name: string
  status: WorkspaceStatus | string
}

export interface CurrentWorkspace extends WorkspaceSummary {
  plan: string | { id: string; name: string } | null
  trialEndsAt: string | null
}

/** Contributions of the plugins active in the current workspace. */
export interface PluginsSharedProps {
  nav: { plugin: string; label: string; path: string; icon: string | null }[]
  slots: Record<string, { plugin: string; component: string }[]>
  channel: string | null
}

export interface WorkspaceSharedProps extends SharedProps {
  pluginUi?: PluginsSharedProps
  workspace: CurrentWorkspace
  member: { role: string; roleKey: string | null }
  can: Record<string, boolean>
  workspaces: WorkspaceSummary[]
  notifications: { unread: number; latest: NotificationItem[] }
}

export interface NotificationItem {
  id: string
  type: string
  data: Record<string, unknown>
  readAt: string | null
  createdAt: string
}

export interface PaginationMeta {
  currentPage: number
  lastPage: number
  total: number
  perPage: number
}

export interface Paginated<T> {
  data: T[]
  meta: PaginationMeta
}

export interface RoleOption {
  id: string
  name: string
  key: string | null
}

export interface AuditRow {
  id: string | number
  action: string
  actor: { fullName: string; email: string } | null
  workspace: { name: string; slug: string } | null
  targetType: string | null
  targetId: string | null
  before: unknown
  after: unknown
  ip: string | null
  userAgent: string | null
  route: string | null
  createdAt: string
}

export interface AuditFilters {
  action: string | null
  from: string | null
  to: string | null
  workspace?: string | null
}

export interface SelectOption {
  value: string
  label: string
  disabled?: boolean
}

/**
 * Typed access to the shared props. Returns a computed so templates and
 * watchers follow client-side navigation.
 */
export function useSharedProps() {
  const page = usePage<SharedProps>()
  return computed(() => page.props)
}

export function useWorkspaceProps() {
  const page = usePage<WorkspaceSharedProps>()
  return computed(() => page.props)
}

/** First message of a validation error (the server may send a list). */
export function firstError(value: ErrorValue | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined
  if (Array.isArray(value)) return value[0]
  return value
}

declare module '@inertiajs/core' {
  export interface InertiaConfig {
    errorValueType: ErrorValue
  }
}
