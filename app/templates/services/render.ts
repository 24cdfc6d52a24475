import type { TemplateButton, TemplateCategory, TemplateComponent } from '#templates/types'
import type { VariableMapping } from '#campaigns/types'

/**
 * Template variables, value resolution and Meta send components
 * (reference §2.4, §3.4). One place turns a stored template plus the
 * values of its variables into what Meta expects, and into the text the
 * inbox thread shows, so the composer, the campaign dispatcher and the
 * flows send the same thing.
 *
 * Variable keys: `header.1` / `header.<name>` (text header), `body.1` …
 * / `body.<name>`, `button.<index>` (URL suffix or copy code). A location
 * header adds `header.latitude`, `header.longitude`, `header.name`,
 * `header.address`. An authentication template's OTP button takes the
 * body's code (`body.1`): Meta wants the code twice, the user types it
 * once.
 */

export type TemplateVariable = {
  key: string
  component: 'header' | 'body' | 'button'
  name: string
  buttonIndex?: number
  example: string | null
}

export type ContactValues = {
  /** name, first_name, last_name, phone, email, country, locale, timezone */
  fields: Record<string, string | null>
  /** custom field key → display string */
  custom: Record<string, string | null>
}

export type MessageTemplateLike = {
  name: string
  language: string
  category?: TemplateCategory | string
  parameterFormat: 'positional' | 'named'
  components: TemplateComponent[]
}

/** The contact fields a variable can draw from (`{ source: 'field', key }`). */
export const CONTACT_FIELD_KEYS = [
  'name',
  'first_name',
  'last_name',
  'phone',
  'email',
  'country',
  'locale',
  'timezone',
] as const

/** Values set on a variable by Meta's limits (reference §2.4, §3.3). */
export const VALUE_LIMITS = {
  header: 60,
  body: 1024,
  urlSuffix: 2000,
  couponCode: 20,
  otp: 15,
} as const

const LOCATION_PARTS = ['latitude', 'longitude', 'name', 'address'] as const

const VARIABLE_PATTERN = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function component(t: { components: TemplateComponent[] }, type: TemplateComponent['type']) {
  return (t.components ?? []).find((entry) => entry.type === type)
}

/** Variable names in a text, in order of first appearance, without repeats. */
export function variableNames(text: string | undefined | null): string[] {
  if (!text) return []
  const names: string[] = []
  for (const match of text.matchAll(VARIABLE_PATTERN)) {
    if (!names.includes(match[1])) names.push(match[1])
  }
  return names
}

function sortedNames(names: string[], format: 'positional' | 'named') {
  if (format !== 'positional') return names
  return [...names].sort((a, b) => Number(a) - Number(b))
}

function stringOrNull(value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return null
}

/** The example Meta holds for one variable of a header or body. */
function exampleOf(
  entry: TemplateComponent,
  part: 'header' | 'body',
  name: string,
  format: 'positional' | 'named'
): string | null {
  const example = isRecord(entry.example) ? entry.example : {}
  if (format === 'named') {
    const list = example[`${part}_text_named_params`]
    if (Array.isArray(list)) {
      const found = list.find((item) => isRecord(item) && item.param_name === name)
      if (isRecord(found)) return stringOrNull(found.example)
    }
    return null
  }
  const index = Number(name) - 1
  if (part === 'header') {
    const list = example.header_text
    return Array.isArray(list) ? stringOrNull(list[index]) : null
  }
  const list = example.body_text
  if (!Array.isArray(list)) return null
  // Meta nests the body example (`[["a","b"]]`); accept a flat list too.
  const row = Array.isArray(list[0]) ? (list[0] as unknown[]) : list
  return stringOrNull(row[index])
}

function buttonExample(button: TemplateButton): string | null {
  const example = button.example
  if (Array.isArray(example)) return stringOrNull(example[0])
  return stringOrNull(example)
}

