import { DateTime } from 'luxon'
import type { HttpContext } from '@adonisjs/core/http'
import Contact from '#contacts/models/contact'
import { contactValuesFor } from '#templates/services/contact_values'
import { renderPreviewText, resolveValues, templateVariables } from '#templates/services/render'
import Campaign from '#campaigns/models/campaign'
import { pauseCampaign, resumeCampaign, campaignProgress } from '#campaigns/dispatch/control'
import { saveCampaign, EDITABLE } from '#campaigns/actions/save_campaign'
import {
  approveCampaign,
  cancelCampaign,
  isApprover,
  rejectCampaign,
  requestSend,
} from '#campaigns/actions/send_campaign'
import { readListInput, uploadList } from '#campaigns/actions/upload_list'
import { CampaignStateException, campaignFieldErrors } from '#campaigns/exceptions'
import { audienceBreakdown } from '#campaigns/services/audience'
import { categoryOf, variantsOf } from '#campaigns/services/content'
import { campaignSettings, saveCampaignSettings } from '#campaigns/services/settings'
import { recipientsCsv } from '#campaigns/services/export_recipients'
import {
  LIST_STATUSES,
  calendarMonth,
  campaignForm,
  campaignReport,
  listCampaigns,
  wizardCatalog,
} from '#campaigns/queries/campaign_views'
import {
  calendarValidator,
  campaignValidator,
  listUploadValidator,
  previewValidator,
  rejectValidator,
  settingsValidator,
} from '#campaigns/validators/campaign'

function wantsJson(request: HttpContext['request']) {
  return !request.header('x-inertia') && request.accepts(['html', 'json']) === 'json'
}

/**
 * Campaigns (issue 7 §2): list, wizard (draft CRUD, audience breakdown,
 * uploaded list, per-contact preview), send / approve / reject, pause /
 * resume / cancel, report with CSV export, calendar, settings.
 */
export default class CampaignsController {
  async index({ inertia, bouncer, request }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.view')
    const filters = {
      status: String(request.input('status', '') || ''),
      q: String(request.input('q', '') || '').slice(0, 100),
      page: Number(request.input('page', 1)) || 1,
    }
    const { rows, meta } = await listCampaigns(filters)
    return inertia.render('campaigns/index', {
      campaigns: rows,
      meta,
      filters,
      statuses: LIST_STATUSES,
      canSend: await bouncer.allows('permit', 'campaigns.send'),
    })
  }

