/**
 * WhatsApp's inline formatting (*bold*, _italic_, ~strike~, ```mono```)
 * turned into plain segments the preview renders with classes — never
 * HTML, so a template's text cannot inject markup.
 */
export type FormatMark = 'bold' | 'italic' | 'strike' | 'mono'
export type FormatSegment = { text: string; marks: FormatMark[] }

const MARKS: Record<string, FormatMark> = { '*': 'bold', '_': 'italic', '~': 'strike' }
const INLINE = /([*_~])(?=\S)([^\n]*?\S)\1/

function parseInline(text: string, marks: FormatMark[], out: FormatSegment[]) {
  let rest = text
  while (rest.length > 0) {
    const match = INLINE.exec(rest)
    if (!match) {
      out.push({ text: rest, marks })
      return
    }
    if (match.index > 0) out.push({ text: rest.slice(0, match.index), marks })
    const mark = MARKS[match[1]]
    parseInline(match[2], marks.includes(mark) ? marks : [...marks, mark], out)
    rest = rest.slice(match.index + match[0].length)
  }
}

export function formatWhatsApp(text: string): FormatSegment[] {
  const out: FormatSegment[] = []
  const parts = text.split(/(```[\s\S]*?```)/)
  for (const part of parts) {
    if (part.length === 0) continue
    if (part.startsWith('```') && part.endsWith('```') && part.length >= 6) {
      out.push({ text: part.slice(3, -3), marks: ['mono'] })
    } else {
      parseInline(part, [], out)
    }
  }
  return out
}

/** `{{1}}` / `{{first_name}}` occurrences of a text, in order. */
export function variablesOf(text: string | undefined | null): string[] {
  if (!text) return []
  return [...text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((match) => match[1])
}

/** Replaces each variable by its value (or leaves `{{name}}` when none). */
export function fillVariables(text: string, values: Record<string, string | undefined>): string {
  return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (whole, name: string) => {
    const value = values[name]
    return value !== undefined && value !== '' ? value : whole
  })
}

/** The example values a component carries, by variable name. */
export function exampleValues(
  component: { type: string; text?: string; example?: Record<string, unknown> } | undefined
): Record<string, string> {
  const result: Record<string, string> = {}
  if (!component?.example) return result
  const example = component.example
  const key = component.type === 'HEADER' ? 'header_text' : 'body_text'
  const named = example[`${key}_named_params`]
  if (Array.isArray(named)) {
    for (const entry of named as Array<{ param_name?: string; example?: string }>) {
      if (entry?.param_name) result[entry.param_name] = String(entry.example ?? '')
    }
    return result
  }
  let positional = example[key]
  if (Array.isArray(positional) && Array.isArray(positional[0])) positional = positional[0]
  if (Array.isArray(positional)) {
    positional.forEach((value, index) => {
      result[String(index + 1)] = String(value ?? '')
    })
  }
  return result
}

/** Tailwind classes of one formatted segment (preview and thread bubbles). */
export function segmentClass(segment: FormatSegment) {
  return {
    'font-semibold': segment.marks.includes('bold'),
    'italic': segment.marks.includes('italic'),
    'line-through': segment.marks.includes('strike'),
    'font-mono text-[13px]': segment.marks.includes('mono'),
  }
}
