/** One export as the server lists it (app/contacts/controllers/exports_controller.ts). */
export interface ExportRow {
  id: string
  kind: 'csv' | 'contact' | 'workspace'
  status: 'queued' | 'running' | 'completed' | 'failed'
  processed: number
  total: number | null
  fileSize: number | null
  expiresAt: string | null
  failure: string | null
  createdAt: string
  finishedAt: string | null
  subject: string | null
  expired: boolean
  downloadUrl: string | null
}
