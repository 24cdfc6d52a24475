/**
 * A small subset of ICU MessageFormat, enough for the panels:
 *   {name}                                   simple placeholder
 *   {count, plural, =0 {…} one {# item} other {# items}}
 *   {kind, select, a {…} other {…}}
 * The server formats the same strings with the full ICU formatter.
 */
export type MessageParams = Record<string, string | number | null | undefined>

function matchingBrace(source: string, open: number): number {
  let depth = 0
  for (let index = open; index < source.length; index++) {
    const char = source[index]
    if (char === '{') depth++
    else if (char === '}') {
      depth--
      if (depth === 0) return index
    }
  }
  return -1
}

function formatNumber(value: number, locale: string): string {
  try {
    return new Intl.NumberFormat(locale).format(value)
  } catch {
    return String(value)
  }
}

function pluralCategory(value: number, locale: string, ordinal: boolean): string {
  try {
    return new Intl.PluralRules(locale, { type: ordinal ? 'ordinal' : 'cardinal' }).select(value)
  } catch {
    return value === 1 ? 'one' : 'other'
  }
}

/** Parses `sel {message} sel {message}` into a map. */
function parseOptions(source: string): Map<string, string> {
  const options = new Map<string, string>()
  let index = 0
  while (index < source.length) {
    while (index < source.length && /\s/.test(source[index])) index++
    if (index >= source.length) break
    let selector = ''
    while (index < source.length && !/[\s{]/.test(source[index])) selector += source[index++]
    while (index < source.length && /\s/.test(source[index])) index++
    if (source[index] !== '{') break
    const close = matchingBrace(source, index)
    if (close === -1) break
    options.set(selector, source.slice(index + 1, close))
    index = close + 1
  }
  return options
}

/** Replaces `#` that are not inside a nested argument. */
function replaceHash(source: string, replacement: string): string {
  let depth = 0
  let result = ''
  for (const char of source) {
    if (char === '{') depth++
    if (char === '}') depth--
    result += char === '#' && depth === 0 ? replacement : char
  }
  return result
}

function formatArgument(body: string, params: MessageParams, locale: string): string {
  const match = /^\s*([\w.-]+)\s*(?:,\s*(plural|selectordinal|select)\s*,([\s\S]*))?$/.exec(body)
  if (!match) return `{${body}}`
  const [, name, kind, rest] = match
  const value = params[name]

  if (!kind) {
    if (value === undefined || value === null) return `{${name}}`
    return typeof value === 'number' ? formatNumber(value, locale) : String(value)
  }

  const options = parseOptions(rest ?? '')
  if (kind === 'select') {
    const chosen = options.get(String(value)) ?? options.get('other')
    return chosen === undefined ? '' : formatMessage(chosen, params, locale)
  }

  const count = Number(value ?? 0)
  const chosen =
    options.get(`=${count}`) ??
    options.get(pluralCategory(count, locale, kind === 'selectordinal')) ??
    options.get('other')
  if (chosen === undefined) return ''
  return formatMessage(replaceHash(chosen, formatNumber(count, locale)), params, locale)
}

export function formatMessage(message: string, params: MessageParams, locale: string): string {
  if (!message.includes('{')) return message
  let result = ''
  let index = 0
  while (index < message.length) {
    const char = message[index]
    if (char !== '{') {
      result += char
      index++
      continue
    }
    const close = matchingBrace(message, index)
    if (close === -1) {
      result += message.slice(index)
      break
    }
    result += formatArgument(message.slice(index + 1, close), params, locale)
    index = close + 1
  }
  return result
}