function buttonsOf(t: { components: TemplateComponent[] }): TemplateButton[] {
  return component(t, 'BUTTONS')?.buttons ?? []
}

/** True for a URL button whose address ends with a variable. */
function isDynamicUrl(button: TemplateButton) {
  return button.type === 'URL' && variableNames(button.url).length > 0
}

function isAuthentication(t: { category?: string; components: TemplateComponent[] }) {
  return t.category === 'AUTHENTICATION' || buttonsOf(t).some((button) => button.type === 'OTP')
}

/**
 * Every variable of a template, in send order: header, body, buttons.
 */
export function templateVariables(t: {
  components: TemplateComponent[]
  parameterFormat: 'positional' | 'named'
  category?: string
}): TemplateVariable[] {
  const format = t.parameterFormat === 'named' ? 'named' : 'positional'
  const variables: TemplateVariable[] = []

  const header = component(t, 'HEADER')
  if (header && (header.format ?? 'TEXT') === 'TEXT') {
    for (const name of sortedNames(variableNames(header.text), format)) {
      variables.push({
        key: `header.${name}`,
        component: 'header',
        name,
        example: exampleOf(header, 'header', name, format),
      })
    }
  } else if (header?.format === 'LOCATION') {
    for (const part of LOCATION_PARTS) {
      variables.push({ key: `header.${part}`, component: 'header', name: part, example: null })
    }
  }

  const body = component(t, 'BODY')
  const bodyNames = sortedNames(variableNames(body?.text), format)
  if (bodyNames.length === 0 && isAuthentication(t)) {
    // Authentication bodies are fixed by Meta: "{{1}} is your verification code".
    bodyNames.push('1')
  }
  for (const name of bodyNames) {
    variables.push({
      key: `body.${name}`,
      component: 'body',
      name,
      example: body ? exampleOf(body, 'body', name, format) : null,
    })
  }

  const authentication = isAuthentication(t)
  buttonsOf(t).forEach((button, index) => {
    // An authentication template's OTP / URL button carries the body's code.
    if (authentication && (button.type === 'OTP' || button.type === 'URL')) return
    if (isDynamicUrl(button) || button.type === 'COPY_CODE') {
      variables.push({
        key: `button.${index}`,
        component: 'button',
        name: button.type === 'COPY_CODE' ? 'coupon_code' : 'url',
        buttonIndex: index,
        example: buttonExample(button),
      })
    }
  })
  return variables
}

/**
 * A value Meta accepts in a parameter: no newline or tab, no run of more
 * than 4 spaces (error 132018), trimmed.
 */
export function cleanValue(value: string | null | undefined): string {
  if (value === undefined || value === null) return ''
  return String(value)
    .replace(/[\r\n\t\v\f\u2028\u2029]+/g, ' ')
    .replace(/ {5,}/g, ' ')
    .trim()
}

/**
 * The value of every variable for one contact. An empty value takes the
 * mapping's fallback; still empty, its key is listed in `missing` (the
 * caller decides: skip the recipient, or ask the agent).
 */
export function resolveValues(
  mapping: VariableMapping,
  vars: TemplateVariable[],
  contact: ContactValues
): { values: Record<string, string>; missing: string[] } {
  const values: Record<string, string> = {}
  const missing: string[] = []
  for (const variable of vars) {
    const source = mapping[variable.key]
    let value = ''
    let fallback = ''
    if (source) {
      if (source.source === 'text') {
        value = cleanValue(source.text)
      } else {
        const pool = source.source === 'field' ? contact.fields : contact.custom
        value = cleanValue(pool[source.key])
        fallback = cleanValue(source.fallback)
      }
    }
    if (!value) value = fallback
    if (value) values[variable.key] = value
    else missing.push(variable.key)
  }
  return { values, missing }
}

