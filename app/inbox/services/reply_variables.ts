import db from '@adonisjs/lucid/services/db'
import { tenancy } from '#core/tenancy/context'

/**
 * Everything a saved reply's variables can draw from, loaded once per
 * request. `contactFields` holds the contact's custom fields by key (none
 * exist yet; `loadContactFields` is the one place to read them when they
 * arrive).
 */
export type VariableContext = {
  contact: { name: string | null; phone: string | null } | null
  contactFields: Record<string, string | null>
  agent: { name: string } | null
  workspace: { name: string }
}

type Resolver = (context: VariableContext) => string | null | undefined

function firstName(name: string | null | undefined) {
  return name?.trim().split(/\s+/)[0] ?? null
}

/**
 * The variables a reply can use, by name. Add a row to offer a new one;
 * the settings page lists these names as hints.
 */
export const REPLY_VARIABLES: Record<string, Resolver> = {
  'contact.name': (context) => context.contact?.name,
  'contact.first_name': (context) => firstName(context.contact?.name),
  'contact.phone': (context) => context.contact?.phone,
  'agent.name': (context) => context.agent?.name,
  'agent.first_name': (context) => firstName(context.agent?.name),
  'workspace.name': (context) => context.workspace.name,
}

/**
 * Patterns tried when a name is not in REPLY_VARIABLES, in order:
 * `{{contact.<key>}}` reads the contact's custom field `<key>`.
 */
export const REPLY_VARIABLE_PATTERNS: {
  pattern: RegExp
  resolve: (context: VariableContext, match: RegExpMatchArray) => string | null | undefined
}[] = [
  {
    pattern: /^contact\.([a-z0-9_-]+)$/i,
    resolve: (context, match) => context.contactFields[match[1]],
  },
]

const VARIABLE = /\{\{\s*([a-zA-Z0-9_.-]+)\s*\}\}/g

/** The variable names a body uses, in order of first use. */
export function variablesIn(body: string): string[] {
  return [...new Set([...body.matchAll(VARIABLE)].map((match) => match[1]))]
}

function resolve(name: string, context: VariableContext): string | null | undefined {
  const direct = REPLY_VARIABLES[name]
  if (direct) return direct(context)
  for (const entry of REPLY_VARIABLE_PATTERNS) {
    const match = name.match(entry.pattern)
    if (match) return entry.resolve(context, match)
  }
  return undefined
}

/**
 * Fills a body's variables. A variable that is unknown, or known but with
 * no value for this conversation (a contact without a name, no
 * conversation given), becomes an empty string and is listed in
 * `missing` so the composer can warn before sending.
 */
export function renderReply(
  body: string,
  context: VariableContext
): { rendered: string; missing: string[] } {
  const missing = new Set<string>()
  const rendered = body.replace(VARIABLE, (_whole, name: string) => {
    const value = resolve(name, context)
    if (value === null || value === undefined || value === '') {
      missing.add(name)
      return ''
    }
    return value
  })
  return { rendered, missing: [...missing] }
}

/**
 * Custom field values of a contact by key. Custom fields are not built
 * yet: this returns {} until the contacts module stores them.
 */
export async function loadContactFields(_contactId: number): Promise<Record<string, string>> {
  return {}
}

/**
 * Loads the variable context for a conversation (or none) and an agent,
 * in the current workspace.
 */
export async function variableContext(input: {
  contactId: number | null
  agentName: string | null
  workspaceName: string
}): Promise<VariableContext> {
  let contact: VariableContext['contact'] = null
  let contactFields: Record<string, string | null> = {}
  if (input.contactId !== null) {
    const row = await db
      .from('contacts')
      .where('workspace_id', tenancy.workspaceId())
      .where('id', input.contactId)
      .select('name', 'profile_name', 'phone', 'wa_id')
      .first()
    if (row) {
      const phone = row.phone ?? (row.wa_id ? `+${row.wa_id}` : null)
      contact = { name: row.name ?? row.profile_name ?? null, phone }
      contactFields = await loadContactFields(input.contactId)
    }
  }
  return {
    contact,
    contactFields,
    agent: input.agentName ? { name: input.agentName } : null,
    workspace: { name: input.workspaceName },
  }
}
