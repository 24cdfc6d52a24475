import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, services } from '@adonisjs/drive'

/**
 * Tenant files (inbound media, imports, exports) live under
 * `workspaces/<id>/...` on this disk. `fs` (storage/ on the local disk,
 * a named volume in Docker) is the default; an S3-compatible disk is added
 * with the `s3` service of @adonisjs/drive once @aws-sdk/client-s3 is
 * installed (see docs/self-hosting.md).
 */
const driveConfig = defineConfig({
  default: env.get('DRIVE_DISK', 'fs'),
  services: {
    fs: services.fs({
      location: app.makePath(env.get('STORAGE_PATH', 'storage')),
      serveFiles: false,
      visibility: 'private',
    }),
  },
})

export default driveConfig

declare module '@adonisjs/drive/types' {
  export interface DriveDisks extends InferDriveDisks<typeof driveConfig> {}
}
import type { InferDriveDisks } from '@adonisjs/drive/types'
