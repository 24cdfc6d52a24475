import { MetaApiError } from './errors.js'
import { isBsuid } from './ids.js'

export const SEND_TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'template',
  'reaction',
] as const
export type SendType = (typeof SEND_TYPES)[number]

const MEDIA_TYPES = new Set<string>(['image', 'video', 'audio', 'document', 'sticker'])
const CAPTION_TYPES = new Set<string>(['image', 'video', 'document'])
const INTERACTIVE_TYPES = new Set([
  'button',
  'list',
  'cta_url',
  'flow',
  'product',
  'product_list',
  'catalog_message',
  'location_request_message',
  'address_message',
  'carousel',
  'call_permission_request',
  'voice_call',
])

export type ValidatedSend =
  | {
      kind: 'message'
      type: SendType
      /** The recipient as sent (`to`, or the 2026 `recipient` BSUID). */
      input: string
      /** Digits-only number, or null when the recipient is a BSUID or group. */
      waId: string | null
      bsuid: string | null
      callbackData: string | null
    }
  | { kind: 'read'; messageId: string; typing: boolean }

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Meta counts characters, not UTF-16 units. */
const length = (value: string) => [...value].length

const missing = (param: string) => new MetaApiError(131008, `The parameter ${param} is required.`)
const invalid = (details: string) => new MetaApiError(131009, details)
const tooLong = (param: string, max: number) =>
  new MetaApiError(100, `Param ${param} must be at most ${max} characters long.`)

function requireString(obj: Json, key: string, param: string): string {
  const value = obj[key]
  if (value === undefined || value === null || value === '') throw missing(param)
  if (typeof value !== 'string') throw invalid(`Param ${param} must be a string.`)
  return value
}

function maxLength(obj: Json, key: string, param: string, max: number) {
  const value = obj[key]
  if (value === undefined || value === null) return
  if (typeof value !== 'string') throw invalid(`Param ${param} must be a string.`)
  if (length(value) > max) throw tooLong(param, max)
}

/**
 * Validates a `POST /{phone-number-id}/messages` body the way the Cloud API
 * does, throwing the first `MetaApiError` (100 / 131008 / 131009).
 */
export function validateSend(body: unknown): ValidatedSend {
  if (!isObject(body)) throw new MetaApiError(100, 'The request body must be a JSON object.')

  if (body.messaging_product === undefined) throw missing('messaging_product')
  if (body.messaging_product !== 'whatsapp') {
    throw invalid("Param messaging_product must be 'whatsapp'.")
  }

  // Mark as read / typing indicator.
  if (body.status !== undefined) {
    if (body.status !== 'read') throw invalid("Param status must be 'read'.")
    const messageId = requireString(body, 'message_id', 'message_id')
    const typing = body.typing_indicator
    if (typing !== undefined) {
      if (!isObject(typing) || typing.type !== 'text') {
        throw invalid("Param typing_indicator['type'] must be 'text'.")
      }
    }
    return { kind: 'read', messageId, typing: typing !== undefined }
  }

  const recipientType = body.recipient_type ?? 'individual'
  if (recipientType !== 'individual' && recipientType !== 'group') {
    throw invalid('Param recipient_type must be one of {individual, group}.')
  }

  // `to` wins over the 2026 `recipient` (BSUID) field.
  const rawTo = body.to ?? body.recipient
  if (rawTo === undefined || rawTo === null || rawTo === '') throw missing('to')
  if (typeof rawTo !== 'string') throw invalid('Param to must be a string.')
  let waId: string | null = null
  let bsuid: string | null = null
  if (recipientType === 'individual') {
    if (isBsuid(rawTo)) {
      bsuid = rawTo
    } else {
      const digits = rawTo.replace(/[\s\-().]/g, '').replace(/^\+/, '')
      if (!/^\d{6,15}$/.test(digits)) {
        throw new MetaApiError(100, 'Param to must be a valid phone number.')
      }
      waId = digits
    }
  }

  const type = body.type ?? 'text'
  if (typeof type !== 'string' || !(SEND_TYPES as readonly string[]).includes(type)) {
    throw invalid(`Param type must be one of {${SEND_TYPES.join(', ')}}.`)
  }

  const payload = body[type]
  if (payload === undefined || payload === null) throw missing(type)

  if (type === 'text') validateText(payload)
  else if (MEDIA_TYPES.has(type)) validateMedia(type, payload)
  else if (type === 'location') validateLocation(payload)
  else if (type === 'contacts') validateContacts(payload)
  else if (type === 'interactive') validateInteractive(payload)
  else if (type === 'template') validateTemplate(payload)
  else if (type === 'reaction') validateReaction(payload)

  if (body.context !== undefined) {
    if (!isObject(body.context)) throw invalid('Param context must be an object.')
    requireString(body.context, 'message_id', "context['message_id']")
  }

  const callbackData = body.biz_opaque_callback_data
  if (callbackData !== undefined)
    maxLength(body, 'biz_opaque_callback_data', 'biz_opaque_callback_data', 512)

  return {
    kind: 'message',
    type: type as SendType,
    input: rawTo,
    waId,
    bsuid,
    callbackData: typeof callbackData === 'string' ? callbackData : null,
  }
}