  async create({ inertia, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    return inertia.render('campaigns/edit', await this.editProps(null))
  }

  async store({ request, response, bouncer, auth, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const payload = await request.validateUsing(campaignValidator)
    const campaign = await saveCampaign(null, payload, auth.user!.id)
    if (wantsJson(request)) return response.created(await campaignForm(campaign))
    return response.redirect(`/w/${workspace.slug}/campaigns/${campaign.publicId}/edit`)
  }

  async edit({ inertia, bouncer, params, response, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    if (!EDITABLE.includes(campaign.status)) {
      return response.redirect(`/w/${workspace.slug}/campaigns/${campaign.publicId}`)
    }
    return inertia.render('campaigns/edit', await this.editProps(campaign))
  }

  async update({ request, bouncer, auth, params }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    const payload = await request.validateUsing(campaignValidator)
    await saveCampaign(campaign, payload, auth.user!.id)
    return campaignForm(campaign)
  }

  async destroy({ request, response, bouncer, params, workspace, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    if (!['draft', 'cancelled', 'failed'].includes(campaign.status)) {
      throw new CampaignStateException(campaign.status)
    }
    await campaign.delete()
    if (wantsJson(request)) return response.noContent()
    session.flash('success', i18n.t('campaigns.flash.deleted'))
    return response.redirect(`/w/${workspace.slug}/campaigns`)
  }

  async show({ inertia, bouncer, params, member }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.view')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    const parent = campaign.parentId ? await Campaign.find(campaign.parentId) : null
    return inertia.render('campaigns/show', {
      report: await campaignReport(campaign),
      parent: parent ? { id: parent.publicId, name: parent.name } : null,
      canSend: await bouncer.allows('permit', 'campaigns.send'),
      canApprove: isApprover(member),
    })
  }

  /** Live figures (the report page polls it as a fallback to Transmit). */
  async progress({ bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.view')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    return { status: campaign.status, progress: await campaignProgress(campaign) }
  }

  /** The review step: final count, breakdown of who is left out and why, a sample. */
  async audience({ bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    const settings = await campaignSettings()
    const variants = await variantsOf(campaign)
    const category = categoryOf(variants)
    const breakdown = await audienceBreakdown(campaign, {
      category,
      capHours: campaign.frequencyCapHours ?? settings.frequencyCapHours,
      campaignId: campaign.id,
    })
    return { ...breakdown, category }
  }

  /** An uploaded list (CSV file or pasted numbers). */
  async list({ request, bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    if (!EDITABLE.includes(campaign.status)) throw new CampaignStateException(campaign.status)
    const payload = await request.validateUsing(listUploadValidator)
    if (!payload.file && !payload.numbers?.trim()) {
      campaignFieldErrors([{ field: 'numbers', key: 'list_empty' }])
    }
    const entries = await readListInput({
      numbers: payload.numbers,
      filePath: payload.file?.tmpPath ?? null,
    })
    return uploadList(campaign, entries)
  }

  /** Per-contact preview of one variant: resolved values and what is missing. */
  async preview({ request, bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    const payload = await request.validateUsing(previewValidator)
    const variants = await variantsOf(campaign)
    const entry = variants[payload.variant ?? 0]
    if (!entry?.template) campaignFieldErrors([{ field: 'variants', key: 'template_required' }])
    const contact = payload.contact
      ? await Contact.findByOrFail('public_id', payload.contact)
      : null
    const values = contact ? (await contactValuesFor([contact.id])).get(contact.id) : undefined
    const resolved = resolveValues(
      entry.variant.variables,
      templateVariables(entry.template),
      values ?? { fields: {}, custom: {} }
    )
    return {
      contact: contact
        ? { id: contact.publicId, name: contact.displayName, phone: contact.phone }
        : null,
      components: entry.template.components,
      values: resolved.values,
      missing: resolved.missing,
      text: renderPreviewText(entry.template, resolved.values),
    }
  }

  async send({ request, response, bouncer, params, member, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    await requestSend(campaign, member)
    return this.done(request, response, session, i18n, campaign, `flash.${campaign.status}`)
  }

  async approve({ request, response, params, member, session, i18n }: HttpContext) {
    if (!isApprover(member)) return response.forbidden({ errors: [{ code: 'E_NOT_APPROVER' }] })
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    await approveCampaign(campaign, member)
    return this.done(request, response, session, i18n, campaign, 'flash.approved')
  }

  async reject({ request, response, params, member, session, i18n }: HttpContext) {
    if (!isApprover(member)) return response.forbidden({ errors: [{ code: 'E_NOT_APPROVER' }] })
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    const { reason } = await request.validateUsing(rejectValidator)
    await rejectCampaign(campaign, member, reason)
    return this.done(request, response, session, i18n, campaign, 'flash.rejected')
  }

  async pause({ request, response, bouncer, params, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    if (campaign.status !== 'running') throw new CampaignStateException(campaign.status)
    await pauseCampaign(campaign)
    await campaign.refresh()
    return this.done(request, response, session, i18n, campaign, 'flash.paused')
  }

  async resume({ request, response, bouncer, params, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    if (campaign.status !== 'paused') throw new CampaignStateException(campaign.status)
    await resumeCampaign(campaign)
    await campaign.refresh()
    return this.done(request, response, session, i18n, campaign, 'flash.resumed')
  }

  async cancel({ request, response, bouncer, params, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.send')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    await cancelCampaign(campaign)
    return this.done(request, response, session, i18n, campaign, 'flash.cancelled')
  }

  async export({ response, bouncer, params }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.view')
    const campaign = await Campaign.findByOrFail('public_id', params.campaign)
    const name = `campaign-${campaign.publicId}-recipients.csv`
    response.header('content-type', 'text/csv; charset=utf-8')
    response.header('content-disposition', `attachment; filename="${name}"`)
    return response.stream(recipientsCsv(campaign))
  }

  async calendar({ inertia, bouncer, request, workspace }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.view')
    const { month } = await request.validateUsing(calendarValidator, {
      data: request.qs(),
    })
    const zone = workspace.timezone || 'UTC'
    const parsed = month ? DateTime.fromFormat(month, 'yyyy-LL', { zone }) : null
    const start = (parsed?.isValid ? parsed : DateTime.now().setZone(zone)).startOf('month')
    return inertia.render('campaigns/calendar', {
      month: start.toFormat('yyyy-LL'),
      timezone: zone,
      entries: await calendarMonth(start, zone),
    })
  }

  async settings({ inertia, bouncer }: HttpContext) {
    await bouncer.authorize('permit', 'campaigns.view')
    return inertia.render('campaigns/settings', {
      settings: await campaignSettings(),
      canManage: await bouncer.allows('permit', 'settings.workspace'),
    })
  }

  async updateSettings({ request, response, bouncer, session, i18n }: HttpContext) {
    await bouncer.authorize('permit', 'settings.workspace')
    const payload = await request.validateUsing(settingsValidator)
    const settings = await saveCampaignSettings(payload)
    if (wantsJson(request)) return settings
    session.flash('success', i18n.t('campaigns.flash.settings_saved'))
    return response.redirect().back()
  }

  private async editProps(campaign: Campaign | null) {
    const settings = await campaignSettings()
    return {
      campaign: campaign ? await campaignForm(campaign) : null,
      catalog: await wizardCatalog(),
      defaults: { frequencyCapHours: settings.frequencyCapHours },
      approvalRequired: settings.approvalRequired,
    }
  }

  private async done(
    request: HttpContext['request'],
    response: HttpContext['response'],
    session: HttpContext['session'],
    i18n: HttpContext['i18n'],
    campaign: Campaign,
    key: string
  ) {
    await campaign.refresh()
    if (wantsJson(request)) return { id: campaign.publicId, status: campaign.status }
    session.flash('success', i18n.t(`campaigns.${key}`))
    return response.redirect().back()
  }
}
