import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A small S3-compatible server for tests (never for anything else): one
 * process-wide instance on 127.0.0.1, objects in memory, path-style
 * addressing (`/<bucket>/<key>`), the calls flydrive's S3 driver and
 * @aws-sdk/lib-storage make: PutObject, GetObject (with Range),
 * HeadObject, DeleteObject, DeleteObjects, CopyObject, ListObjectsV2 and
 * the multipart upload calls.
 *
 * It does not verify SigV4 signatures, but refuses a request without a
 * SigV4 Authorization header or signed by another access key id, so a
 * disk configured without credentials fails here as it would on S3.
 * Bodies sent with `aws-chunked` content encoding (streaming checksums
 * of newer SDKs) are decoded.
 */

export type FakeObject = {
  body: Buffer
  contentType: string
  etag: string
  lastModified: Date
}

export type FakeS3Request = {
  operation: string
  method: string
  bucket: string
  key: string
}

export const FAKE_S3_BUCKET = 'parley-test'
export const FAKE_S3_ACCESS_KEY_ID = 'FAKEACCESSKEY'
export const FAKE_S3_SECRET_ACCESS_KEY = 'fake-secret-access-key'

export class FakeS3 {
  readonly buckets = new Map<string, Map<string, FakeObject>>()
  readonly requests: FakeS3Request[] = []
  private readonly uploads = new Map<
    string,
    { bucket: string; key: string; contentType: string; parts: Map<number, Buffer> }
  >()
  private server: Server | null = null
  url = ''

  constructor(readonly accessKeyId = FAKE_S3_ACCESS_KEY_ID) {}

