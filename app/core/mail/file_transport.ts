import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { MailResponse } from '@adonisjs/mail'
import type { MailTransportContract, NodeMailerMessage } from '@adonisjs/mail/types'

export type StoredMail = {
  messageId: string
  from: string
  to: string[]
  subject: string
  html: string | null
  text: string | null
  sentAt: string
}

function addresses(value: unknown): string[] {
  if (!value) return []
  const list = Array.isArray(value) ? value : [value]
  return list.map((entry) =>
    typeof entry === 'string' ? entry : String((entry as { address: string }).address)
  )
}

/**
 * Development and test transport: each message becomes one JSON file in
 * `directory`, which developers open and tests read (tests/helpers/mailbox.ts).
 */
export class FileTransport implements MailTransportContract {
  constructor(private directory: string) {}

  async send(message: NodeMailerMessage): Promise<MailResponse<StoredMail>> {
    const messageId = randomUUID()
    const stored: StoredMail = {
      messageId,
      from: addresses(message.from)[0] ?? '',
      to: addresses(message.to),
      subject: String(message.subject ?? ''),
      html: message.html ? String(message.html) : null,
      text: message.text ? String(message.text) : null,
      sentAt: new Date().toISOString(),
    }
    await mkdir(this.directory, { recursive: true })
    await writeFile(
      join(this.directory, `${Date.now()}-${messageId}.json`),
      JSON.stringify(stored, null, 2)
    )
    return new MailResponse(messageId, { from: stored.from, to: stored.to }, stored)
  }
}
