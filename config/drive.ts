import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, services } from '@adonisjs/drive'
import { s3Service, s3Settings } from '#core/drive/s3_disk'

/**
 * Tenant files (inbound media, imports, exports) live under
 * `workspaces/<id>/...` on the default disk (`DRIVE_DISK`):
 *
 * - `fs` (default): storage/ on the local disk (`STORAGE_PATH`), a named
 *   volume in Docker.
 * - `s3`: an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, Wasabi …)
 *   configured by the S3_* variables; see docs/self-hosting.md. Booting
 *   with `DRIVE_DISK=s3` and a missing variable fails with its name.
 *
 * Both disks are private: files reach a browser only through Parley's
 * own routes (signed export links, the message media route).
 */
const diskName = env.get('DRIVE_DISK', 'fs')
const readS3Settings = () => s3Settings((name) => env.get(name))
if (diskName === 's3') readS3Settings()

const driveConfig = defineConfig({
  default: diskName,
  services: {
    fs: services.fs({
      location: app.makePath(env.get('STORAGE_PATH', 'storage')),
      serveFiles: false,
      visibility: 'private',
    }),
    s3: s3Service({ preload: diskName === 's3', settings: readS3Settings }),
  },
})

export default driveConfig

declare module '@adonisjs/drive/types' {
  export interface DriveDisks extends InferDriveDisks<typeof driveConfig> {}
}
import type { InferDriveDisks } from '@adonisjs/drive/types'