  async start() {
    if (this.server) return this
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        this.error(res, 500, 'InternalError', String(error?.message ?? error))
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.server.unref()
    const { port } = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${port}`
    return this
  }

  async close() {
    const server = this.server
    this.server = null
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  bucket(name = FAKE_S3_BUCKET) {
    let bucket = this.buckets.get(name)
    if (!bucket) {
      bucket = new Map()
      this.buckets.set(name, bucket)
    }
    return bucket
  }

  /** Keys under a prefix, sorted. */
  keys(prefix = '', bucket = FAKE_S3_BUCKET) {
    return [...this.bucket(bucket).keys()].filter((key) => key.startsWith(prefix)).sort()
  }

  object(key: string, bucket = FAKE_S3_BUCKET) {
    return this.bucket(bucket).get(key) ?? null
  }

  putObject(key: string, body: Buffer | string, contentType = 'application/octet-stream') {
    this.store(FAKE_S3_BUCKET, key, Buffer.from(body), contentType)
  }

  /** Forgets objects and the request log (buckets stay). */
  reset() {
    for (const bucket of this.buckets.values()) bucket.clear()
    this.uploads.clear()
    this.requests.length = 0
  }

  operations(key?: string) {
    return this.requests
      .filter((request) => key === undefined || request.key === key)
      .map((request) => request.operation)
  }

  private store(bucket: string, key: string, body: Buffer, contentType: string) {
    const etag = `"${createHash('md5').update(body).digest('hex')}"`
    this.bucket(bucket).set(key, { body, contentType, etag, lastModified: new Date() })
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake-s3')
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/')
    const key = rest.map((part) => decodeURIComponent(part)).join('/')
    const query = url.searchParams
    const method = req.method ?? 'GET'
    const body = await readBody(req)

    const auth = req.headers.authorization ?? ''
    const credential = /Credential=([^/]+)\//.exec(auth)?.[1]
    if (!auth.startsWith('AWS4-HMAC-SHA256 ') || credential !== this.accessKeyId) {
      this.log('Unauthorized', method, bucket, key)
      return this.error(res, 403, 'AccessDenied', 'Missing or unknown credentials')
    }
    if (!bucket) return this.error(res, 400, 'InvalidRequest', 'Path-style requests only')
    const objects = this.bucket(bucket)

    if (method === 'PUT' && query.has('uploadId')) {
      const upload = this.uploads.get(query.get('uploadId')!)
      if (!upload) return this.error(res, 404, 'NoSuchUpload', 'Unknown upload')
      this.log('UploadPart', method, bucket, key)
      const part = decodeBody(req, body)
      upload.parts.set(Number(query.get('partNumber')), part)
      res.writeHead(200, { ETag: `"${createHash('md5').update(part).digest('hex')}"` })
      return res.end()
    }
    if (method === 'PUT' && req.headers['x-amz-copy-source']) {
      this.log('CopyObject', method, bucket, key)
      const source = decodeURIComponent(String(req.headers['x-amz-copy-source'])).replace(/^\//, '')
      const [sourceBucket, ...sourceKey] = source.split('/')
      const found = this.bucket(sourceBucket).get(sourceKey.join('/'))
      if (!found) return this.error(res, 404, 'NoSuchKey', 'The source key does not exist')
      this.store(bucket, key, found.body, found.contentType)
      const copied = objects.get(key)!
      return this.xml(
        res,
        200,
        `<CopyObjectResult><ETag>${escapeXml(copied.etag)}</ETag><LastModified>${copied.lastModified.toISOString()}</LastModified></CopyObjectResult>`
      )
    }
    if (method === 'PUT') {
      this.log('PutObject', method, bucket, key)
      const contentType = String(req.headers['content-type'] ?? 'application/octet-stream')
      this.store(bucket, key, decodeBody(req, body), contentType)
      res.writeHead(200, { ETag: objects.get(key)!.etag })
      return res.end()
    }
    if (method === 'POST' && query.has('uploads')) {
      this.log('CreateMultipartUpload', method, bucket, key)
      const uploadId = randomUUID()
      this.uploads.set(uploadId, {
        bucket,
        key,
        contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        parts: new Map(),
      })
      return this.xml(
        res,
        200,
        `<InitiateMultipartUploadResult><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`
      )
    }
    if (method === 'POST' && query.has('uploadId')) {
      this.log('CompleteMultipartUpload', method, bucket, key)
      const uploadId = query.get('uploadId')!
      const upload = this.uploads.get(uploadId)
      if (!upload) return this.error(res, 404, 'NoSuchUpload', 'Unknown upload')
      const numbers = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map(
        (match) => Number(match[1])
      )
      const parts = numbers.map((n) => upload.parts.get(n))
      if (!numbers.length || parts.some((part) => !part)) {
        return this.error(res, 400, 'InvalidPart', 'A listed part was not uploaded')
      }
      this.store(bucket, key, Buffer.concat(parts as Buffer[]), upload.contentType)
      this.uploads.delete(uploadId)
      return this.xml(
        res,
        200,
        `<CompleteMultipartUploadResult><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><ETag>${escapeXml(objects.get(key)!.etag)}</ETag></CompleteMultipartUploadResult>`
      )
    }
    if (method === 'POST' && query.has('delete')) {
      this.log('DeleteObjects', method, bucket, key)
      const keys = [...body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) =>
        unescapeXml(match[1])
      )
      for (const item of keys) objects.delete(item)
      return this.xml(res, 200, '<DeleteResult></DeleteResult>')
    }
    if (method === 'DELETE' && query.has('uploadId')) {
      this.log('AbortMultipartUpload', method, bucket, key)
      this.uploads.delete(query.get('uploadId')!)
      res.writeHead(204)
      return res.end()
    }
    if (method === 'DELETE') {
      this.log('DeleteObject', method, bucket, key)
      objects.delete(key)
      res.writeHead(204)
      return res.end()
    }
    if (method === 'GET' && !key && query.get('list-type') === '2') {
      this.log('ListObjectsV2', method, bucket, key)
      return this.list(res, bucket, objects, query)
    }
    if (method === 'GET' || method === 'HEAD') {
      this.log(method === 'GET' ? 'GetObject' : 'HeadObject', method, bucket, key)
      const found = objects.get(key)
      if (!found) {
        if (method === 'HEAD') {
          res.writeHead(404)
          return res.end()
        }
        return this.error(res, 404, 'NoSuchKey', 'The specified key does not exist.')
      }
      const headers: Record<string, string | number> = {
        'Content-Type': found.contentType,
        'ETag': found.etag,
        'Last-Modified': found.lastModified.toUTCString(),
        'Accept-Ranges': 'bytes',
      }
      let content = found.body
      let status = 200
      const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''))
      if (range && method === 'GET') {
        const size = found.body.length
        const start = range[1] === '' ? Math.max(0, size - Number(range[2])) : Number(range[1])
        const end =
          range[1] !== '' && range[2] !== '' ? Math.min(Number(range[2]), size - 1) : size - 1
        if (start >= size) return this.error(res, 416, 'InvalidRange', 'Range not satisfiable')
        content = found.body.subarray(start, end + 1)
        headers['Content-Range'] = `bytes ${start}-${end}/${size}`
        status = 206
      }
      headers['Content-Length'] = content.length
      res.writeHead(status, headers)
      return res.end(method === 'HEAD' ? undefined : content)
    }
    this.log('Unsupported', method, bucket, key)
    return this.error(res, 501, 'NotImplemented', `${method} ${url.pathname}${url.search}`)
  }

  private list(
    res: ServerResponse,
    bucket: string,
    objects: Map<string, FakeObject>,
    query: URLSearchParams
  ) {
    const prefix = query.get('prefix') ?? ''
    const delimiter = query.get('delimiter') ?? ''
    const maxKeys = Number(query.get('max-keys') ?? 1000) || 1000
    const after = query.get('continuation-token') ?? query.get('start-after') ?? ''
    const contents: string[] = []
    const prefixes = new Set<string>()
    let truncated = false
    let last = ''
    for (const key of [...objects.keys()].sort()) {
      if (!key.startsWith(prefix) || key <= after) continue
      if (contents.length + prefixes.size >= maxKeys) {
        truncated = true
        break
      }
      const restOfKey = key.slice(prefix.length)
      const cut = delimiter ? restOfKey.indexOf(delimiter) : -1
      if (cut >= 0) {
        prefixes.add(prefix + restOfKey.slice(0, cut + delimiter.length))
      } else {
        const found = objects.get(key)!
        contents.push(
          `<Contents><Key>${escapeXml(key)}</Key><LastModified>${found.lastModified.toISOString()}</LastModified><ETag>${escapeXml(found.etag)}</ETag><Size>${found.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
        )
      }
      last = key
    }
    const common = [...prefixes]
      .map((item) => `<CommonPrefixes><Prefix>${escapeXml(item)}</Prefix></CommonPrefixes>`)
      .join('')
    return this.xml(
      res,
      200,
      `<ListBucketResult><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${contents.length + prefixes.size}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${escapeXml(last)}</NextContinuationToken>` : ''}${contents.join('')}${common}</ListBucketResult>`
    )
  }

  private log(operation: string, method: string, bucket: string, key: string) {
    this.requests.push({ operation, method, bucket, key })
  }

  private xml(res: ServerResponse, status: number, body: string) {
    const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`
    res.writeHead(status, {
      'Content-Type': 'application/xml',
      'Content-Length': Buffer.byteLength(text),
    })
    res.end(text)
  }

  private error(res: ServerResponse, status: number, code: string, message: string) {
    if (res.headersSent) return res.destroy()
    this.xml(
      res,
      status,
      `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>fake</RequestId></Error>`
    )
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * A PUT body: plain, or `aws-chunked` (`<hex size>[;chunk-signature=…]\r\n
 * <bytes>\r\n` … `0\r\n` then trailing checksum headers).
 */
function decodeBody(req: IncomingMessage, body: Buffer): Buffer {
  const encoding = String(req.headers['content-encoding'] ?? '')
  const sha = String(req.headers['x-amz-content-sha256'] ?? '')
  if (!encoding.includes('aws-chunked') && !sha.startsWith('STREAMING-')) return body
  const parts: Buffer[] = []
  let offset = 0
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset)
    if (lineEnd < 0) throw new Error('Malformed aws-chunked body')
    const size = Number.parseInt(
      body.subarray(offset, lineEnd).toString('latin1').split(';')[0],
      16
    )
    if (!Number.isFinite(size)) throw new Error('Malformed aws-chunked chunk size')
    if (size === 0) break
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size))
    offset = lineEnd + 2 + size + 2
  }
  const decoded = Buffer.concat(parts)
  const declared = req.headers['x-amz-decoded-content-length']
  if (declared !== undefined && Number(declared) !== decoded.length) {
    throw new Error('x-amz-decoded-content-length does not match the body')
  }
  return decoded
}

