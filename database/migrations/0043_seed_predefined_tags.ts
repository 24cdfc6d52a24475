import { BaseSchema } from '@adonisjs/lucid/schema'
import { ulid } from 'ulidx'

/**
 * The inbox's predefined tags (app/inbox/predefined_tags.ts) for the
 * workspaces that existed before them; new workspaces get them from the
 * provisioning step. A tag that already exists by name is marked
 * predefined instead of duplicated. The list is copied here so later
 * edits of the constant do not change what this migration did.
 */
const PREDEFINED = [
  { name: 'VIP', color: 'amber' },
  { name: 'Sales', color: 'emerald' },
  { name: 'Support', color: 'violet' },
  { name: 'Complaint', color: 'red' },
  { name: 'Follow-up', color: 'sky' },
]

export default class extends BaseSchema {
  async up() {
    this.defer(async (db) => {
      const now = new Date().toISOString().slice(0, 19).replace('T', ' ')
      const workspaces: { id: number }[] = await db.from('workspaces').select('id')
      for (const workspace of workspaces) {
        const existing: { id: number; name: string }[] = await db
          .from('tags')
          .where('workspace_id', workspace.id)
          .select('id', 'name')
        const byName = new Map(existing.map((tag) => [tag.name.toLowerCase(), tag.id]))
        for (const tag of PREDEFINED) {
          const id = byName.get(tag.name.toLowerCase())
          if (id !== undefined) {
            await db
              .from('tags')
              .where('workspace_id', workspace.id)
              .where('id', id)
              .update({ is_predefined: true })
          } else {
            await db.table('tags').insert({
              public_id: ulid(),
              workspace_id: workspace.id,
              name: tag.name,
              color: tag.color,
              is_predefined: true,
              created_at: now,
              updated_at: now,
            })
          }
        }
      }
    })
  }

  async down() {
    // Seeded rows are ordinary tags once they exist; nothing to undo.
  }
}
