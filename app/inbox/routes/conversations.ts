import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

router
  .group(() => {})
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