function escapeXml(value: string) {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

function unescapeXml(value: string) {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&')
}

let shared: FakeS3 | null = null

/** The process-wide fake (the s3 disk is cached once opened, so one endpoint). */
export async function fakeS3(): Promise<FakeS3> {
  if (!shared) shared = new FakeS3()
  return shared.start()
}

/**
 * Points the app's default disk at the fake bucket for a test group: the
 * real `s3` service of config/drive.ts (settings from the S3_* env, the
 * flydrive S3 driver, the AWS SDK over HTTP) is opened, and the default
 * disk's driver is swapped for it until the returned restore runs. App
 * code keeps calling `drive.use()`, as with `DRIVE_DISK=s3`.
 */
export async function useFakeS3Disk(): Promise<{ fake: FakeS3; restore: () => void }> {
  const fake = await fakeS3()
  const [{ default: env }, { default: drive }, { loadS3Driver }] = await Promise.all([
    import('#start/env'),
    import('@adonisjs/drive/services/main'),
    import('#core/drive/s3_disk'),
  ])
  // The SDK's notice that its 2027 releases need Node 22 (the Docker image runs 22).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  env.set('S3_BUCKET', FAKE_S3_BUCKET)
  env.set('S3_REGION', 'us-east-1')
  env.set('S3_ENDPOINT', fake.url)
  env.set('S3_FORCE_PATH_STYLE', true)
  env.set('S3_ACCESS_KEY_ID', FAKE_S3_ACCESS_KEY_ID)
  env.set('S3_SECRET_ACCESS_KEY', FAKE_S3_SECRET_ACCESS_KEY)
  await loadS3Driver()
  const disk = drive.use()
  const previous = disk.driver
  disk.driver = drive.use('s3').driver
  fake.reset()
  return {
    fake,
    restore: () => {
      disk.driver = previous
    },
  }
}
