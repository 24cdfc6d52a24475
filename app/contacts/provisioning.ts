import Tag from '#contacts/models/tag'

export const DEFAULT_TAGS = [
  { name: 'Lead', color: 'sky' },
  { name: 'Customer', color: 'emerald' },
  { name: 'VIP', color: 'amber' },
  { name: 'Support', color: 'violet' },
]

/**
 * Default tags for a new workspace (runs inside its tenant context).
 */
export async function provisionDefaultTags() {
  await Tag.createMany(DEFAULT_TAGS.map((tag) => ({ ...tag })))
}
