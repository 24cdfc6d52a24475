/*
|--------------------------------------------------------------------------
| Routes: each module owns its routes file; this one imports them.
|--------------------------------------------------------------------------
*/
import router from '@adonisjs/core/services/router'
import '#core/routes'
import '#contacts/routes'
import '#inbox/routes'
import '#campaigns/routes'
import '#templates/routes'

router.get('/health', '#core/controllers/health_controller.live')
router.get('/health/ready', '#core/controllers/health_controller.ready')