/** Where a media header's file comes from: an uploaded id or a public link. */
export function headerMediaOf(
  t: { components: TemplateComponent[] },
  values: Record<string, string> = {}
): { id: string } | { link: string } | null {
  const header = component(t, 'HEADER')
  const candidates: unknown[] = [values['header.media']]
  if (header) {
    const example = isRecord(header.example) ? header.example : {}
    candidates.push(header.media_id, header.media_link, header.sample_url, example.header_url)
    if (Array.isArray(example.header_handle)) candidates.push(example.header_handle[0])
  }
  for (const candidate of candidates) {
    const text = stringOrNull(candidate)?.trim()
    if (!text) continue
    if (/^https?:\/\//i.test(text)) return { link: text }
    // A resumable-upload handle ("4::…") is not a media id: skip it.
    if (/^\d+$/.test(text)) return { id: text }
  }
  return null
}

function textParameter(format: 'positional' | 'named', name: string, text: string) {
  return format === 'named' ? { type: 'text', parameter_name: name, text } : { type: 'text', text }
}

/**
 * Meta's `template.components` for a send (reference §2.4). Variables
 * without a value are sent as empty text (Meta answers 132000); callers
 * check `resolveValues(...).missing` first.
 */
export function buildSendComponents(
  t: MessageTemplateLike,
  values: Record<string, string>
): Record<string, unknown>[] {
  const format = t.parameterFormat === 'named' ? 'named' : 'positional'
  const vars = templateVariables(t)
  const value = (key: string) => cleanValue(values[key])
  const result: Record<string, unknown>[] = []

  const header = component(t, 'HEADER')
  const headerFormat = header ? (header.format ?? 'TEXT') : null
  if (headerFormat === 'TEXT') {
    const parameters = vars
      .filter((variable) => variable.component === 'header')
      .map((variable) => textParameter(format, variable.name, value(variable.key)))
    if (parameters.length) result.push({ type: 'header', parameters })
  } else if (headerFormat === 'IMAGE' || headerFormat === 'VIDEO' || headerFormat === 'DOCUMENT') {
    const kind = headerFormat.toLowerCase()
    const media = headerMediaOf(t, values)
    if (media) result.push({ type: 'header', parameters: [{ type: kind, [kind]: media }] })
  } else if (headerFormat === 'LOCATION') {
    const location: Record<string, unknown> = {
      latitude: Number(value('header.latitude')),
      longitude: Number(value('header.longitude')),
    }
    if (value('header.name')) location.name = value('header.name')
    if (value('header.address')) location.address = value('header.address')
    result.push({ type: 'header', parameters: [{ type: 'location', location }] })
  }

  const bodyVars = vars.filter((variable) => variable.component === 'body')
  if (bodyVars.length) {
    result.push({
      type: 'body',
      parameters: bodyVars.map((variable) =>
        textParameter(format, variable.name, value(variable.key))
      ),
    })
  }

  const code = bodyVars.length ? value(bodyVars[0].key) : ''
  buttonsOf(t).forEach((button, index) => {
    const own = value(`button.${index}`)
    if (button.type === 'OTP' || (isAuthentication(t) && button.type === 'URL')) {
      // Authentication: the code again, as the button's URL parameter.
      result.push({
        type: 'button',
        sub_type: 'url',
        index: String(index),
        parameters: [{ type: 'text', text: own || code }],
      })
    } else if (isDynamicUrl(button)) {
      result.push({
        type: 'button',
        sub_type: 'url',
        index: String(index),
        parameters: [{ type: 'text', text: own }],
      })
    } else if (button.type === 'COPY_CODE') {
      result.push({
        type: 'button',
        sub_type: 'copy_code',
        index: String(index),
        parameters: [{ type: 'coupon_code', coupon_code: own }],
      })
    } else if (button.type === 'QUICK_REPLY' && own) {
      // Optional: without a payload Meta echoes the button's text.
      result.push({
        type: 'button',
        sub_type: 'quick_reply',
        index: String(index),
        parameters: [{ type: 'payload', payload: own }],
      })
    }
  })
  return result
}

function fill(text: string, part: 'header' | 'body', values: Record<string, string>) {
  return text.replace(VARIABLE_PATTERN, (whole, name: string) => {
    const value = values[`${part}.${name}`]
    return value === undefined || value === '' ? whole : cleanValue(value)
  })
}

/**
 * The message as the recipient reads it, for the inbox thread and
 * previews. A variable without a value stays `{{name}}`.
 */
export function renderPreviewText(
  t: MessageTemplateLike,
  values: Record<string, string>
): { header: string | null; body: string; footer: string | null } {
  const header = component(t, 'HEADER')
  const body = component(t, 'BODY')
  const footer = component(t, 'FOOTER')
  let headerText: string | null = null
  if (header && (header.format ?? 'TEXT') === 'TEXT' && header.text) {
    headerText = fill(header.text, 'header', values)
  } else if (header?.format === 'LOCATION') {
    headerText = cleanValue(values['header.name']) || null
  }
  let bodyText = body?.text ? fill(body.text, 'body', values) : ''
  if (!bodyText && isAuthentication(t)) {
    bodyText = `${cleanValue(values['body.1']) || '{{1}}'} is your verification code.`
  }
  let footerText = footer?.text ?? null
  if (!footerText && isAuthentication(t) && footer?.code_expiration_minutes) {
    footerText = `This code expires in ${footer.code_expiration_minutes} minutes.`
  }
  return { header: headerText, body: bodyText, footer: footerText }
}

/** The rendered message as one text (thread bubble, notification, search). */
export function renderedMessageText(t: MessageTemplateLike, values: Record<string, string>) {
  const rendered = renderPreviewText(t, values)
  return [rendered.header ? `*${rendered.header}*` : null, rendered.body, rendered.footer]
    .filter((part): part is string => Boolean(part))
    .join('\n\n')
}

/**
 * The values inside Meta send components, keyed like `templateVariables`
 * (the reverse of `buildSendComponents`): lets the inbox show the text of
 * a template sent by any caller (API, flows) that only passes components.
 */
export function valuesFromSendComponents(
  t: MessageTemplateLike,
  components: Record<string, unknown>[] | undefined | null
): Record<string, string> {
  const values: Record<string, string> = {}
  if (!Array.isArray(components)) return values
  const vars = templateVariables(t)
  for (const entry of components) {
    if (!isRecord(entry)) continue
    const type = String(entry.type ?? '').toLowerCase()
    const parameters = Array.isArray(entry.parameters) ? entry.parameters.filter(isRecord) : []
    if (type === 'header' || type === 'body') {
      const ordered = vars.filter((variable) => variable.component === type)
      parameters.forEach((parameter, index) => {
        if (parameter.type === 'text') {
          const name = stringOrNull(parameter.parameter_name)
          const variable = name
            ? ordered.find((candidate) => candidate.name === name)
            : ordered[index]
          const text = stringOrNull(parameter.text)
          if (variable && text !== null) values[variable.key] = text
        } else if (parameter.type === 'location' && isRecord(parameter.location)) {
          for (const part of LOCATION_PARTS) {
            const value = stringOrNull(parameter.location[part])
            if (value !== null) values[`header.${part}`] = value
          }
        } else if (typeof parameter.type === 'string' && isRecord(parameter[parameter.type])) {
          const media = parameter[parameter.type] as Record<string, unknown>
          const source = stringOrNull(media.id) ?? stringOrNull(media.link)
          if (source) values['header.media'] = source
        }
      })
    } else if (type === 'button') {
      const first = parameters[0]
      const text = first
        ? (stringOrNull(first.text) ??
          stringOrNull(first.coupon_code) ??
          stringOrNull(first.payload))
        : null
      if (text !== null) values[`button.${stringOrNull(entry.index) ?? '0'}`] = text
    }
  }
  return values
}
