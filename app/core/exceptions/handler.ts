import app from '@adonisjs/core/services/app'
import { HttpContext, ExceptionHandler } from '@adonisjs/core/http'
import type { StatusPageRange, StatusPageRenderer } from '@adonisjs/core/types/http'
import { errors as authErrors } from '@adonisjs/auth'
import { errors as bouncerErrors } from '@adonisjs/bouncer'
import { errors as limiterErrors } from '@adonisjs/limiter'
import { errors as lucidErrors } from '@adonisjs/lucid'
import db from '@adonisjs/lucid/services/db'
import { CrossTenantAccessException } from '#core/exceptions/cross_tenant_access_exception'
import { PlanLimitReachedException } from '#core/exceptions/plan_limit_reached_exception'
import { WorkspaceSuspendedException } from '#core/exceptions/workspace_suspended_exception'
import { audit } from '#core/services/audit'

function wantsJson(ctx: HttpContext) {
  return !ctx.request.header('x-inertia') && ctx.request.accepts(['html', 'json']) === 'json'
}

export default class HttpExceptionHandler extends ExceptionHandler {
  protected debug = !app.inProduction && !app.inTest

  protected renderStatusPages = app.inProduction || app.inTest

  protected statusPages: Record<StatusPageRange, StatusPageRenderer> = {
    '403': (error, { inertia }) => inertia.render('errors/forbidden', { message: error.message }),
    '404': (_, { inertia }) => inertia.render('errors/not_found', {}),
    '423': (error, { inertia }) =>
      inertia.render('errors/suspended', {
        workspace: error instanceof WorkspaceSuspendedException ? error.workspace.name : null,
        reason:
          error instanceof WorkspaceSuspendedException ? error.workspace.suspensionReason : null,
      }),
    '500..599': (_, { inertia }) => inertia.render('errors/server_error', {}),
  }

  async handle(error: unknown, ctx: HttpContext) {
    if (error instanceof CrossTenantAccessException) {
      // Same answer as a missing record; the owner's audit log learns about it.
      if (wantsJson(ctx)) {
        return ctx.response.status(404).send({ errors: [{ message: 'Not found' }] })
      }
      return ctx.response.status(404).send(await this.renderNotFound(ctx))
    }

    if (error instanceof PlanLimitReachedException) {
      if (wantsJson(ctx)) {
        return ctx.response.status(403).send({
          errors: [{ code: error.code, message: error.message, ...error.details }],
        })
      }
      ctx.session.flash('error', error.message)
      return ctx.response.redirect().back()
    }

    if (error instanceof bouncerErrors.E_AUTHORIZATION_FAILURE && !wantsJson(ctx)) {
      ctx.session?.flash('error', ctx.i18n.t('errors.forbidden'))
      if (ctx.request.method() !== 'GET') return ctx.response.redirect().back()
    }

    if (error instanceof limiterErrors.E_TOO_MANY_REQUESTS && !wantsJson(ctx)) {
      const seconds = error.response.availableIn
      ctx.session.flashAll()
      ctx.session.flash('errors', {
        email: ctx.i18n.t('auth.throttled', { seconds }),
      })
      return ctx.response.redirect().back()
    }

    if (error instanceof authErrors.E_INVALID_CREDENTIALS && !wantsJson(ctx)) {
      ctx.session.flashExcept(['password'])
      ctx.session.flash('errors', { email: ctx.i18n.t('auth.invalid_credentials') })
      return ctx.response.redirect().back()
    }

    return super.handle(error, ctx)
  }

  private async renderNotFound(ctx: HttpContext) {
    if (!this.renderStatusPages) return 'Not found'
    return ctx.inertia.render('errors/not_found', {})
  }

  async report(error: unknown, ctx: HttpContext) {
    if (error instanceof CrossTenantAccessException) {
      await this.auditCrossTenant(ctx, error.target, error.ownerWorkspaceId)
      return
    }
    if (error instanceof lucidErrors.E_ROW_NOT_FOUND) {
      const owner = await this.foreignOwner(error, ctx)
      if (owner) await this.auditCrossTenant(ctx, owner.target, owner.workspaceId)
    }
    return super.report(error, ctx)
  }

  private auditCrossTenant(
    ctx: HttpContext,
    target: { type: string; id: string | number },
    ownerWorkspaceId: number | null
  ) {
    return audit({
      action: 'security.cross_tenant_denied',
      workspaceId: ownerWorkspaceId,
      actorId: ctx.auth?.user?.id ?? null,
      target,
      after: { requestedFrom: ctx.workspace?.slug ?? null },
    })
  }

  /**
   * A tenant-owned lookup missed inside a workspace: was the route
   * parameter the public id of a row that belongs to another workspace?
   * Then it was a cross-tenant attempt, not a typo.
   */
  private async foreignOwner(
    error: InstanceType<typeof lucidErrors.E_ROW_NOT_FOUND>,
    ctx: HttpContext
  ) {
    const model = error.model as unknown as { table: string; isTenantOwned?: boolean } | undefined
    if (!model?.isTenantOwned || !ctx.workspace) return null
    for (const [name, value] of Object.entries(ctx.params ?? {})) {
      if (name === 'workspace' || typeof value !== 'string') continue
      const row = await db
        .from(model.table)
        .select('workspace_id')
        .where('public_id', value)
        .whereNot('workspace_id', ctx.workspace.id)
        .first()
      if (row) {
        return { target: { type: model.table, id: value }, workspaceId: Number(row.workspace_id) }
      }
    }
    return null
  }
}
