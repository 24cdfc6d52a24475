/**
 * The permission catalog. Modules add their permissions here as they are
 * built; the sync in `app/core/services/permission_catalog.ts` writes it to
 * the `permissions` table so custom roles can be composed from it.
 */
export const PERMISSIONS = {
  'inbox.view': 'See conversations',
  'inbox.reply': 'Reply to customers',
  'inbox.assign': 'Assign and transfer conversations',
  'inbox.view_all': 'See every conversation, not only assigned ones',
  'contacts.view': 'See contacts',
  'contacts.manage': 'Create, edit and delete contacts',
  'contacts.import': 'Import contacts',
  'contacts.export': 'Export contacts',
  'templates.manage': 'Create and submit message templates',
  'campaigns.view': 'See campaigns and their results',
  'campaigns.send': 'Create and send campaigns',
  'campaigns.approve': 'Approve or reject campaigns waiting for approval',
  'automation.manage': 'Build flows and automations',
  'analytics.view': 'See reports',
  'settings.workspace': 'Change workspace settings',
  'settings.channels': 'Connect and configure WhatsApp numbers',
  'settings.members': 'Invite and remove members, change their roles',
  'settings.roles': 'Create and edit custom roles',
  'settings.audit': 'Read the audit log',
  'billing.manage': 'Manage plan, payment methods and invoices',
  'developer.api': 'Manage API keys and webhooks',
} as const

export type Permission = keyof typeof PERMISSIONS

export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[]

/**
 * System roles, copied into every workspace when it is provisioned. They
 * cannot be edited or deleted; custom roles can.
 */
export const SYSTEM_ROLES: Record<string, { name: string; permissions: Permission[] }> = {
  owner: { name: 'Owner', permissions: ALL_PERMISSIONS },
  admin: {
    name: 'Admin',
    permissions: ALL_PERMISSIONS.filter((permission) => permission !== 'billing.manage'),
  },
  manager: {
    name: 'Manager',
    permissions: [
      'inbox.view',
      'inbox.reply',
      'inbox.assign',
      'inbox.view_all',
      'contacts.view',
      'contacts.manage',
      'contacts.import',
      'contacts.export',
      'templates.manage',
      'campaigns.view',
      'campaigns.send',
      'campaigns.approve',
      'automation.manage',
      'analytics.view',
      'settings.audit',
    ],
  },
  marketing: {
    name: 'Marketing',
    permissions: [
      'contacts.view',
      'contacts.manage',
      'contacts.import',
      'contacts.export',
      'templates.manage',
      'campaigns.view',
      'campaigns.send',
      'automation.manage',
      'analytics.view',
    ],
  },
  sales: {
    name: 'Sales',
    permissions: [
      'inbox.view',
      'inbox.reply',
      'contacts.view',
      'contacts.manage',
      'campaigns.view',
    ],
  },
  agent: {
    name: 'Support agent',
    permissions: ['inbox.view', 'inbox.reply', 'contacts.view'],
  },
}

export type SystemRoleKey = keyof typeof SYSTEM_ROLES
