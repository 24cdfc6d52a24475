/*
| Campaigns module routes (tenant panel, /w/:workspace/campaigns).
*/
import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const CampaignsController = () => import('#campaigns/controllers/campaigns_controller')

router
  .group(() => {
    router.get('/campaigns', [CampaignsController, 'index']).as('campaigns.index')
    router.get('/campaigns/new', [CampaignsController, 'create']).as('campaigns.create')
    router.get('/campaigns/calendar', [CampaignsController, 'calendar']).as('campaigns.calendar')
    router.get('/campaigns/settings', [CampaignsController, 'settings']).as('campaigns.settings')
    router.put('/campaigns/settings', [CampaignsController, 'updateSettings'])
    router.post('/campaigns', [CampaignsController, 'store']).as('campaigns.store')
    router.get('/campaigns/:campaign', [CampaignsController, 'show']).as('campaigns.show')
    router.get('/campaigns/:campaign/edit', [CampaignsController, 'edit']).as('campaigns.edit')
    router.put('/campaigns/:campaign', [CampaignsController, 'update']).as('campaigns.update')
    router.delete('/campaigns/:campaign', [CampaignsController, 'destroy'])
    router.get('/campaigns/:campaign/progress', [CampaignsController, 'progress'])
    router.post('/campaigns/:campaign/audience', [CampaignsController, 'audience'])
    router.post('/campaigns/:campaign/list', [CampaignsController, 'list'])
    router.post('/campaigns/:campaign/preview', [CampaignsController, 'preview'])
    router.post('/campaigns/:campaign/send', [CampaignsController, 'send'])
    router.post('/campaigns/:campaign/approve', [CampaignsController, 'approve'])
    router.post('/campaigns/:campaign/reject', [CampaignsController, 'reject'])
    router.post('/campaigns/:campaign/pause', [CampaignsController, 'pause'])
    router.post('/campaigns/:campaign/resume', [CampaignsController, 'resume'])
    router.post('/campaigns/:campaign/cancel', [CampaignsController, 'cancel'])
    router.get('/campaigns/:campaign/export', [CampaignsController, 'export'])
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
