/** Types of the contacts pages (mirroring app/contacts/controllers/*). */
export type FieldType = 'text' | 'number' | 'date' | 'dropdown' | 'checkbox'
export type FieldValue = string | number | boolean | null

export interface CustomFieldDef {
  id: string
  key: string
  label: string
  type: FieldType
  options: string[]
  required: boolean
  position: number
}

export interface TagRef {
  id: string
  name: string
  color: string
}

export interface ContactRow {
  id: string
  displayName: string
  name: string | null
  phone: string | null
  email: string | null
  country: string | null
  locale: string | null
  source: string
  createdAt: string
  lastInboundAt: string | null
  messagesIn: number
  messagesOut: number
  tags: TagRef[]
  fields: Record<string, FieldValue>
}

/** A field value as the form controls hold it (strings; '' = empty). */
export function valueToInput(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return String(value)
}

/** A bulk action on every matching contact, run in the background (server: bulkActionView). */
export type BulkActionRow = {
  id: string
  action: 'tag' | 'untag' | 'set_field' | 'opt_out' | 'delete'
  tag: string | null
  field: string | null
  status: 'queued' | 'running' | 'completed' | 'failed'
  total: number | null
  processed: number
  affected: number
  failure: string | null
  createdAt: string | null
  finishedAt: string | null
}
