import router from '@adonisjs/core/services/router'
import type { ApiClient } from '@japa/api-client'
import AuditLog from '#core/models/audit_log'
import type User from '#core/models/user'

/**
 * The cross-tenant sweep: every registered route with a parameter is
 * called by a member of workspace B with identifiers of workspace A's
 * data. Anything but a 404 with an audit row is a leak.
 */

/**
 * Routes whose parameter is not a tenant identifier but a secret token
 * mailed to one person (it names its tenant itself). A guessed token is
 * a plain 404; there is nothing of another tenant to address by id.
 */
export const TOKEN_ROUTES = new Set([
  '/reset-password/:token',
  '/verify-email/:token',
  '/invitations/:token',
  '/invitations/:token/accept',
  // Meta webhooks: the key is a per-channel secret and the body is signed
  // with that channel's app secret; tests/functional/channels covers them.
  '/webhooks/meta/:channelKey',
])

export type SweepFixtures = {
  /** Values for each route parameter, all belonging to workspace A. */
  paramsOfA: Record<string, string>
  /** Workspace B's slug: B's member calls A's resource ids through B's own workspace. */
  slugOfB: string
  /** The member of B (and not of A) who makes the calls. */
  intruder: User
}

export type SweepFinding = { method: string; url: string; status: number; audited: boolean }

export function routesWithParams() {
  const routes = router.toJSON().root ?? []
  return routes
    .filter((route) => route.pattern.includes(':') && !TOKEN_ROUTES.has(route.pattern))
    .flatMap((route) =>
      route.methods
        .filter((method) => method !== 'HEAD')
        .map((method) => ({ method, pattern: route.pattern }))
    )
}

function fill(pattern: string, values: Record<string, string>) {
  return pattern.replace(/:([a-zA-Z_]+)\??/g, (_, name: string) => {
    if (!(name in values)) {
      throw new Error(
        `The sweep has no workspace-A value for ":${name}" in ${pattern}; add it to the fixtures`
      )
    }
    return encodeURIComponent(values[name])
  })
}

async function auditCount() {
  const [row] = await AuditLog.query()
    .whereIn('action', ['security.cross_tenant_denied', 'security.admin_denied'])
    .count('* as total')
  return Number(row.$extras.total)
}

export async function sweep(
  client: ApiClient,
  fixtures: SweepFixtures,
  routes = routesWithParams()
): Promise<{ checked: number; findings: SweepFinding[] }> {
  const findings: SweepFinding[] = []
  let checked = 0
  for (const route of routes) {
    const urls = [fill(route.pattern, fixtures.paramsOfA)]
    const params = route.pattern.match(/:([a-zA-Z_]+)/g) ?? []
    // Through B's own workspace, with A's resource ids.
    if (route.pattern.startsWith('/w/:workspace') && params.length > 1) {
      urls.push(fill(route.pattern, { ...fixtures.paramsOfA, workspace: fixtures.slugOfB }))
    }
    for (const url of urls) {
      checked++
      const before = await auditCount()
      const request = client
        .request(url, route.method.toLowerCase() as any)
        .loginAs(fixtures.intruder)
        .withCsrfToken()
        .header('accept', 'application/json')
      const response = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method)
        ? await request.json({})
        : await request
      const audited = (await auditCount()) > before
      if (response.status() !== 404 || !audited) {
        findings.push({ method: route.method, url, status: response.status(), audited })
      }
    }
  }
  return { checked, findings }
}
