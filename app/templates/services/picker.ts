import { Exception } from '@adonisjs/core/exceptions'
import type { HttpContext } from '@adonisjs/core/http'
import Channel from '#channels/models/channel'
import type Conversation from '#inbox/models/conversation'
import type Message from '#inbox/models/message'
import MessageTemplate from '#templates/models/message_template'
import type { TemplateCategory, TemplateComponent } from '#templates/types'
import { sendMessage } from '#inbox/actions/send_message'
import { assertApproved, TemplateNotApprovedException } from '#templates/services/guard'
import { contactValuesFor } from '#templates/services/contact_values'
import {
  buildSendComponents,
  cleanValue,
  headerMediaOf,
  renderPreviewText,
  templateVariables,
  VALUE_LIMITS,
  type ContactValues,
  type TemplateVariable,
} from '#templates/services/render'

/**
 * The inbox template picker: the APPROVED templates of a conversation's
 * channel WABA with every variable pre-filled from the contact, and the
 * send of one of them with the agent's (edited) values. The way to write
 * once the 24-hour window has closed.
 */

export const PICKER_PAGE_SIZE = 20

export type PickerVariable = {
  key: string
  component: 'header' | 'body' | 'button'
  name: string
  example: string | null
  /** Pre-filled value: the contact's field or custom field of that name, else the example. */
  value: string
  source: 'contact' | 'custom' | 'example' | null
  maxLength: number
}

export type PickerTemplate = {
  id: string
  name: string
  language: string
  category: TemplateCategory
  parameterFormat: 'positional' | 'named'
  components: TemplateComponent[]
  variables: PickerVariable[]
}

export type PickerPage = {
  items: PickerTemplate[]
  page: number
  lastPage: number
  total: number
}

type ValueError = { field: string; rule: string; params: Record<string, string | number> }

/**
 * Values the agent typed that Meta would refuse: 422 `{ errors: [{ field,
 * rule, message }] }` where `field` is the variable key (`body.1`).
 */
export class TemplateValuesInvalidException extends Exception {
  static status = 422
  static code = 'E_TEMPLATE_VALUES_INVALID'

  constructor(public errors: ValueError[]) {
    super(`Some template values are invalid: ${errors.map((error) => error.field).join(', ')}`)
  }

  async handle(error: this, ctx: HttpContext) {
    const english: Record<string, string> = {
      required: 'Fill in this value.',
      max: 'At most {max} characters.',
      alphanumeric: 'Letters and digits only.',
      number: 'A number between -{max} and {max}.',
      link: 'A link starting with https:// or an uploaded media id.',
    }
    const errors = error.errors.map((entry) => ({
      field: entry.field,
      rule: entry.rule,
      message: ctx.i18n
        ? ctx.i18n.t(`picker.values.${entry.rule}`, entry.params, english[entry.rule])
        : english[entry.rule],
    }))
    return ctx.response.status(422).send({ errors })
  }
}

function escapeLike(value: string) {
  return value.replace(/[!%_]/g, (character) => `!${character}`)
}

function maxLengthOf(template: MessageTemplate, variable: TemplateVariable): number {
  if (variable.component === 'header') return VALUE_LIMITS.header
  if (variable.component === 'button') {
    return variable.name === 'coupon_code' ? VALUE_LIMITS.couponCode : VALUE_LIMITS.urlSuffix
  }
  if (template.category === 'AUTHENTICATION') return VALUE_LIMITS.otp
  return VALUE_LIMITS.body
}

function headerFormat(template: MessageTemplate) {
  const header = template.components.find((component) => component.type === 'HEADER')
  return header ? (header.format ?? 'TEXT') : null
}

/** The inputs of a template: its variables, plus the media of a media header. */
function inputsOf(template: MessageTemplate): TemplateVariable[] {
  const variables = templateVariables(template)
  const format = headerFormat(template)
  if (format === 'IMAGE' || format === 'VIDEO' || format === 'DOCUMENT') {
    const media = headerMediaOf(template)
    const example = media ? ('link' in media ? media.link : media.id) : null
    variables.unshift({ key: 'header.media', component: 'header', name: 'media', example })
  }
  return variables
}

function prefill(
  template: MessageTemplate,
  variable: TemplateVariable,
  contact: ContactValues | undefined
): Pick<PickerVariable, 'value' | 'source'> {
  const fromContact =
    contact && variable.component !== 'button' && headerFormat(template) !== 'LOCATION'
  if (fromContact && variable.key !== 'header.media') {
    const name = variable.name.toLowerCase()
    const field = cleanValue(contact.fields[name])
    if (field) return { value: field, source: 'contact' }
    const custom = cleanValue(contact.custom[name])
    if (custom) return { value: custom, source: 'custom' }
  }
  const example = cleanValue(variable.example)
  return example ? { value: example, source: 'example' } : { value: '', source: null }
}

