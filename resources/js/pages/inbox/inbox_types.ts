/**
 * The inbox page's view of the server contract (app/inbox/types.ts).
 */
export type {
  AgentRef,
  ChannelRef,
  ConversationDetail,
  ConversationFilters,
  ConversationListItem,
  ConversationPage,
  InboxCounts,
  InboxPageProps,
  InboxPushItem,
  InboxStatus,
  InboxView,
  TagRef,
  TeamRef,
  ThreadMessage,
  ThreadPage,
} from '../../../../app/inbox/types'

export const PRIORITIES = [0, 1, 2, 3, 4] as const

/** Tailwind classes for a tag colour name (the palette of Settings → Tags). */
export function tagClasses(color: string): string {
  const palette: Record<string, string> = {
    slate: 'bg-slate-100 text-slate-800',
    gray: 'bg-gray-100 text-gray-800',
    red: 'bg-red-100 text-red-800',
    orange: 'bg-orange-100 text-orange-800',
    amber: 'bg-amber-100 text-amber-800',
    yellow: 'bg-yellow-100 text-yellow-800',
    lime: 'bg-lime-100 text-lime-800',
    green: 'bg-green-100 text-green-800',
    emerald: 'bg-emerald-100 text-emerald-800',
    teal: 'bg-teal-100 text-teal-800',
    cyan: 'bg-cyan-100 text-cyan-800',
    sky: 'bg-sky-100 text-sky-800',
    blue: 'bg-blue-100 text-blue-800',
    indigo: 'bg-indigo-100 text-indigo-800',
    violet: 'bg-violet-100 text-violet-800',
    purple: 'bg-purple-100 text-purple-800',
    fuchsia: 'bg-fuchsia-100 text-fuchsia-800',
    pink: 'bg-pink-100 text-pink-800',
    rose: 'bg-rose-100 text-rose-800',
  }
  return palette[color] ?? palette.slate
}

/** Initials for an avatar. */
export function initials(name: string | null | undefined, fallback = '?'): string {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean)
  if (!words.length) return fallback
  return words
    .slice(0, 2)
    .map((word) => word[0]!.toUpperCase())
    .join('')
}
