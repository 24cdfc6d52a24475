import Tag from '#contacts/models/tag'

/**
 * Tags every workspace starts with (marked `is_predefined`; they can be
 * renamed, recoloured or deleted like any other). Colours are Tailwind
 * palette names (see TAG_COLORS).
 */
export const PREDEFINED_TAGS = [
  { name: 'VIP', color: 'amber' },
  { name: 'Sales', color: 'emerald' },
  { name: 'Support', color: 'violet' },
  { name: 'Complaint', color: 'red' },
  { name: 'Follow-up', color: 'sky' },
] as const

/** The colours a tag can take: Tailwind palette names. */
export const TAG_COLORS = [
  'slate',
  'red',
  'orange',
  'amber',
  'yellow',
  'lime',
  'green',
  'emerald',
  'teal',
  'cyan',
  'sky',
  'blue',
  'indigo',
  'violet',
  'purple',
  'fuchsia',
  'pink',
  'rose',
] as const

/**
 * Provisioning step (runs inside the new workspace's tenant context, after
 * the contacts module's default tags): creates the predefined tags that
 * are missing and marks those that already exist by name as predefined.
 */
export async function provisionPredefinedTags() {
  const existing = await Tag.query().whereIn(
    'name',
    PREDEFINED_TAGS.map((tag) => tag.name)
  )
  const byName = new Map(existing.map((tag) => [tag.name.toLowerCase(), tag]))
  for (const definition of PREDEFINED_TAGS) {
    const tag = byName.get(definition.name.toLowerCase())
    if (tag) {
      if (!tag.isPredefined) {
        tag.isPredefined = true
        await tag.save()
      }
    } else {
      await Tag.create({ ...definition, isPredefined: true })
    }
  }
}
