import { DateTime } from 'luxon'
import Channel from '#channels/models/channel'
import MessageTemplate from '#templates/models/message_template'
import { InvalidTemplateException, TemplateException } from '#templates/exceptions'
import { detectParameterFormat, validateTemplate, type TemplateIssue } from '#templates/validation'
import { editOnMeta, managingChannel, submitToMeta } from '#templates/services/meta_templates'
import { broadcastTemplates } from '#templates/services/realtime'
import { normalizeOtpComponents } from '#templates/otp'
import type { TemplateCategory, TemplateComponent } from '#templates/types'

export type TemplateInput = {
  name: string
  language: string
  category: TemplateCategory
  parameterFormat?: 'positional' | 'named'
  components: TemplateComponent[]
  channel?: string | null
  submit?: boolean
}

/**
 * Meta's components as the editor sends them, upper-cased types, empty parts
 * dropped, OTP buttons in Meta's shape (#templates/otp).
 */
function normalizeComponents(components: TemplateComponent[]): TemplateComponent[] {
  return normalizeOtpComponents(
    components
      .map((component) => ({
        ...component,
        type: String(component.type ?? '').toUpperCase() as TemplateComponent['type'],
      }))
      .filter((component) => ['HEADER', 'BODY', 'FOOTER', 'BUTTONS'].includes(component.type))
  )
}

async function channelFor(publicId: string | null | undefined) {
  if (!publicId) return managingChannel()
  const channel = await Channel.findBy('public_id', publicId)
  return managingChannel(channel?.id ?? -1)
}

function check(input: TemplateInput, components: TemplateComponent[]) {
  const parameterFormat = input.parameterFormat ?? detectParameterFormat(components)
  const issues: TemplateIssue[] = validateTemplate({ ...input, parameterFormat, components })
  if (issues.length) throw new InvalidTemplateException(issues)
  return parameterFormat
}

/**
 * Creates a template: always validated against Meta's rules; saved as a
 * DRAFT, or submitted to Meta at once (then PENDING) with `submit`.
 */
export async function createTemplate(input: TemplateInput, userId: number) {
  const components = normalizeComponents(input.components)
  const parameterFormat = check(input, components)
  const channel = await channelFor(input.channel)
  const existing = await MessageTemplate.query()
    .where('waba_id', channel.wabaId!)
    .where('name', input.name)
    .where('language', input.language)
    .first()
  if (existing) {
    throw new InvalidTemplateException([
      {
        component: 'name',
        field: 'name',
        path: 'name',
        code: 'name_taken',
        message: 'Name: a template with this name already exists in this language.',
      },
    ])
  }
  const template = await MessageTemplate.create({
    channelId: channel.id,
    wabaId: channel.wabaId!,
    name: input.name,
    language: input.language,
    category: input.category,
    parameterFormat,
    components,
    status: 'DRAFT',
    approvedEdits: [],
    createdBy: userId,
  })
  if (input.submit) {
    try {
      await submitToMeta(template, channel)
    } catch (error) {
      // Create-and-submit is one step: if Meta refuses, nothing is kept
      // (the editor still holds the form, and a retry must not clash).
      await template.delete()
      throw error
    }
  }
  await broadcastTemplates(template)
  return template
}

/**
 * Updates a template. A DRAFT (or a local copy never accepted by Meta) is
 * rewritten and optionally submitted; a submitted one is edited on Meta
 * under Meta's edit limits (approved: once per 24 h, 10 per 30 days, same
 * category; pending/disabled ones cannot be edited).
 */
export async function updateTemplate(template: MessageTemplate, input: TemplateInput) {
  const components = normalizeComponents(input.components)
  const parameterFormat = check(input, components)
  if (template.status === 'DRAFT' || !template.metaTemplateId) {
    if (input.name !== template.name || input.language !== template.language) {
      const clash = await MessageTemplate.query()
        .where('waba_id', template.wabaId)
        .where('name', input.name)
        .where('language', input.language)
        .whereNot('id', template.id)
        .first()
      if (clash) {
        throw new InvalidTemplateException([
          {
            component: 'name',
            field: 'name',
            path: 'name',
            code: 'name_taken',
            message: 'Name: a template with this name already exists in this language.',
          },
        ])
      }
    }
    template.merge({
      name: input.name,
      language: input.language,
      category: input.category,
      parameterFormat,
      components,
    })
    await template.save()
    if (input.submit) await submitToMeta(template, await managingChannel(template.channelId))
    await broadcastTemplates(template)
    return template
  }
  if (input.name !== template.name || input.language !== template.language) {
    throw new TemplateException(
      'The name and language of a submitted template cannot change; create a new template instead.',
      { code: 'E_TEMPLATE_NAME_LOCKED', status: 422 }
    )
  }
  if (parameterFormat !== template.parameterFormat) {
    throw new TemplateException('The variable style of a submitted template cannot change.', {
      code: 'E_TEMPLATE_FORMAT_LOCKED',
      status: 422,
    })
  }
  const channel = await managingChannel(template.channelId)
  await editOnMeta(template, channel, { components, category: input.category })
  await broadcastTemplates(template)
  return template
}

/** Submits a DRAFT to Meta. */
export async function submitTemplate(template: MessageTemplate) {
  if (template.status !== 'DRAFT') {
    throw new TemplateException(
      'Only drafts are submitted; this template is already with Meta.',
      { code: 'E_TEMPLATE_ALREADY_SUBMITTED', status: 422 },
      { status: template.status }
    )
  }
  check(
    {
      name: template.name,
      language: template.language,
      category: template.category,
      parameterFormat: template.parameterFormat,
      components: template.components,
    },
    template.components
  )
  await submitToMeta(template, await managingChannel(template.channelId))
  template.submittedAt ??= DateTime.utc()
  await broadcastTemplates(template)
  return template
}
