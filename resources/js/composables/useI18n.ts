import { computed } from 'vue'
import { usePage } from '@inertiajs/vue3'
import type { SharedProps } from '~/types'
import { formatMessage, type MessageParams } from '~/composables/format_message'

/**
 * Translations come from the shared `messages` prop (English merged under
 * the current locale). A missing key renders as the key itself.
 */
export function useI18n() {
  const page = usePage<SharedProps>()
  const locale = computed(() => page.props.locale ?? 'en')
  const direction = computed(() => page.props.direction ?? 'ltr')

  function has(key: string): boolean {
    return typeof page.props.messages?.[key] === 'string'
  }

  function t(key: string, params?: MessageParams): string {
    const message = page.props.messages?.[key]
    if (typeof message !== 'string') return key
    return formatMessage(message, params ?? {}, locale.value)
  }

  /** `t(key)` when the key exists, otherwise the given fallback text. */
  function tOr(key: string, fallback: string, params?: MessageParams): string {
    return has(key) ? t(key, params) : fallback
  }

  function toDate(value: string | Date | null | undefined): Date | null {
    if (!value) return null
    const date = value instanceof Date ? value : new Date(value)
    return Number.isNaN(date.getTime()) ? null : date
  }

  function formatDate(value: string | Date | null | undefined): string {
    const date = toDate(value)
    if (!date) return ''
    return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium' }).format(date)
  }

  function formatDateTime(value: string | Date | null | undefined): string {
    const date = toDate(value)
    if (!date) return ''
    return new Intl.DateTimeFormat(locale.value, {
      dateStyle: 'medium',
      timeStyle: 'short',
    }).format(date)
  }

  function formatNumber(value: number | null | undefined): string {
    if (value === null || value === undefined) return ''
    return new Intl.NumberFormat(locale.value).format(value)
  }

  /** A language's own name ("English", "العربية"). */
  function languageName(code: string): string {
    try {
      return new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code
    } catch {
      return code
    }
  }

  return { t, tOr, has, locale, direction, formatDate, formatDateTime, formatNumber, languageName }
}
