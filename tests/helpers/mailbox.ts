import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import app from '@adonisjs/core/services/app'
import type { StoredMail } from '#core/mail/file_transport'

/**
 * Reads what the `file` mail transport wrote to tmp/mails.
 */
export const mailbox = {
  directory: () => app.tmpPath('mails'),

  async all(): Promise<StoredMail[]> {
    const names = await readdir(this.directory()).catch(() => [] as string[])
    const mails = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map(async (name) => JSON.parse(await readFile(join(this.directory(), name), 'utf8')))
    )
    return mails as StoredMail[]
  },

  async latestFor(address: string): Promise<StoredMail | null> {
    const mails = (await this.all()).filter((mail) => mail.to.includes(address.toLowerCase()))
    return mails.at(-1) ?? null
  },

  /**
   * The first link in the message text that starts with `path`.
   */
  linkIn(mail: StoredMail, path: string): string {
    const match = (mail.text ?? '').match(new RegExp(`https?://[^\\s]+(${path}[^\\s]*)`))
    if (!match) throw new Error(`No ${path} link in mail "${mail.subject}"`)
    return match[1]
  },

  async clear() {
    await rm(this.directory(), { recursive: true, force: true })
  },
}
