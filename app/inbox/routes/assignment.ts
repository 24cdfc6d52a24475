import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const AssignmentController = () => import('#inbox/controllers/assignment_controller')
const AvailabilityController = () => import('#inbox/controllers/availability_controller')
const TeamsController = () => import('#inbox/controllers/teams_controller')
const RoutingRulesController = () => import('#inbox/controllers/routing_rules_controller')

/*
| Assignment and routing: manual assignment and its log, agent
| availability, Settings → Teams and Settings → Routing.
*/
router
  .group(() => {
    router
      .get('/inbox/conversations/:conversation/assignments', [AssignmentController, 'index'])
      .as('inbox.assignments')
    router
      .post('/inbox/conversations/:conversation/assign', [AssignmentController, 'assign'])
      .as('inbox.assign')
    router.put('/inbox/availability', [AvailabilityController, 'update']).as('inbox.availability')
    router.post('/inbox/heartbeat', [AvailabilityController, 'heartbeat']).as('inbox.heartbeat')
    router
      .put('/inbox/preferences', [AvailabilityController, 'preferences'])
      .as('inbox.preferences')

    router.get('/settings/teams', [TeamsController, 'index']).as('settings.teams')
    router.post('/settings/teams', [TeamsController, 'store'])
    router.put('/settings/teams/agents/:member', [TeamsController, 'updateAgent'])
    router.put('/settings/teams/:team', [TeamsController, 'update'])
    router.delete('/settings/teams/:team', [TeamsController, 'destroy'])
    router.post('/settings/teams/:team/members', [TeamsController, 'addMember'])
    router.delete('/settings/teams/:team/members/:member', [TeamsController, 'removeMember'])

    router.get('/settings/routing', [RoutingRulesController, 'index']).as('settings.routing')
    router.post('/settings/routing/rules', [RoutingRulesController, 'storeRouting'])
    router.put('/settings/routing/rules/:rule', [RoutingRulesController, 'updateRouting'])
    router.put('/settings/routing/rules/:rule/enabled', [RoutingRulesController, 'toggle'])
    router.post('/settings/routing/rules/:rule/move', [RoutingRulesController, 'move'])
    router.delete('/settings/routing/rules/:rule', [RoutingRulesController, 'destroy'])
    router.post('/settings/routing/assignment-rules', [RoutingRulesController, 'storeAssignment'])
    router.put('/settings/routing/assignment-rules/:assignmentRule', [
      RoutingRulesController,
      'updateAssignment',
    ])
    router.put('/settings/routing/assignment-rules/:assignmentRule/enabled', [
      RoutingRulesController,
      'toggle',
    ])
    router.post('/settings/routing/assignment-rules/:assignmentRule/move', [
      RoutingRulesController,
      'move',
    ])
    router.delete('/settings/routing/assignment-rules/:assignmentRule', [
      RoutingRulesController,
      'destroy',
    ])
  })
  .prefix('/w/:workspace')
  .use([middleware.auth(), middleware.workspace()])
