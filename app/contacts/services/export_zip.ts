import { PassThrough, Readable } from 'node:stream'
import { ZipFile } from 'yazl'
import drive from '@adonisjs/drive/services/main'
import { uploadStream, writeChunk } from '#contacts/services/export_files'

/**
 * A zip written straight to the drive as its entries are produced
 * (yazl): entries are streams filled one after the other, so no entry
 * and no archive is ever held in memory.
 */
export class ZipUpload {
  readonly zip = new ZipFile()
  private readonly upload: Promise<void>
  private failure: unknown = null
  private current: PassThrough | Readable | null = null

  constructor(key: string) {
    this.upload = uploadStream(key, this.zip.outputStream as unknown as Readable)
    this.upload.catch((error) => {
      this.failure = error
      // A writer waiting for the entry to drain stops instead of hanging.
      this.current?.destroy(error)
    })
  }

  /** An entry whose content `fill` writes (text or bytes) into the given stream. */
  async entry(name: string, fill: (sink: PassThrough) => Promise<void>) {
    this.check()
    const sink = new PassThrough()
    this.current = sink
    this.zip.addReadStream(sink, name)
    await fill(sink)
    sink.end()
  }

  /** An entry whose content is a readable stream built by the caller (csv-stringify). */
  async streamEntry<S extends Readable & NodeJS.WritableStream>(
    name: string,
    stream: S,
    fill: (sink: S) => Promise<void>
  ) {
    this.check()
    this.current = stream
    this.zip.addReadStream(stream, name)
    await fill(stream)
    stream.end()
  }

  /** A small entry from a string. */
  text(name: string, content: string) {
    this.check()
    this.zip.addBuffer(Buffer.from(content, 'utf8'), name)
  }

  /**
   * A stored file (a message's media), opened only when the zip gets to
   * it; a file that vanished in between becomes an empty entry.
   */
  driveFile(path: string, name: string) {
    this.check()
    this.zip.addReadStreamLazy(name, (callback) => {
      drive
        .use()
        .getStream(path)
        .then((stream) => callback(null, stream))
        .catch(() => callback(null, Readable.from([])))
    })
  }

  async finish() {
    this.zip.end()
    await this.upload
  }

  /** Stops a failed archive: the partial upload ends with an error (the caller deletes it). */
  async abort(error: unknown) {
    this.current?.destroy()
    ;(this.zip.outputStream as unknown as Readable).destroy(error as Error)
    await this.upload.catch(() => {})
  }

  private check() {
    if (this.failure) throw this.failure
  }
}

export async function writeLine(sink: PassThrough, value: unknown) {
  await writeChunk(sink, `${JSON.stringify(value)}\n`)
}
