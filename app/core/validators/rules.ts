import vine from '@vinejs/vine'
import db from '@adonisjs/lucid/services/db'
import type { FieldContext } from '@vinejs/vine/types'

/**
 * Shared VineJS rules. Messages are translation keys under `validation.messages.`
 * (resources/lang/<locale>/validation.json).
 */

export const RESERVED_SLUGS = new Set([
  'admin',
  'api',
  'app',
  'assets',
  'auth',
  'health',
  'hooks',
  'invitations',
  'login',
  'logout',
  'new',
  'parley',
  'settings',
  'signup',
  'static',
  'support',
  'w',
  'webhooks',
  'widget',
  'www',
  'workspaces',
])

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,46})[a-z0-9]$/

export const emailAvailable = vine.createRule(
  async (value: unknown, _: undefined, field: FieldContext) => {
    if (typeof value !== 'string') return
    const taken = await db.from('users').where('email', value.trim().toLowerCase()).first()
    if (taken) field.report('This email is taken', 'email_taken', field)
  }
)

export const workspaceSlug = vine.createRule(
  async (value: unknown, _: undefined, field: FieldContext) => {
    if (typeof value !== 'string') return
    if (!SLUG_PATTERN.test(value) || value.includes('--')) {
      return field.report('Invalid slug', 'slug_format', field)
    }
    if (RESERVED_SLUGS.has(value)) {
      return field.report('Reserved slug', 'slug_reserved', field)
    }
    const taken = await db.from('workspaces').where('slug', value).first()
    if (taken) field.report('This slug is taken', 'slug_taken', field)
  }
)

export const strongPassword = vine.createRule(
  (value: unknown, _: undefined, field: FieldContext) => {
    if (typeof value !== 'string') return
    if (value.length < 8 || !/[A-Za-z\p{L}]/u.test(value) || !/\d/.test(value)) {
      field.report('Weak password', 'weak_password', field)
    }
  }
)

export const passwordField = () => vine.string().maxLength(128).use(strongPassword())