function validateText(text: unknown) {
  if (!isObject(text)) throw invalid("Param text must be an object with a 'body'.")
  requireString(text, 'body', "text['body']")
  maxLength(text, 'body', "text['body']", 4096)
  if (text.preview_url !== undefined && typeof text.preview_url !== 'boolean') {
    throw invalid("Param text['preview_url'] must be a boolean.")
  }
}

function validateMedia(type: string, media: unknown) {
  if (!isObject(media)) throw invalid(`Param ${type} must be an object.`)
  const hasId = media.id !== undefined && media.id !== ''
  const hasLink = media.link !== undefined && media.link !== ''
  if (!hasId && !hasLink) throw missing(`${type}['id'] or ${type}['link']`)
  if (hasId && hasLink) throw invalid(`Param ${type} must have either 'id' or 'link', not both.`)
  if (hasId && typeof media.id !== 'string') throw invalid(`Param ${type}['id'] must be a string.`)
  if (hasLink && (typeof media.link !== 'string' || !/^https?:\/\/\S+$/i.test(media.link))) {
    throw invalid(`Param ${type}['link'] must be a valid http(s) URL.`)
  }
  if (media.caption !== undefined) {
    if (!CAPTION_TYPES.has(type)) throw invalid(`Param ${type}['caption'] is not supported.`)
    maxLength(media, 'caption', `${type}['caption']`, 1024)
  }
  if (type === 'document') maxLength(media, 'filename', "document['filename']", 240)
}

function validateLocation(location: unknown) {
  if (!isObject(location)) throw invalid('Param location must be an object.')
  for (const [key, limit] of [
    ['latitude', 90],
    ['longitude', 180],
  ] as const) {
    const raw = location[key]
    if (raw === undefined || raw === null || raw === '') throw missing(`location['${key}']`)
    const value = Number(raw)
    if (!Number.isFinite(value) || Math.abs(value) > limit) {
      throw invalid(`Param location['${key}'] must be a number between -${limit} and ${limit}.`)
    }
  }
}

function validateContacts(contacts: unknown) {
  if (!Array.isArray(contacts) || contacts.length === 0) {
    throw invalid('Param contacts must be a non-empty array.')
  }
  contacts.forEach((contact, index) => {
    if (!isObject(contact) || !isObject(contact.name)) {
      throw missing(`contacts[${index}]['name']`)
    }
    requireString(contact.name, 'formatted_name', `contacts[${index}]['name']['formatted_name']`)
  })
}

function validateReaction(reaction: unknown) {
  if (!isObject(reaction)) throw invalid('Param reaction must be an object.')
  requireString(reaction, 'message_id', "reaction['message_id']")
  if (reaction.emoji !== undefined && typeof reaction.emoji !== 'string') {
    throw invalid("Param reaction['emoji'] must be a string.")
  }
}

function validateTemplate(template: unknown) {
  if (!isObject(template)) throw invalid('Param template must be an object.')
  requireString(template, 'name', "template['name']")
  if (!isObject(template.language)) throw missing("template['language']")
  requireString(template.language, 'code', "template['language']['code']")
  if (template.components !== undefined && !Array.isArray(template.components)) {
    throw invalid("Param template['components'] must be an array.")
  }
}