function toPickerTemplate(
  template: MessageTemplate,
  contact: ContactValues | undefined
): PickerTemplate {
  return {
    id: template.publicId,
    name: template.name,
    language: template.language,
    category: template.category,
    parameterFormat: template.parameterFormat,
    components: template.components,
    variables: inputsOf(template).map((variable) => ({
      key: variable.key,
      component: variable.component,
      name: variable.name,
      example: variable.example,
      maxLength: variable.key === 'header.media' ? 2000 : maxLengthOf(template, variable),
      ...prefill(template, variable, contact),
    })),
  }
}

async function wabaOf(conversation: Conversation) {
  const channel = await Channel.find(conversation.channelId)
  return channel?.wabaId ?? null
}

/** One page of the approved templates a conversation can be sent, searched by name or text. */
export async function listPickerTemplates(input: {
  conversation: Conversation
  q?: string | null
  page?: number
}): Promise<PickerPage> {
  const page = Math.max(1, Math.floor(input.page ?? 1))
  const wabaId = await wabaOf(input.conversation)
  if (!wabaId) return { items: [], page: 1, lastPage: 1, total: 0 }
  const query = MessageTemplate.query()
    .where('waba_id', wabaId)
    .where('status', 'APPROVED')
    .orderBy('name', 'asc')
    .orderBy('language', 'asc')
  const q = input.q?.trim().toLowerCase()
  if (q) {
    const pattern = `%${escapeLike(q)}%`
    query.where((inner) => {
      inner
        .whereRaw(`LOWER(name) LIKE ? ESCAPE '!'`, [pattern])
        .orWhereRaw(`LOWER(components) LIKE ? ESCAPE '!'`, [pattern])
    })
  }
  const result = await query.paginate(page, PICKER_PAGE_SIZE)
  const contacts = await contactValuesFor([input.conversation.contactId])
  const contact = contacts.get(input.conversation.contactId)
  return {
    items: result.all().map((template) => toPickerTemplate(template, contact)),
    page: result.currentPage,
    lastPage: Math.max(1, result.lastPage),
    total: Number(result.total),
  }
}

/** Checks the agent's values against Meta's limits; returns them cleaned. */
function checkValues(template: MessageTemplate, raw: Record<string, string>) {
  const errors: ValueError[] = []
  const values: Record<string, string> = {}
  for (const variable of inputsOf(template)) {
    const value = cleanValue(raw[variable.key])
    if (!value) {
      errors.push({ field: variable.key, rule: 'required', params: {} })
      continue
    }
    values[variable.key] = value
    const max = variable.key === 'header.media' ? 2000 : maxLengthOf(template, variable)
    if ([...value].length > max) {
      errors.push({ field: variable.key, rule: 'max', params: { max } })
    } else if (variable.name === 'coupon_code' && !/^[A-Za-z0-9]+$/.test(value)) {
      errors.push({ field: variable.key, rule: 'alphanumeric', params: {} })
    } else if (
      headerFormat(template) === 'LOCATION' &&
      (variable.name === 'latitude' || variable.name === 'longitude')
    ) {
      const limit = variable.name === 'latitude' ? 90 : 180
      const number = Number(value)
      if (!Number.isFinite(number) || Math.abs(number) > limit) {
        errors.push({ field: variable.key, rule: 'number', params: { max: limit } })
      }
    } else if (
      variable.key === 'header.media' &&
      !/^https:\/\/\S+$/i.test(value) &&
      !/^\d+$/.test(value)
    ) {
      errors.push({ field: variable.key, rule: 'link', params: {} })
    }
  }
  if (!errors.length) {
    // Meta counts the filled-in text (132005): header 60, body 1024.
    const rendered = renderPreviewText(template, values)
    if (rendered.header && [...rendered.header].length > VALUE_LIMITS.header) {
      const key = templateVariables(template).find((entry) => entry.component === 'header')?.key
      errors.push({ field: key ?? 'header', rule: 'max', params: { max: VALUE_LIMITS.header } })
    }
    if ([...rendered.body].length > VALUE_LIMITS.body) {
      const key = templateVariables(template).find((entry) => entry.component === 'body')?.key
      errors.push({ field: key ?? 'body', rule: 'max', params: { max: VALUE_LIMITS.body } })
    }
  }
  if (errors.length) throw new TemplateValuesInvalidException(errors)
  return values
}

/**
 * Sends an approved template of the conversation's WABA with the agent's
 * values through `sendMessage` (which checks the status again and stores
 * the filled-in text as the message body).
 */
export async function sendPickedTemplate(input: {
  conversation: Conversation
  template: string
  values: Record<string, string>
  sentById: number | null
}): Promise<Message> {
  const template = await MessageTemplate.query().where('public_id', input.template).firstOrFail()
  const wabaId = await wabaOf(input.conversation)
  if (!wabaId || template.wabaId !== wabaId) {
    throw new TemplateNotApprovedException('unknown', {
      name: template.name,
      language: template.language,
      status: null,
      until: null,
      detail: null,
    })
  }
  assertApproved(template)
  const values = checkValues(template, input.values)
  return sendMessage({
    conversation: input.conversation,
    content: {
      type: 'template',
      name: template.name,
      language: template.language,
      components: buildSendComponents(template, values),
    },
    sentById: input.sentById,
  })
}
