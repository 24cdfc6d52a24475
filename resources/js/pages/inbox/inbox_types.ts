import { tagColorClasses } from '~/composables/tag_colors'

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

/** Tailwind classes of a tag pill (the palette of Settings → Tags). */
export function tagClasses(color: string): string {
  return tagColorClasses(color).pill
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
