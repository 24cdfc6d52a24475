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
