import type { HttpContext } from '@adonisjs/core/http'
import { Bouncer } from '@adonisjs/bouncer'
import Contact from '#contacts/models/contact'
import ContactExport from '#contacts/models/contact_export'
import { eraseContactValidator } from '#contacts/validators/exports'
import { requestContactDataExport } from '#contacts/actions/export_contact_data'
import { requestWorkspaceExport } from '#contacts/actions/export_workspace'
import { ContactAlreadyErasedException, eraseContact } from '#contacts/actions/erase_contact'
import { exportRows, type ExportRow } from '#contacts/controllers/exports_controller'
import { EXPORTS_CHANNEL } from '#contacts/services/export_files'
import { workspaceChannel } from '#core/realtime'
import type { MemberActor } from '#core/authorization'

/** The workspace-wide export is the owner's alone (not a grantable permission). */
const ownerOnly = Bouncer.ability((actor: MemberActor) => actor.isOwner)

export type PrivacySettingsProps = {
  exports: ExportRow[]
  realtimeChannel: string
}

function wantsJson(ctx: HttpContext) {
  return !ctx.request.header('x-inertia') && ctx.request.accepts(['html', 'json']) === 'json'
}

/** Digits only, to compare a typed phone number with the stored one. */
function digits(value: string | null | undefined) {
  return (value ?? '').replace(/\D+/g, '')
}

/**
 * Privacy (issue 6 §6): a contact's data export and erasure from the
 * contact page, and the workspace owner's full export (Settings › Privacy).
 */
export default class PrivacyController {
  /** POST /contacts/:contact/privacy/export (contacts.export). */
  async exportContact(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'contacts.export')
    const contact = await Contact.findByOrFail('public_id', ctx.params.contact)
    const exp = await requestContactDataExport(contact, ctx.auth.user!.id)
    if (wantsJson(ctx)) return ctx.response.created((await exportRows(ctx, [exp]))[0])
    ctx.session.flash('success', ctx.i18n.t('privacy.export_started'))
    return ctx.response.redirect().back()
  }

  /**
   * POST /contacts/:contact/privacy/erase (contacts.manage), confirmed by
   * typing the contact's phone number or ERASE.
   */
  async erase(ctx: HttpContext) {
    await ctx.bouncer.authorize('permit', 'contacts.manage')
    const contact = await Contact.findByOrFail('public_id', ctx.params.contact)
    const { confirm } = await ctx.request.validateUsing(eraseContactValidator)
    const confirmed =
      confirm.toUpperCase() === 'ERASE' ||
      (digits(contact.phone).length > 0 && digits(confirm) === digits(contact.phone))
    if (!confirmed) {
      const message = ctx.i18n.t('privacy.erase_confirm_mismatch')
      if (wantsJson(ctx)) {
        return ctx.response.unprocessableEntity({
          errors: [{ field: 'confirm', rule: 'confirmed', message }],
        })
      }
      ctx.session.flash('errors', { confirm: message })
      return ctx.response.redirect().back()
    }
    try {
      const result = await eraseContact(contact, ctx.auth.user!.id)
      if (wantsJson(ctx)) return { erasedAt: contact.erasedAt?.toISO() ?? null, ...result }
    } catch (error) {
      if (!(error instanceof ContactAlreadyErasedException)) throw error
      const message = ctx.i18n.t('privacy.already_erased')
      if (wantsJson(ctx)) return ctx.response.conflict({ errors: [{ message }] })
      ctx.session.flash('error', message)
      return ctx.response.redirect().back()
    }
    ctx.session.flash('success', ctx.i18n.t('privacy.erased'))
    return ctx.response.redirect().back()
  }

  /** GET /settings/privacy (owner): the workspace export and its past runs. */
  async settings(ctx: HttpContext) {
    await ctx.bouncer.authorize(ownerOnly)
    const exports = await ContactExport.query()
      .where('kind', 'workspace')
      .orderBy('id', 'desc')
      .limit(20)
    const props: PrivacySettingsProps = {
      exports: await exportRows(ctx, exports),
      realtimeChannel: await workspaceChannel(ctx.workspace.id, EXPORTS_CHANNEL),
    }
    return ctx.inertia.render('settings/privacy', props)
  }

  /** POST /settings/privacy/export (owner): queues the workspace-wide export. */
  async exportWorkspace(ctx: HttpContext) {
    await ctx.bouncer.authorize(ownerOnly)
    const exp = await requestWorkspaceExport(ctx.auth.user!.id)
    if (wantsJson(ctx)) return ctx.response.created((await exportRows(ctx, [exp]))[0])
    ctx.session.flash('success', ctx.i18n.t('privacy.workspace_export_started'))
    return ctx.response.redirect().back()
  }
}
