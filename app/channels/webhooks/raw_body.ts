import type { HttpContext } from '@adonisjs/core/http'

export class PayloadTooLargeError extends Error {}

/**
 * Reads the request body as raw bytes, refusing more than `limit` bytes
 * without buffering them.
 */
export function readRawBody(ctx: HttpContext, limit: number): Promise<Buffer> {
  const stream = ctx.request.request
  const declared = Number(ctx.request.header('content-length') ?? 0)
  if (declared > limit) return Promise.reject(new PayloadTooLargeError())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        stream.removeAllListeners('data')
        stream.resume()
        reject(new PayloadTooLargeError())
        return
      }
      chunks.push(chunk)
    })
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}
