import { Readable } from 'node:stream'
import type { S3Client as S3ClientType, S3ClientConfig } from '@aws-sdk/client-s3'
import type { S3Driver } from 'flydrive/drivers/s3'
import type { ServiceConfigProvider } from '@adonisjs/drive/types'

/**
 * The S3-compatible disk (`DRIVE_DISK=s3`): AWS S3, MinIO, Cloudflare R2,
 * Wasabi, Backblaze B2 … through flydrive's S3 driver.
 *
 * Two things differ from a plain `services.s3(...)`:
 *
 * - Settings come from the S3_* variables and are checked when the app
 *   boots with `DRIVE_DISK=s3`: a missing one stops the boot with its name.
 * - Exports are zips and CSVs written as they are produced, so their
 *   length is unknown when the upload starts. A single PutObject needs a
 *   length (S3 refuses chunked transfer encoding), so a stream of unknown
 *   length goes up as a multipart upload (@aws-sdk/lib-storage): parts of
 *   PART_SIZE bytes, at most QUEUE_SIZE of them in memory at a time. A
 *   body small enough for one part is still sent as one PutObject.
 *
 * The AWS SDK (~0.3 s to load) is only imported when the disk is used:
 * at boot with `DRIVE_DISK=s3`, or by `loadS3Driver()` (tests).
 */

export type S3Settings = {
  bucket: string
  region: string
  endpoint?: string
  forcePathStyle: boolean
  accessKeyId: string
  secretAccessKey: string
}

const REQUIRED = [
  ['S3_BUCKET', 'the bucket that holds tenant files'],
  ['S3_REGION', 'the bucket region, e.g. us-east-1 ("auto" for Cloudflare R2)'],
  ['S3_ACCESS_KEY_ID', 'the access key id'],
  ['S3_SECRET_ACCESS_KEY', 'the secret access key'],
] as const

export class S3SettingsError extends Error {
  code = 'E_S3_SETTINGS'
}

/**
 * Reads the S3_* variables through `get` (the validated env). Throws
 * naming the first missing one; values are never part of the message.
 */
export function s3Settings(get: (name: string) => unknown): S3Settings {
  const value = (name: string) => {
    const raw = get(name)
    return typeof raw === 'string' ? raw.trim() : raw
  }
  for (const [name, meaning] of REQUIRED) {
    if (!value(name)) {
      throw new S3SettingsError(`DRIVE_DISK=s3 needs ${name} (${meaning}); it is not set`)
    }
  }
  const endpoint = value('S3_ENDPOINT')
  if (endpoint !== undefined && endpoint !== '') {
    let url: URL | null = null
    try {
      url = new URL(String(endpoint))
    } catch {}
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      throw new S3SettingsError('S3_ENDPOINT must be an http(s) URL, e.g. http://minio:9000')
    }
  }
  const pathStyle = value('S3_FORCE_PATH_STYLE')
  return {
    bucket: String(value('S3_BUCKET')),
    region: String(value('S3_REGION')),
    endpoint: endpoint ? String(endpoint) : undefined,
    forcePathStyle: pathStyle === true || pathStyle === 'true' || pathStyle === '1',
    accessKeyId: String(value('S3_ACCESS_KEY_ID')),
    secretAccessKey: String(value('S3_SECRET_ACCESS_KEY')),
  }
}

/** Multipart part size: S3's minimum (5 MiB) is enough for exports. */
export const PART_SIZE = 5 * 1024 * 1024
const QUEUE_SIZE = 2

type S3Modules = {
  S3Driver: typeof S3Driver
  client: S3ClientFactory
}
type S3ClientFactory = (config: S3ClientConfig) => S3ClientType

let loaded: S3Modules | null = null

/** Imports the AWS SDK and flydrive's S3 driver (once). */
export async function loadS3Driver(): Promise<void> {
  if (loaded) return
  const [{ S3Driver: Driver }, sdk, { Upload }] = await Promise.all([
    import('flydrive/drivers/s3'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/lib-storage'),
  ])

  /**
   * An S3 client whose PutObject of a stream without a known length
   * becomes an Upload (multipart when the body outgrows one part).
   */
  class StreamingS3Client extends sdk.S3Client {
    send(command: any, ...rest: any[]): any {
      if (
        command instanceof sdk.PutObjectCommand &&
        command.input.Body instanceof Readable &&
        command.input.ContentLength === undefined &&
        !('path' in command.input.Body)
      ) {
        const upload = new Upload({
          client: this,
          params: command.input,
          partSize: PART_SIZE,
          queueSize: QUEUE_SIZE,
        })
        return upload.done()
      }
      return (super.send as (...args: any[]) => any)(command, ...rest)
    }
  }

  loaded = {
    S3Driver: Driver,
    client: (config) => new StreamingS3Client(config),
  }
}

/** A flydrive S3 driver for the given settings (after `loadS3Driver()`). */
export function createS3Driver(settings: S3Settings): S3Driver {
  if (!loaded) {
    throw new Error('The s3 disk is not loaded: boot with DRIVE_DISK=s3 or await loadS3Driver()')
  }
  const client = loaded.client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    // Other S3-compatible servers do not all take the SDK's default CRC32
    // checksums (aws-chunked bodies with trailers): only when an operation
    // requires one. AWS itself (no endpoint) keeps the default.
    ...(settings.endpoint
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
    credentials: {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
    },
  })
  return new loaded.S3Driver({
    client,
    bucket: settings.bucket,
    // Tenant files are only ever read through Parley (signed routes,
    // permission checks), never through public object URLs: no ACLs
    // (many buckets refuse them, R2 has none); keep the bucket private.
    visibility: 'private',
    supportsACL: false,
  })
}

/**
 * The drive service. `settings` is read when the disk is first used, so
 * a process booted on `fs` can still open it (tests point it at a fake).
 */
export function s3Service(options: {
  preload: boolean
  settings: () => S3Settings
}): ServiceConfigProvider<() => S3Driver> {
  return {
    type: 'provider',
    async resolver() {
      if (options.preload) await loadS3Driver()
      return () => createS3Driver(options.settings())
    },
  }
}