function validateInteractive(interactive: unknown) {
  if (!isObject(interactive)) throw invalid('Param interactive must be an object.')
  const kind = requireString(interactive, 'type', "interactive['type']")
  if (!INTERACTIVE_TYPES.has(kind)) {
    throw invalid(
      `Param interactive['type'] must be one of {${[...INTERACTIVE_TYPES].join(', ')}}.`
    )
  }
  const action = interactive.action
  if (kind !== 'location_request_message' || action !== undefined) {
    if (!isObject(action)) throw missing("interactive['action']")
  }
  const needsBody = kind === 'button' || kind === 'list' || kind === 'cta_url'
  if (needsBody) {
    if (!isObject(interactive.body)) throw missing("interactive['body']")
    requireString(interactive.body, 'text', "interactive['body']['text']")
    maxLength(
      interactive.body,
      'text',
      "interactive['body']['text']",
      kind === 'list' ? 4096 : 1024
    )
  }
  if (isObject(interactive.footer)) {
    maxLength(interactive.footer, 'text', "interactive['footer']['text']", 60)
  }
  if (isObject(interactive.header) && interactive.header.type === 'text') {
    maxLength(interactive.header, 'text', "interactive['header']['text']", 60)
  }
  if (kind === 'list' && isObject(interactive.header) && interactive.header.type !== 'text') {
    throw invalid("Param interactive['header']['type'] must be 'text' for list messages.")
  }

  if (kind === 'button') validateButtons(action as Json)
  else if (kind === 'list') validateList(action as Json)
  else if (kind === 'cta_url') {
    const parameters = (action as Json).parameters
    if (!isObject(parameters)) throw missing("interactive['action']['parameters']")
    requireString(parameters, 'display_text', "action['parameters']['display_text']")
    maxLength(parameters, 'display_text', "action['parameters']['display_text']", 20)
    requireString(parameters, 'url', "action['parameters']['url']")
  }
}

function validateButtons(action: Json) {
  const buttons = action.buttons
  if (!Array.isArray(buttons)) throw missing("interactive['action']['buttons']")
  if (buttons.length < 1 || buttons.length > 3) {
    throw invalid(`Buttons count is ${buttons.length}, should be between 1 and 3.`)
  }
  const titles = new Set<string>()
  buttons.forEach((button, index) => {
    const at = `action['buttons'][${index}]`
    if (!isObject(button) || button.type !== 'reply' || !isObject(button.reply)) {
      throw invalid(`Param ${at} must be {type: 'reply', reply: {id, title}}.`)
    }
    requireString(button.reply, 'id', `${at}['reply']['id']`)
    maxLength(button.reply, 'id', `${at}['reply']['id']`, 256)
    const title = requireString(button.reply, 'title', `${at}['reply']['title']`)
    if (length(title) > 20) {
      throw invalid(`Button title length is too long (${length(title)}). Max length is 20.`)
    }
    if (titles.has(title)) throw invalid('Button title must be unique.')
    titles.add(title)
  })
}

function validateList(action: Json) {
  requireString(action, 'button', "interactive['action']['button']")
  maxLength(action, 'button', "interactive['action']['button']", 20)
  const sections = action.sections
  if (!Array.isArray(sections) || sections.length === 0) {
    throw missing("interactive['action']['sections']")
  }
  if (sections.length > 10) throw invalid('Too many sections. Max allowed is 10.')
  let rows = 0
  sections.forEach((section, index) => {
    const at = `action['sections'][${index}]`
    if (!isObject(section) || !Array.isArray(section.rows) || section.rows.length === 0) {
      throw missing(`${at}['rows']`)
    }
    if (sections.length > 1) requireString(section, 'title', `${at}['title']`)
    maxLength(section, 'title', `${at}['title']`, 24)
    section.rows.forEach((row: unknown, rowIndex: number) => {
      const rowAt = `${at}['rows'][${rowIndex}]`
      if (!isObject(row)) throw invalid(`Param ${rowAt} must be an object.`)
      requireString(row, 'id', `${rowAt}['id']`)
      maxLength(row, 'id', `${rowAt}['id']`, 200)
      requireString(row, 'title', `${rowAt}['title']`)
      maxLength(row, 'title', `${rowAt}['title']`, 24)
      maxLength(row, 'description', `${rowAt}['description']`, 72)
    })
    rows += section.rows.length
  })
  if (rows > 10) throw invalid(`Total row count exceed max allowed count: 10 (got ${rows}).`)
}
